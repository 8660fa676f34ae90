import { evalConfigSchema } from '../config/evalRun';
import { BUILTIN_EVAL_TASKS, BUILTIN_MODEL_REF } from '../config/builtinModel';
import { isEvalResultKey } from '../metrics/evalKeys';
import { defineRunKind, taskNames } from './define';

export const evalKind = defineRunKind({
  kind: 'eval',
  schema: evalConfigSchema,
  title: 'Evaluate',
  description: 'Measure a model on verifiable tasks: exact match, pass@k, choice log-likelihood.',
  engine: { folder: 'eval', executor: 'runEval' },
  // Every eval/ and breakdown/ value of an eval run is a single point: bars, not lines.
  results: { view: 'EvalResultsView', title: 'Results', primary: true },
  isResultKey: isEvalResultKey,
  isSingleResultKey: isEvalResultKey,
  taskOrder: (c) => taskNames(c.tasks),
  presets: [
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
  ],
});
