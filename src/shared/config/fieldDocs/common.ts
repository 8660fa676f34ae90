/** Documentation of the fields several kinds share (the same schema instances, so one table). */
import { z } from 'zod';
import { commonFields, trainingSchema } from '../common';
import { taskRefSchema } from '../taskRefs';
import { loraSchema, responsesSchema } from '../sft';
import { decoderShapeSchema } from '../pretrain';
import { documentFields } from './apply';

export const COMMON_MISSING = [
  ...documentFields(z.object(commonFields), {
    name: 'Shown in the run list; empty = the run id.',
    seed: 'Seeds example generation, initialisation and sampling: the same config and seed repeat the run.',
    tags: 'Labels to filter and compare runs by.',
    notes: 'Free text kept with the run (searched by the run filter).',
  }),
  ...documentFields(taskRefSchema, {
    task: 'A built-in task generator (arithmetic, brackets, knights_knaves, …) or an imported dataset id.',
    weight: 'Share of this task in a mixture (weights are normalised); ignored where tasks are not mixed.',
    options: "The task's generator options (digits, people, levels, …), checked against the options the task declares.",
  }),
  ...documentFields(trainingSchema, {
    max_steps: 'Optimizer steps to train for (HF TrainingArguments.max_steps).',
    batch_size: 'Sequences per micro-batch (per_device_train_batch_size).',
    gradient_accumulation_steps: 'Micro-batches summed into one optimizer step (gradient_accumulation_steps).',
    learning_rate: 'Peak learning rate of AdamW (learning_rate).',
    lr_scheduler_type: 'constant, cosine decay to 0, or constant after a linear warmup (lr_scheduler_type).',
    warmup_steps: 'Linear warmup from 0 over this many steps (warmup_steps).',
    weight_decay: 'Decoupled AdamW weight decay on matrices (weight_decay).',
    adam_beta1: 'AdamW β1 (adam_beta1).',
    adam_beta2: 'AdamW β2 (adam_beta2).',
    adam_epsilon: 'AdamW ε (adam_epsilon).',
    max_grad_norm: 'Clip the global gradient norm to this; 0 = no clipping (max_grad_norm).',
    eval_every: 'Greedy eval on held-out examples of the training tasks every N steps; 0 = only at the end.',
    checkpoint_every: 'Save a resumable checkpoint every N steps; 0 = none.',
    log_every: 'Write training metrics every N steps (logging_steps).',
    steps_per_call:
      'Optimizer steps per onnxruntime call: weights and Adam moments stay inside one call for N steps (an ONNX Loop), so on a GPU they cross to the host once per N steps. Same training as 1; evals, checkpoints and cancelling happen between calls. Measured slower on CPU: keep 1 there.',
  }),
  ...documentFields(loraSchema, {
    enabled: 'Train LoRA adapters on a frozen base instead of every weight (PEFT LoraConfig).',
    r: 'LoRA rank r (LoraConfig.r).',
    alpha: 'LoRA scale α; the update is (α/r)·BA (LoraConfig.lora_alpha).',
    target_modules: 'Linear layers that get adapters: attention q/k/v/o, MLP gate/up/down (LoraConfig.target_modules).',
  }),
  ...documentFields(responsesSchema, {
    source: 'Train on the tasks’ gold answers, or on responses a teacher model generates for the same prompts (self-distillation, ALGORITHMS.md §7.3).',
    teacher: 'The model that writes the responses; empty = the model being finetuned (for recovery: the unpruned model).',
    num_prompts: 'Prompts the teacher answers (each becomes one training example).',
    temperature: 'Teacher sampling temperature (§7.3: 0.9); 0 = greedy.',
    top_p: 'Teacher nucleus sampling (§7.3: 0.95).',
    max_new_tokens: 'Longest teacher response in tokens.',
    only_correct: 'Keep only responses the task’s verifier accepts (off in the seed recipe).',
  }),
  ...documentFields(decoderShapeSchema, {
    architecture: 'HF model_type of the saved folder (llama, qwen2, qwen3, mistral): the same decoder, different config names.',
    vocab_size: "Vocabulary size; unset = the tokenizer's size.",
    hidden_size: 'Model width d (config.json hidden_size).',
    num_hidden_layers: 'Decoder layers.',
    num_attention_heads: 'Query heads; must divide hidden_size.',
    num_key_value_heads: 'Key/value heads (grouped-query attention); must divide num_attention_heads.',
    intermediate_size: 'Width of the SwiGLU MLP.',
    max_position_embeddings: 'Longest sequence the model is built for.',
    rope_theta: 'RoPE base frequency θ.',
    rms_norm_eps: 'ε of RMSNorm.',
    tie_word_embeddings: 'Share the input embedding and the output head.',
  }),
];
