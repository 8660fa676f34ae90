import { valueConfigSchema, VALUE_DEFAULT_TASKS } from '../config/value';
import { BUILTIN_MODEL_REF } from '../config/builtinModel';
import { isValueResultKey } from '../metrics/valueKeys';
import { isBreakdownKey } from '../metrics/evalKeys';
import { perTaskAucs } from '../charts/valueResults';
import { taskAucOption } from '../charts/valueCharts';
import { defineRunKind, taskNames, type KindPreset } from './define';

/**
 * Issue 12 preset (e): For-Value under the paper's condition — the model first finetuned briefly
 * (LoRA) on the noisy train set, then each train example valued against clean held-out ones —
 * with its expected effect (mislabel AUC ≥ 0.9) checked from the run's own metrics (decision
 * 0038). Two tasks with fixed one-token answers (yes/no, 0/1), so a wrong answer is a flipped
 * label; 40% noise as in the paper's mislabel experiments. examples/value-mislabel.yaml is the
 * same config; what it measures on the built-in model: decision 0040.
 */
export const VALUE_MISLABEL_WARMUP_PRESET: KindPreset<'value'> = {
  id: 'value-mislabel-warmup',
  kind: 'value',
  title: 'For-Value mislabel detection after a brief LoRA finetune (paper condition)',
  description:
    'Preset (e): 200 examples of two yes/no-style tasks, 40% given the wrong label; a 100-step LoRA finetune on them, then For-Value against 100 clean held-out ones. Expected: mislabel AUC ≥ 0.9 (checked at the end).',
  config: {
    kind: 'value',
    name: 'preset (e): for-value flags label noise after a brief lora sft',
    seed: 1,
    tags: ['builtin', 'valuation', 'preset'],
    model: BUILTIN_MODEL_REF,
    train: { tasks: [{ task: 'brackets_classify' }, { task: 'majority' }], num_examples: 200 },
    val: { num_examples: 100 },
    mislabel_ratio: 0.4,
    mislabel_seed: 0,
    method: 'total_unique',
    protocols: ['influence', 'mislabel', 'selection'],
    select_ratio: 0.1,
    warmup_sft: {
      enabled: true,
      lora: { enabled: true, r: 8, alpha: 16, target_modules: ['q', 'k', 'v', 'o'] },
      training: { max_steps: 100, batch_size: 16, learning_rate: 0.002, log_every: 10 },
      seq_len: 64,
    },
    expected_effect: {
      statement: 'For-Value flags the injected label noise: low value ⇒ mislabeled with AUC ≥ 0.9, after a brief LoRA SFT on the noisy set',
      checks: [{ metric: 'value/auc_mislabel', of: 'final', op: '>=', than: 0.9 }],
    },
  },
};

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
  // The run page's per-task AUC bars, from the same builder (the value histogram needs the samples).
  plots: (series, c) => {
    const tasks = perTaskAucs(series, taskNames(c?.train?.tasks));
    return tasks.length ? [{ name: 'task-auc', title: 'AUC per task', option: taskAucOption(tasks) }] : [];
  },
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
    VALUE_MISLABEL_WARMUP_PRESET,
  ],
});
