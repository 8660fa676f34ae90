import { grpoConfigSchema } from '../config/grpo';
import { BUILTIN_MODEL_REF } from '../config/builtinModel';
import { isBreakdownKey } from '../metrics/evalKeys';
import { defineRunKind, taskNames } from './define';
import { RLVR_PRESETS } from './rlvrPresets';

export const grpoKind = defineRunKind({
  kind: 'grpo',
  schema: grpoConfigSchema,
  title: 'GRPO (RL with verifiable rewards)',
  description: 'Reinforce a model on task verifiers: sample a group of completions per prompt, reward them, and update toward the better ones.',
  engine: { folder: 'rlvr', executor: 'runGrpo' },
  results: { view: 'EvalResultsView', title: 'Results', primary: false },
  isResultKey: isBreakdownKey,
  isSingleResultKey: isBreakdownKey,
  taskOrder: (c) => taskNames(c.tasks),
  presets: [
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
    ...RLVR_PRESETS,
  ],
});
