/**
 * The results of a `value` run (For-Value data valuation, ALGORITHMS.md §6,
 * docs/dev/VALUE-CONTRACT.md) read from its step-0 metrics and its samples (one row per train
 * example, the value in `reward` and the rest in `extra`). Pure functions; the chart options
 * are built in charts/valueCharts.ts.
 */
import type { MetricSeries, SampleRecord } from '../records';
import { VALUE_KEYS } from '../metrics/valueKeys';

const PER_TASK = /^value\/(.+)\/(auc_influence|recall_influence|auc_mislabel)$/;

export { isValueResultKey } from '../metrics/valueKeys';

/** The latest finite value of a series (the value run writes each key once, at step 0). */
export function lastValue(s: MetricSeries | undefined): number | undefined {
  if (!s) return undefined;
  for (let i = Math.min(s.steps.length, s.values.length) - 1; i >= 0; i--) if (Number.isFinite(s.values[i])) return s.values[i];
  return undefined;
}

export type FigureFormat = 'ratio' | 'count' | 'number' | 'seconds';

export interface ProtocolFigure {
  key: string;
  label: string;
  value: number;
  /** Population std over validation samples, when the metric has one. */
  std?: number;
  format: FigureFormat;
  group: 'influence' | 'mislabel' | 'selection' | 'values' | 'data' | 'time';
  hint?: string;
}

/** The figures in the order the table shows them; only those the run recorded are returned. */
const FIGURES: Omit<ProtocolFigure, 'value' | 'std'>[] = [
  { key: VALUE_KEYS.aucInfluence, label: 'influence AUC', format: 'ratio', group: 'influence', hint: 'same-task train samples ranked first, mean over validation samples' },
  { key: VALUE_KEYS.recallInfluence, label: 'influence recall', format: 'ratio', group: 'influence', hint: 'share of same-task samples among the top k' },
  { key: VALUE_KEYS.aucMislabel, label: 'mislabel AUC', format: 'ratio', group: 'mislabel', hint: 'low value ⇒ mislabeled' },
  { key: VALUE_KEYS.recallMislabel, label: 'mislabel recall', format: 'ratio', group: 'mislabel', hint: 'share of mislabeled among the m lowest-valued' },
  { key: VALUE_KEYS.aucCleanPerVal, label: 'clean-per-validation AUC', format: 'ratio', group: 'mislabel', hint: 'same-task clean samples ranked first, mean over validation samples' },
  { key: VALUE_KEYS.aucCleanPerValAnswer, label: 'clean-per-validation AUC (same answer)', format: 'ratio', group: 'mislabel', hint: 'clean train samples with the validation sample’s answer ranked first, mean over validation samples (the released code’s protocol)' },
  { key: VALUE_KEYS.selected, label: 'selected', format: 'count', group: 'selection', hint: 'top share by value' },
  { key: VALUE_KEYS.selectedCleanRatio, label: 'selected clean ratio', format: 'ratio', group: 'selection', hint: 'clean share of the selected' },
  { key: VALUE_KEYS.cleanRatio, label: 'clean ratio (all)', format: 'ratio', group: 'selection', hint: 'clean share of the whole train set (baseline)' },
  { key: VALUE_KEYS.mean, label: 'mean value', format: 'number', group: 'values' },
  { key: VALUE_KEYS.meanClean, label: 'mean value, clean', format: 'number', group: 'values' },
  { key: VALUE_KEYS.meanMislabeled, label: 'mean value, mislabeled', format: 'number', group: 'values' },
  { key: VALUE_KEYS.vocabularyRows, label: 'vocabulary rows |U|', format: 'number', group: 'values' },
  { key: VALUE_KEYS.trainExamples, label: 'train examples', format: 'count', group: 'data' },
  { key: VALUE_KEYS.valExamples, label: 'validation examples', format: 'count', group: 'data' },
  { key: VALUE_KEYS.mislabeled, label: 'mislabeled', format: 'count', group: 'data' },
  { key: VALUE_KEYS.featuresSeconds, label: 'features (forward + Φ)', format: 'seconds', group: 'time' },
  { key: VALUE_KEYS.scoreSeconds, label: 'scoring', format: 'seconds', group: 'time' },
  { key: VALUE_KEYS.protocolsSeconds, label: 'protocols', format: 'seconds', group: 'time' },
];

export function protocolFigures(series: Record<string, MetricSeries>): ProtocolFigure[] {
  const out: ProtocolFigure[] = [];
  for (const f of FIGURES) {
    const value = lastValue(series[f.key]);
    if (value === undefined) continue;
    const std = lastValue(series[`${f.key}_std`]);
    out.push({ ...f, value, ...(std !== undefined ? { std } : {}) });
  }
  return out;
}

