/**
 * The `value` executor: For-Value data valuation (ALGORITHMS.md §6; metrics and artifacts as
 * docs/dev/VALUE-CONTRACT.md).
 *
 *   warm-up    optional (warmup_sft): a brief finetune on the train examples as valued (warmup.ts)
 *   features   train examples (train split, a seeded share given wrong answers) and validation
 *              examples (test split), one forward per batch → Φ, Σh, Σδ per example
 *   score      value of every train example against the validation mean of Φ; the train ×
 *              validation matrix when the influence protocol or save_pairwise asks for it
 *   protocols  §6.3 (a) influence, (b) mislabel detection, (c) selection → `value/*` metrics
 *
 * One sample row per train example (reward = its value) and values.jsonl / value-results.json.
 * The run is cancelled between forward batches and between phases.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext, RunExecutor } from '../../shared/runContext';
import type { ValueConfig } from '../../shared/config/value';
import { encodeExample } from '../data/batches';
import { loadModelFolder } from '../model/folder';
import { resolveModelFolder } from '../toolkit/modelRef';
import { checkTaskNames } from '../toolkit/taskCheck';
import { sessionSettingsOf } from '../toolkit/trainLoop';
import { cleanItems, drawExamples, mislabel, type ValuationItem } from './data';
import { collectVocabulary, ValuationForward, type SampleFeatures } from './features';
import { cleanPerValProtocol, influenceProtocol, mislabelByClass, mislabelProtocol, rankDescending, selectionProtocol, type InfluenceResult, type MeanStd, type MislabelResult, type SelectionResult } from './protocols';
import { pairwiseValues, valuesAgainstValidation } from './score';
import { checkBudget } from './budget';
import { warmupSft } from './warmup';
import { VALUE_KEYS, valueTaskKey } from '../../shared/metrics/valueKeys';

/** value-results.json (kind 'value-results'). */
export interface ValueResults {
  model: string;
  folder: string;
  method: ValueConfig['method'];
  approximate: boolean;
  prediction_topk: number;
  lowest_likelihood_ratio: number;
  /** |U| (full, total_unique) or the mean |U| of the train examples (topk_unique). */
  vocabulary_rows: number;
  train: { count: number; mislabeled: number; tasks: Record<string, number> };
  val: { count: number; tasks: Record<string, number> };
  metrics: Record<string, number>;
  influence: Omit<InfluenceResult, 'perVal'> | null;
  mislabel: (MislabelResult & { clean_per_val: MeanStd | null; byClass: Record<string, number> }) | null;
  selection: (Omit<SelectionResult, 'selected'> & { ratio: number; selected: string[] }) | null;
}

/** One line of values.jsonl. */
export interface ValueRow {
  index: number;
  id: string;
  task: string;
  prompt: string;
  completion: string;
  value: number;
  /** 1 = the highest value. */
  rank: number;
  mislabeled: boolean;
  corruption: ValuationItem['corruption'];
  original_completion: string | null;
  selected: boolean;
  /** Scored (kept) positions of the example and its mean log p(y_t) over all scored positions. */
  positions: number;
  mean_logprob: number;
}

const countBy = (items: readonly ValuationItem[]) => items.reduce<Record<string, number>>((m, it) => ((m[it.task] = (m[it.task] ?? 0) + 1), m), {});
const seconds = (t0: number) => (performance.now() - t0) / 1000;

