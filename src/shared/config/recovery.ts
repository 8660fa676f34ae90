/**
 * Recovery after pruning (ALGORITHMS.md §7.3), as a ready sft config: finetune the pruned model
 * a prune run saved (`run:<id>`) on responses the unpruned model generates for the prompts of
 * the prune run's calibration tasks — self-distillation, sampled at temperature 0.9 / top-p 0.95,
 * no correctness filter — with LoRA r 16 / alpha 32 on every linear layer, constant LR after 50
 * warmup steps, AdamW β2 0.99, weight decay 1e-4 (the seed recipe; the learning rate is raised
 * for small models). examples/recover-builtin.yaml is the same recipe for the built-in model.
 */
import { LORA_TARGETS } from './sft';

export interface PruneRunLike {
  id: string;
  config: Record<string, unknown>;
}

export function recoverySftConfig(prune: PruneRunLike): Record<string, unknown> {
  const c = prune.config as { name?: unknown; model?: unknown; seed?: unknown; calibration?: { tasks?: unknown } };
  const tasks = Array.isArray(c.calibration?.tasks) && c.calibration.tasks.length ? c.calibration.tasks : [{ task: 'arithmetic', weight: 1 }];
  return {
    kind: 'sft',
    name: `recover ${typeof c.name === 'string' && c.name ? c.name : prune.id}`,
    seed: typeof c.seed === 'number' ? c.seed : 42,
    tags: ['pruning', 'recovery'],
    notes: `Recovery of the model pruned by run ${prune.id}, on responses of ${String(c.model)}.`,
    model: `run:${prune.id}`,
    data: {
      tasks,
      seq_len: 160,
      packing: true,
      completion_only_loss: true,
      responses: { source: 'self_generated', teacher: String(c.model ?? ''), num_prompts: 4000, temperature: 0.9, top_p: 0.95, max_new_tokens: 96 },
    },
    lora: { enabled: true, r: 16, alpha: 32, target_modules: [...LORA_TARGETS] },
    training: {
      max_steps: 600,
      batch_size: 16,
      learning_rate: 2e-3,
      lr_scheduler_type: 'constant_with_warmup',
      warmup_steps: 50,
      adam_beta2: 0.99,
      weight_decay: 1e-4,
      eval_every: 200,
      checkpoint_every: 0,
      log_every: 25,
    },
  };
}
