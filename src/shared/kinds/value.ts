import { valueConfigSchema, VALUE_DEFAULT_TASKS } from '../config/value';
import { BUILTIN_MODEL_REF } from '../config/builtinModel';
import { isValueResultKey } from '../metrics/valueKeys';
import { isBreakdownKey } from '../metrics/evalKeys';
import { defineRunKind, taskNames } from './define';

export const valueKind = defineRunKind({
  kind: 'value',
  schema: valueConfigSchema,
  title: 'Value data (For-Value)',
  description: 'Score every training example by one forward pass against a validation set: find the influential ones, flag mislabeled ones, select the best share.',
  engine: { folder: 'valuation', executor: 'runValue' },
  // Every metric is a single step-0 figure, shown in the value results' table and bars.
  results: { view: 'ValueResultsView', title: 'Data values', primary: true },
  isResultKey: isValueResultKey,
  isSingleResultKey: isBreakdownKey,
  taskOrder: (c) => taskNames(c.train?.tasks),
  presets: [
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
  ],
});
