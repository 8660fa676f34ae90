import { pretrainConfigSchema } from '../config/pretrain';
import { BUILTIN_RECIPE } from '../config/builtinModel';
import { isBreakdownKey } from '../metrics/evalKeys';
import { defineRunKind, taskNames } from './define';

export const pretrainKind = defineRunKind({
  kind: 'pretrain',
  schema: pretrainConfigSchema,
  title: 'Pretrain',
  description: 'Train a small decoder from random initialisation on a mixture of synthetic tasks.',
  engine: { folder: 'pretrain', executor: 'runPretrain' },
  results: { view: 'EvalResultsView', title: 'Results', primary: false },
  isResultKey: isBreakdownKey,
  isSingleResultKey: isBreakdownKey,
  taskOrder: (c) => taskNames(c.data?.tasks),
  presets: [
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
  ],
});
