/**
 * Metric keys of a `value` run (For-Value, ALGORITHMS.md §6, docs/dev/VALUE-CONTRACT.md),
 * written by src/engine/valuation and read by the renderer's value results and the bundles.
 * Every one is a single figure at step 0.
 */
export const VALUE_KEYS = {
  mean: 'value/mean',
  meanClean: 'value/mean_clean',
  meanMislabeled: 'value/mean_mislabeled',
  aucInfluence: 'value/auc_influence',
  aucInfluenceStd: 'value/auc_influence_std',
  recallInfluence: 'value/recall_influence',
  recallInfluenceStd: 'value/recall_influence_std',
  aucCleanPerVal: 'value/auc_clean_per_val',
  aucCleanPerValAnswer: 'value/auc_clean_per_val_answer',
  aucMislabel: 'value/auc_mislabel',
  recallMislabel: 'value/recall_mislabel',
  selected: 'value/selected',
  cleanRatio: 'value/clean_ratio',
  selectedCleanRatio: 'value/selected_clean_ratio',
  vocabularyRows: 'value/vocabulary_rows',
  trainExamples: 'data/train_examples',
  valExamples: 'data/val_examples',
  mislabeled: 'data/mislabeled',
  featuresSeconds: 'time/features_seconds',
  scoreSeconds: 'time/score_seconds',
  protocolsSeconds: 'time/protocols_seconds',
} as const;

/** `value/<task>/<metric>`: a protocol figure of one task. */
export function valueTaskKey(task: string, metric: 'auc_influence' | 'recall_influence' | 'auc_mislabel'): string {
  return `value/${task}/${metric}`;
}

/**
 * Keys a value run shows in its own table and bars, so the run page gives them no generic
 * line chart: every one of them is a single point at step 0.
 */
export function isValueResultKey(key: string): boolean {
  return key.startsWith('value/') || key.startsWith('data/') || key.startsWith('time/');
}
