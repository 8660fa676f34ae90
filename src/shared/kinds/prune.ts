import { pruneConfigSchema } from '../config/prune';
import { BUILTIN_EVAL_TASKS, BUILTIN_MODEL_REF } from '../config/builtinModel';
import { isBreakdownKey } from '../metrics/evalKeys';
import { isPruneResultKey } from '../metrics/pruneKeys';
import { defineRunKind, taskNames } from './define';

export const pruneKind = defineRunKind({
  kind: 'prune',
  schema: pruneConfigSchema,
  title: 'Prune layers',
  description: 'Remove decoder layers chosen by an importance metric or a task search, then measure what survives.',
  engine: { folder: 'pruning', executor: 'runPrune' },
  // Scores, similarities and the sweep are drawn by the prune results, not as lines.
  results: { view: 'PruneResultsView', title: 'Results', primary: true },
  isResultKey: (k) => isBreakdownKey(k) || isPruneResultKey(k),
  isSingleResultKey: isBreakdownKey,
  taskOrder: (c) => taskNames(c.eval?.tasks),
  presets: [
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
  ],
});
