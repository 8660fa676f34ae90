import type { RunKind } from './kinds';
import { VALUE_DEFAULT_TASKS } from './value';

/** Named starting points shown in the config editor. Each is a partial config; the schema
 * fills in the rest of the defaults. */
export interface ConfigPreset {
  id: string;
  kind: RunKind;
  title: string;
  description: string;
  config: Record<string, unknown>;
}

export const BUILTIN_MODEL_REF = 'builtin:benchtop-tiny';

/**
 * The recipe of the built-in model (examples/pretrain-builtin.yaml holds the same; a test keeps
 * them equal): arithmetic written column by column, brackets, three classification tasks,
 * Knights & Knaves and word problems, packed into rows of 160 tokens.
 */
export const BUILTIN_RECIPE = {
  model: { architecture: 'llama', hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 384, max_position_embeddings: 256, tie_word_embeddings: true },
  data: {
    seq_len: 160,
    packing: true,
    tasks: [
      { task: 'arithmetic', weight: 4, options: { min_digits: 1, max_digits: 3, pad_operands: true, scratchpad: 'columns' } },
      { task: 'brackets', weight: 2, options: { max_pairs: 5 } },
      { task: 'brackets_classify', weight: 1 },
      { task: 'compare', weight: 2, options: { max_digits: 3 } },
      { task: 'majority', weight: 1 },
      { task: 'knights_knaves', weight: 2, options: { people: [2, 3] } },
      { task: 'word_problems', weight: 1.5, options: { levels: [0, 1] } },
    ],
  },
  training: { max_steps: 4500, batch_size: 16, learning_rate: 0.003, lr_scheduler_type: 'cosine', warmup_steps: 100, weight_decay: 0.01, max_grad_norm: 1.0, log_every: 50, eval_every: 1000, checkpoint_every: 1000 },
};

/** The held-out evaluation of the built-in model (examples/eval-builtin.yaml): its training formats, 2–3 digit addition. */
export const BUILTIN_EVAL_TASKS = [
  { task: 'arithmetic', options: { min_digits: 2, max_digits: 3, ood_digits: 0, pad_operands: true, scratchpad: 'columns' } },
  { task: 'brackets', options: { max_pairs: 5 } },
  { task: 'brackets_classify' },
  { task: 'compare', options: { max_digits: 3 } },
  { task: 'majority' },
  { task: 'knights_knaves', options: { people: [2, 3] } },
  { task: 'word_problems', options: { levels: [0, 1] } },
];

export const PRESETS: ConfigPreset[] = [
  {
    id: 'pretrain-tiny-arithmetic',
    kind: 'pretrain',
    title: 'Tiny decoder on addition',
    description: '4 layers, d=128, 1–3 digit addition worked column by column; about 5 minutes on 2 CPU cores.',
    config: {
      kind: 'pretrain',
      name: 'tiny addition',
      model: { architecture: 'llama', hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 384 },
      data: { tasks: [{ task: 'arithmetic', weight: 1, options: { min_digits: 1, max_digits: 3, pad_operands: true, scratchpad: 'columns' } }], seq_len: 128, packing: true },
      training: { max_steps: 1500, batch_size: 16, learning_rate: 3e-3, warmup_steps: 50, lr_scheduler_type: 'cosine', eval_every: 500 },
    },
  },
  {
    id: 'pretrain-task-mixture',
    kind: 'pretrain',
    title: 'Task mixture (built-in model recipe)',
    description: 'The recipe of benchtop-tiny: arithmetic, brackets, classification, K&K and word problems; about 15 minutes on 2 CPU cores.',
    config: { kind: 'pretrain', name: 'task mixture', seed: 1234, ...BUILTIN_RECIPE },
  },
  {
    id: 'sft-lora-builtin',
    kind: 'sft',
    title: 'LoRA finetune of the built-in model',
    description: 'Teach it 4-digit addition (it was pretrained on up to 3 digits): rank-8 LoRA on attention projections, completion-only loss.',
    config: {
      kind: 'sft',
      name: 'lora sft: 4-digit addition',
      model: BUILTIN_MODEL_REF,
      data: { tasks: [{ task: 'arithmetic', weight: 1, options: { min_digits: 4, max_digits: 4, ood_digits: 0, pad_operands: true, scratchpad: 'columns' } }] },
      lora: { enabled: true, r: 8, alpha: 16, target_modules: ['q', 'k', 'v', 'o'] },
    },
  },
  {
    id: 'eval-builtin',
    kind: 'eval',
    title: 'Evaluate the built-in model',
    description: 'Held-out examples of every task it was trained on: greedy exact match, choice log-likelihood.',
    config: {
      kind: 'eval',
      name: 'built-in model eval',
      model: BUILTIN_MODEL_REF,
      tasks: BUILTIN_EVAL_TASKS,
      num_examples: 100,
    },
  },
  {
    id: 'prune-builtin-bi',
    kind: 'prune',
    title: 'Prune a layer of the built-in model',
    description: 'Block influence (ShortGPT) picks 1 of its 4 layers to remove; accuracy on every eval task before and after.',
    config: {
      kind: 'prune',
      name: 'prune 1 layer by block influence',
      model: BUILTIN_MODEL_REF,
      method: 'block_influence',
      num_layers: 1,
      protect_first: 1,
      calibration: { tasks: BUILTIN_EVAL_TASKS, num_sequences: 64, seq_len: 128 },
      eval: { tasks: BUILTIN_EVAL_TASKS, num_examples: 50, sweep: true },
    },
  },
  {
    id: 'value-builtin-mislabel',
    kind: 'value',
    title: 'Value training data with the built-in model',
    description: 'For-Value: 200 examples of three tasks, 20% given a wrong answer, scored against 50 held-out ones by one forward pass each; same-task ranking, mislabel detection and top-10% selection.',
    config: {
      kind: 'value',
      name: 'for-value: mislabel detection',
      seed: 1,
      model: BUILTIN_MODEL_REF,
      train: { tasks: VALUE_DEFAULT_TASKS, num_examples: 200 },
      val: { num_examples: 50 },
      mislabel_ratio: 0.2,
      method: 'total_unique',
      protocols: ['influence', 'mislabel', 'selection'],
      select_ratio: 0.1,
    },
  },
  {
    id: 'grpo-builtin-kk',
    kind: 'grpo',
    title: 'GRPO on the built-in model',
    description: 'Knights & Knaves with 2–3 people (it solves about half): 8 prompts × 8 sampled answers per step, rewards from the verifier, full finetune; about a minute on 2 CPU cores.',
    config: {
      kind: 'grpo',
      name: 'grpo on knights & knaves',
      seed: 7,
      tags: ['builtin', 'rlvr'],
      model: BUILTIN_MODEL_REF,
      tasks: [{ task: 'knights_knaves', options: { people: [2, 3] } }],
      num_generations: 8,
      prompts_per_step: 8,
      max_completion_length: 16,
      temperature: 1.0,
      beta: 0.0,
      epsilon: 0.2,
      loss_type: 'dapo',
      scale_rewards: 'group',
      training: { max_steps: 40, learning_rate: 3e-5, lr_scheduler_type: 'constant', eval_every: 20, log_every: 1 },
      eval_examples: 200,
      completions_to_log: 16,
    },
  },
];

export function presetsFor(kind: RunKind): ConfigPreset[] {
  return PRESETS.filter((p) => p.kind === kind);
}
