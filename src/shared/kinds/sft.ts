import { sftConfigSchema } from '../config/sft';
import { BUILTIN_MODEL_REF } from '../config/builtinModel';
import { isBreakdownKey } from '../metrics/evalKeys';
import { defineRunKind, taskNames } from './define';

export const sftKind = defineRunKind({
  kind: 'sft',
  schema: sftConfigSchema,
  title: 'Supervised finetune',
  description: 'Finetune a model folder on a dataset (completion-only loss), with LoRA or full weights.',
  engine: { folder: 'sft', executor: 'runSft' },
  results: { view: 'EvalResultsView', title: 'Results', primary: false },
  isResultKey: isBreakdownKey,
  isSingleResultKey: isBreakdownKey,
  taskOrder: (c) => taskNames(c.data?.tasks),
  presets: [
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
  ],
});