export const runValue: RunExecutor = async (ctx) => {
  const cfg = ctx.config;
  if (cfg.kind !== 'value') throw new Error(`the value executor got a '${cfg.kind}' config`);
  const valTasks = cfg.val.tasks.length ? cfg.val.tasks : cfg.train.tasks;
  const valField = cfg.val.tasks.length ? 'val.tasks' : 'train.tasks';
  checkTaskNames(cfg.train.tasks, 'train.tasks', ctx.dataDir);
  checkTaskNames(valTasks, valField, ctx.dataDir);
  const protocols = new Set(cfg.protocols);
  if (protocols.has('influence')) {
    valTasks.forEach((t, i) => {
      if (!cfg.train.tasks.some((u) => u.task === t.task)) throw new Error(`${valField}[${i}]: task '${t.task}' is no train task; the influence protocol ranks train examples of the validation example's task first`);
    });
  }

  const dir = resolveModelFolder(cfg.model, ctx.dataDir);
  const folder = await loadModelFolder(dir);
  folder.tokenizer = folder.tokenizer.withPromptFormat(cfg.prompt_format, cfg.sequence_end);
  const { config, tokenizer } = folder;
  const train = mislabel(cleanItems(drawExamples(cfg.train.tasks, cfg.train.num_examples, 'train', cfg.seed, 'train.tasks')), cfg.mislabel_ratio, cfg.mislabel_seed);
  const val = cleanItems(drawExamples(valTasks, cfg.val.num_examples, 'test', cfg.seed, valField));
  const encode = (it: ValuationItem) => encodeExample(tokenizer, it.prompt, it.completion, { completionOnly: true });
  const trainSeqs = train.map(encode);
  const valSeqs = val.map(encode);
  const vocabulary = cfg.method === 'total_unique' ? collectVocabulary([...trainSeqs, ...valSeqs]) : null;
  checkBudget(cfg, config, train.length, val.length, vocabulary?.length ?? null);
  const mislabeledCount = train.filter((t) => t.mislabeled).length;
  ctx.log(
    'info',
    `valuing ${train.length} train examples (${Object.entries(countBy(train)).map(([k, v]) => `${k} ${v}`).join(', ')}; ${mislabeledCount} given a wrong answer) ` +
      `against ${val.length} validation examples with ${dir}: method ${cfg.method}${cfg.method === 'topk_unique' ? ` (k = ${cfg.prediction_topk})` : ''}` +
      `${vocabulary ? ` (|U| = ${vocabulary.length})` : ''}${cfg.approximate ? ', factorised score' : ''}${cfg.lowest_likelihood_ratio < 1 ? `, lowest_likelihood_ratio ${cfg.lowest_likelihood_ratio}` : ''}`,
  );

  let weights = folder.weights;
  if (cfg.warmup_sft.enabled) {
    const tuned = await warmupSft({ ctx, cfg, config, weights, tokenizer, train });
    if (!tuned) return;
    weights = tuned;
  }

  // features
  const t0 = performance.now();
  const total = train.length + val.length;
  ctx.progress(0, total, 'features');
  const forward = await ValuationForward.open(config, weights, tokenizer.padId ?? config.pad_token_id ?? tokenizer.eosId ?? 0, sessionSettingsOf(ctx));
  let trainF: SampleFeatures[] | null;
  let valF: SampleFeatures[] | null = null;
  try {
    ctx.device(forward.device.notice ?? forward.device.provider);
    const common = { method: cfg.method, vocabulary, topk: cfg.prediction_topk, phi: !cfg.approximate };
    const run = { batchSize: cfg.batch_size, signal: ctx.signal };
    trainF = await forward.features(trainSeqs, { ...common, lowestLikelihoodRatio: cfg.lowest_likelihood_ratio }, { ...run, onBatch: (done) => ctx.progress(done, total, 'features') });
    // The validation side always keeps every position (§6.2).
    if (trainF) valF = await forward.features(valSeqs, { ...common, lowestLikelihoodRatio: 1 }, { ...run, onBatch: (done) => ctx.progress(train.length + done, total, 'features') });
  } finally {
    await forward.release();
  }
  if (!trainF || !valF || ctx.signal.aborted) return;
  const featureSeconds = seconds(t0);

  // score
  const t1 = performance.now();
  const wantPairwise = protocols.has('influence') || cfg.save_pairwise;
  const rowsTotal = train.length + (wantPairwise ? val.length : 0);
  ctx.progress(0, rowsTotal, 'score');
  const values = valuesAgainstValidation(trainF, valF, cfg.approximate, (done) => done % 64 === 0 && ctx.progress(done, rowsTotal, 'score'));
  if (ctx.signal.aborted) return;
  const pairwise = wantPairwise ? pairwiseValues(trainF, valF, cfg.approximate, (done) => ctx.progress(train.length + done, rowsTotal, 'score')) : null;
  ctx.progress(rowsTotal, rowsTotal, 'score');
  const scoreSeconds = seconds(t1);
  if (ctx.signal.aborted) return;

  // protocols
  const t2 = performance.now();
  ctx.progress(0, 1, 'protocols');
  const trainClass = train.map((t) => t.task);
  const valClass = val.map((t) => t.task);
  const flags = train.map((t) => t.mislabeled);
  const influence = pairwise && protocols.has('influence') ? influenceProtocol(pairwise, trainClass, valClass) : null;
  const mis = protocols.has('mislabel')
    ? { ...mislabelProtocol(values, flags), clean_per_val: pairwise ? cleanPerValProtocol(pairwise, trainClass, valClass, flags) : null, byClass: mislabelByClass(values, flags, trainClass) }
    : null;
  const sel = protocols.has('selection') ? selectionProtocol(values, flags, cfg.select_ratio) : null;
  const protocolSeconds = seconds(t2);

  const vocabularyRows = trainF.reduce((a, f) => a + f.rows.length, 0) / trainF.length;
  const m: Record<string, number> = {
    [VALUE_KEYS.trainExamples]: train.length,
    [VALUE_KEYS.valExamples]: val.length,
    [VALUE_KEYS.mislabeled]: mislabeledCount,
    [VALUE_KEYS.vocabularyRows]: vocabularyRows,
    [VALUE_KEYS.mean]: mean(values, () => true),
    [VALUE_KEYS.featuresSeconds]: featureSeconds,
    [VALUE_KEYS.scoreSeconds]: scoreSeconds,
    [VALUE_KEYS.protocolsSeconds]: protocolSeconds,
  };
  if (mislabeledCount > 0) {
    m[VALUE_KEYS.meanClean] = mean(values, (i) => !flags[i]);
    m[VALUE_KEYS.meanMislabeled] = mean(values, (i) => flags[i]!);
  }
  if (influence && influence.auc.count > 0) {
    Object.assign(m, { [VALUE_KEYS.aucInfluence]: influence.auc.mean, [VALUE_KEYS.aucInfluenceStd]: influence.auc.std, [VALUE_KEYS.recallInfluence]: influence.recall.mean, [VALUE_KEYS.recallInfluenceStd]: influence.recall.std });
    for (const [task, r] of Object.entries(influence.byClass)) Object.assign(m, { [valueTaskKey(task, 'auc_influence')]: r.auc, [valueTaskKey(task, 'recall_influence')]: r.recall });
  }
  for (const [task, auc] of Object.entries(mis?.byClass ?? {})) m[valueTaskKey(task, 'auc_mislabel')] = auc;
  if (mis?.auc != null) m[VALUE_KEYS.aucMislabel] = mis.auc;
  if (mis?.recall != null) m[VALUE_KEYS.recallMislabel] = mis.recall;
  if (mis?.clean_per_val && mis.clean_per_val.count > 0) m[VALUE_KEYS.aucCleanPerVal] = mis.clean_per_val.mean;
  if (sel) {
    m[VALUE_KEYS.selected] = sel.selected.length;
    if (mislabeledCount > 0) Object.assign(m, { [VALUE_KEYS.selectedCleanRatio]: sel.cleanRatio, [VALUE_KEYS.cleanRatio]: sel.baseline });
  }
  ctx.metrics(0, m);
  ctx.log('info', summary(m, featureSeconds, scoreSeconds));

  // samples and artifacts
  const rank = new Int32Array(values.length);
  rankDescending(values).forEach((i, r) => (rank[i] = r + 1));
  const selected = new Set(sel?.selected ?? []);
  const rows: ValueRow[] = train.map((it, i) => ({
    index: i,
    id: it.example.id,
    task: it.task,
    prompt: it.prompt,
    completion: it.completion,
    value: values[i]!,
    rank: rank[i]!,
    mislabeled: it.mislabeled,
    corruption: it.corruption,
    original_completion: it.originalCompletion,
    selected: selected.has(i),
    positions: trainF![i]!.positions,
    mean_logprob: trainF![i]!.meanLogProb,
  }));
  for (const r of rows) {
    const { index, prompt, completion, value, ...extra } = r;
    ctx.sample({ step: 0, prompt, completion, reward: value, extra: { index, value, ...extra } });
  }
  await writeArtifact(ctx, 'values.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'values');
  const results: ValueResults = {
    model: cfg.model,
    folder: dir,
    method: cfg.method,
    approximate: cfg.approximate,
    prediction_topk: cfg.prediction_topk,
    lowest_likelihood_ratio: cfg.lowest_likelihood_ratio,
    vocabulary_rows: vocabularyRows,
    train: { count: train.length, mislabeled: mislabeledCount, tasks: countBy(train) },
    val: { count: val.length, tasks: countBy(val) },
    metrics: m,
    influence: influence ? { auc: influence.auc, recall: influence.recall, byClass: influence.byClass } : null,
    mislabel: mis,
    selection: sel ? { ratio: cfg.select_ratio, cleanRatio: sel.cleanRatio, baseline: sel.baseline, selected: sel.selected.map((i) => train[i]!.example.id) } : null,
  };
  await writeArtifact(ctx, 'value-results.json', JSON.stringify(results, null, 2) + '\n', 'value-results');
  if (pairwise && cfg.save_pairwise) {
    const body = { train_ids: train.map((t) => t.example.id), val_ids: val.map((t) => t.example.id), values: pairwise.map((r) => Array.from(r)) };
    await writeArtifact(ctx, 'pairwise.json', JSON.stringify(body) + '\n', 'value-pairwise');
  }
  ctx.progress(1, 1, 'protocols');
};

function mean(values: Float64Array, keep: (i: number) => boolean): number {
  let s = 0;
  let n = 0;
  values.forEach((v, i) => {
    if (keep(i)) {
      s += v;
      n++;
    }
  });
  return n ? s / n : Number.NaN;
}

async function writeArtifact(ctx: RunContext, name: string, text: string, kind: string): Promise<void> {
  const file = join(ctx.runDir, name);
  await writeFile(file, text);
  ctx.artifact(file, kind);
}

function summary(m: Record<string, number>, featureSeconds: number, scoreSeconds: number): string {
  const parts: string[] = [];
  const f = (k: string) => m[k]!.toFixed(3);
  if ('value/auc_influence' in m) parts.push(`influence AUC ${f('value/auc_influence')} ± ${f('value/auc_influence_std')}, recall ${f('value/recall_influence')}`);
  if ('value/auc_mislabel' in m) parts.push(`mislabel AUC ${f('value/auc_mislabel')}, recall ${f('value/recall_mislabel')}`);
  if ('value/selected_clean_ratio' in m) parts.push(`selected clean ${f('value/selected_clean_ratio')} (all: ${f('value/clean_ratio')})`);
  parts.push(`features ${featureSeconds.toFixed(2)} s, scoring ${scoreSeconds.toFixed(2)} s`);
  return parts.join('; ');
}
