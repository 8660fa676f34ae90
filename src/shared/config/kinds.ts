/** Every run kind Benchtop knows. A kind is a schema here, an executor in src/engine and a
 * page in src/renderer (ARCHITECTURE.md). */
export const RUN_KINDS = ['pretrain', 'sft', 'eval', 'prune', 'grpo', 'value'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const RUN_KIND_LABELS: Record<RunKind, { title: string; description: string }> = {
  pretrain: {
    title: 'Pretrain',
    description: 'Train a small decoder from random initialisation on a mixture of synthetic tasks.',
  },
  sft: {
    title: 'Supervised finetune',
    description: 'Finetune a model folder on a dataset (completion-only loss), with LoRA or full weights.',
  },
  eval: {
    title: 'Evaluate',
    description: 'Measure a model on verifiable tasks: exact match, pass@k, choice log-likelihood.',
  },
  prune: {
    title: 'Prune layers',
    description: 'Remove decoder layers chosen by an importance metric or a task search, then measure what survives.',
  },
  grpo: {
    title: 'GRPO (RL with verifiable rewards)',
    description: 'Reinforce a model on task verifiers: sample a group of completions per prompt, reward them, and update toward the better ones.',
  },
  value: {
    title: 'Value data (For-Value)',
    description: 'Score every training example by one forward pass against a validation set: find the influential ones, flag mislabeled ones, select the best share.',
  },
};