export interface TaskAucs {
  task: string;
  aucInfluence?: number;
  recallInfluence?: number;
  aucMislabel?: number;
}

/** Per-task protocol figures (`value/<task>/…`), tasks in `order`, then alphabetically. */
export function perTaskAucs(series: Record<string, MetricSeries>, order: readonly string[] = []): TaskAucs[] {
  const byTask = new Map<string, TaskAucs>();
  for (const [key, s] of Object.entries(series)) {
    const m = PER_TASK.exec(key);
    const v = m ? lastValue(s) : undefined;
    if (!m || v === undefined) continue;
    const t = byTask.get(m[1]) ?? { task: m[1] };
    if (m[2] === 'auc_influence') t.aucInfluence = v;
    else if (m[2] === 'recall_influence') t.recallInfluence = v;
    else t.aucMislabel = v;
    byTask.set(m[1], t);
  }
  const rank = (t: string) => {
    const i = order.indexOf(t);
    return i < 0 ? order.length : i;
  };
  return [...byTask.values()].sort((a, b) => rank(a.task) - rank(b.task) || a.task.localeCompare(b.task));
}

/** One train example as the list shows it. */
export interface ValueRow {
  /** Position in train order (extra.index, else the sample's position). */
  index: number;
  id: string;
  task: string;
  /** 1 = highest value; null when the run did not record it. */
  rank: number | null;
  value: number;
  prompt: string;
  /** The answer as scored (the corrupted one for mislabeled samples). */
  completion: string;
  mislabeled: boolean;
  corruption: string | null;
  originalCompletion: string | null;
  selected: boolean;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Sample rows → value rows; rows without a finite value (extra.value or reward) are skipped. */
export function valueRows(samples: readonly SampleRecord[]): ValueRow[] {
  const out: ValueRow[] = [];
  samples.forEach((s, i) => {
    const x = s.extra ?? {};
    const value = num(x.value) ?? num(s.reward);
    if (value === null) return;
    out.push({
      index: num(x.index) ?? i,
      id: str(x.id) ?? String(num(x.index) ?? i),
      task: str(x.task) ?? '',
      rank: num(x.rank),
      value,
      prompt: s.prompt,
      completion: s.completion,
      mislabeled: x.mislabeled === true,
      corruption: str(x.corruption),
      originalCompletion: str(x.original_completion),
      selected: x.selected === true,
    });
  });
  return out;
}

export type SortKey = 'value' | 'rank' | 'task' | 'index';
export type SortDir = 'asc' | 'desc';

/** A sorted copy; ties fall back to train order so the list is stable. */
export function sortRows(rows: readonly ValueRow[], key: SortKey, dir: SortDir): ValueRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  const cmp = (a: ValueRow, b: ValueRow): number => {
    switch (key) {
      case 'value': return a.value - b.value;
      case 'rank': return (a.rank ?? Infinity) - (b.rank ?? Infinity);
      case 'task': return a.task.localeCompare(b.task);
      default: return a.index - b.index;
    }
  };
  return rows.slice().sort((a, b) => sign * cmp(a, b) || a.index - b.index);
}

export interface ValueHistogram {
  /** Bin edges, length bins + 1; bin i is [edges[i], edges[i+1]), the last one closed. */
  edges: number[];
  clean: number[];
  mislabeled: number[];
}

/** Bins for n values: about √n, between 5 and 40. */
export function binCount(n: number): number {
  return Math.min(40, Math.max(5, Math.ceil(Math.sqrt(n))));
}

/**
 * Clean and mislabeled values counted in the same equal-width bins over [min, max] of all
 * values. A single distinct value gets one bin of width 1 around it.
 */
export function valueHistogram(rows: readonly ValueRow[], bins = binCount(rows.length)): ValueHistogram | null {
  if (!rows.length) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.value);
    hi = Math.max(hi, r.value);
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
    bins = 1;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const clean = new Array<number>(bins).fill(0);
  const mislabeled = new Array<number>(bins).fill(0);
  for (const r of rows) {
    // Floating point can put a value just past an inner edge; the edges array decides.
    let b = Math.min(bins - 1, Math.floor((r.value - lo) / width));
    while (b > 0 && r.value < edges[b]) b--;
    while (b < bins - 1 && r.value >= edges[b + 1]) b++;
    (r.mislabeled ? mislabeled : clean)[b]++;
  }
  return { edges, clean, mislabeled };
}
