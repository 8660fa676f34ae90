/**
 * The results of a `prune` run read from its metric series (docs/dev/PRUNE-CONTRACT.md,
 * ALGORITHMS.md §7.4): per-layer importance scores, the removed layers and their order, the
 * hidden-state similarity matrix and the accuracy/NLL/parameter sweep over the number of layers
 * removed. Pure functions of the series; the chart options are built in charts/pruneCharts.ts.
 */
import type { MetricSeries } from '@shared/records';
import { NLL_KEY, ORDER_KEY, PARAMETERS_KEY, REMOVED_KEY } from '@shared/metrics/pruneKeys';

export { isPruneResultKey, NLL_KEY, ORDER_KEY, PARAMETERS_KEY, REMOVED_KEY } from '@shared/metrics/pruneKeys';

const SCORE = /^score\/(.+)$/;
const SIMILARITY = /^similarity\/(\d+)$/;
const SWEEP_EVAL = /^eval\/(.+)\/(accuracy|normalized)$/;

/** Metrics whose step is the first layer of a block of `num_layers` (§7.2 items 3 and 4). */
const BLOCK_METRICS = new Set(['angular_distance', 'streamline']);
/** Score metrics in the order §7.2 lists them; others follow alphabetically. */
const METRIC_ORDER = ['block_influence', 'angular_distance', 'streamline', 'ppl', 'iterative_task'];

export const METRIC_TITLES: Record<string, string> = {
  block_influence: 'Block influence (ShortGPT)',
  angular_distance: 'Angular distance (Gromov et al.)',
  streamline: 'Block cosine (LLM-Streamline)',
  ppl: 'Perplexity when removed alone',
  iterative_task: 'Task accuracy when removed alone',
};

/** Which end of each score the methods remove (src/engine/pruning/choose.ts, §7.1–7.2). */
export const METRIC_HINTS: Record<string, string> = {
  block_influence: 'low = removable',
  angular_distance: 'low = removable',
  streamline: 'high = removable',
  ppl: 'low = removable',
  iterative_task: 'high = removable (mean normalized accuracy)',
};

export const METHOD_TITLES: Record<string, string> = {
  reverse_order: 'reverse order (last layers first)',
  block_influence: 'block influence (ShortGPT)',
  angular_distance: 'angular distance (Gromov et al.)',
  streamline: 'LLM-Streamline',
  sleb: 'SLEB (iterative calibration NLL)',
  ppl: 'perplexity, one shot',
  iterative_task: 'iterative task-based search',
};

/** (step, value) pairs with a finite value, ascending by step, one per step (the last wins). */
export function pointsByStep(s: MetricSeries | undefined): [number, number][] {
  if (!s) return [];
  const m = new Map<number, number>();
  const n = Math.min(s.steps.length, s.values.length);
  for (let i = 0; i < n; i++) if (Number.isFinite(s.steps[i]) && Number.isFinite(s.values[i])) m.set(s.steps[i], s.values[i]);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

export interface LayerScores {
  metric: string;
  /** True for metrics scored per block of `num_layers` starting at the step's layer. */
  block: boolean;
  layers: number[];
  scores: number[];
}

export function layerScores(series: Record<string, MetricSeries>): LayerScores[] {
  const out: LayerScores[] = [];
  for (const [key, s] of Object.entries(series)) {
    const m = SCORE.exec(key);
    if (!m) continue;
    const pts = pointsByStep(s);
    if (!pts.length) continue;
    out.push({ metric: m[1], block: BLOCK_METRICS.has(m[1]), layers: pts.map((p) => p[0]), scores: pts.map((p) => p[1]) });
  }
  const rank = (x: string) => {
    const i = METRIC_ORDER.indexOf(x);
    return i < 0 ? METRIC_ORDER.length : i;
  };
  return out.sort((a, b) => rank(a.metric) - rank(b.metric) || a.metric.localeCompare(b.metric));
}

/** Removed layer indices, ascending (`prune/removed` has a point of value 1 per removed layer). */
export function removedLayers(series: Record<string, MetricSeries>): number[] {
  return pointsByStep(series[REMOVED_KEY]).filter(([, v]) => v !== 0).map(([l]) => l);
}

/** Removed layer indices in removal order (`prune/order`: step k → index of the k-th removed layer). */
export function removalOrder(series: Record<string, MetricSeries>): number[] {
  return pointsByStep(series[ORDER_KEY]).map(([, v]) => Math.round(v));
}

/**
 * Whether the bar at `layer` marks what was removed: the layer itself for per-layer metrics,
 * the whole block [layer, layer + blockSize) for block metrics.
 */
export function isRemovedBar(layer: number, removed: ReadonlySet<number>, block: boolean, blockSize: number): boolean {
  if (!block || blockSize <= 1) return removed.has(layer);
  for (let l = layer; l < layer + blockSize; l++) if (!removed.has(l)) return false;
  return true;
}

/** "removed layer 3", "removed layers 3, 2 (in that order)", "removed layers 2, 3". */
export function removalText(removed: readonly number[], order: readonly number[]): string {
  // The order is complete once it names every removed layer; until then the set is stated.
  const ordered = order.length > 0 && order.length >= removed.length;
  const list = ordered ? order : removed;
  if (!list.length) return '';
  if (list.length === 1) return `removed layer ${list[0]}`;
  return `removed layers ${list.join(', ')}${ordered ? ' (in that order)' : ''}`;
}

export interface SimilarityMatrix {
  /** Hidden-state indices on both axes, ascending (0 = embedding output). */
  indices: number[];
  /** Row a, column b, mean cos(h_a, h_b). */
  cells: { a: number; b: number; value: number }[];
  min: number;
  max: number;
}

export function similarityMatrix(series: Record<string, MetricSeries>): SimilarityMatrix | null {
  const cells: SimilarityMatrix['cells'] = [];
  const idx = new Set<number>();
  for (const [key, s] of Object.entries(series)) {
    const m = SIMILARITY.exec(key);
    if (!m) continue;
    const a = Number(m[1]);
    for (const [b, value] of pointsByStep(s)) {
      cells.push({ a, b, value });
      idx.add(a);
      idx.add(b);
    }
  }
  if (!cells.length) return null;
  cells.sort((x, y) => x.a - y.a || x.b - y.b);
  const values = cells.map((c) => c.value);
  return { indices: [...idx].sort((x, y) => x - y), cells, min: Math.min(...values), max: Math.max(...values) };
}

export type TaskFamily = 'classification' | 'generative' | 'other';

/** Dataset kind (stores/datasets: 'choice' | 'generative' | 'mixed') → chart family. */
export function taskFamily(kind: unknown): TaskFamily {
  return kind === 'choice' ? 'classification' : kind === 'generative' ? 'generative' : 'other';
}

export interface TaskSweep {
  task: string;
  family: TaskFamily;
  /** [k, value] ascending in k. */
  accuracy: [number, number][];
  normalized: [number, number][];
}

/** Per task, accuracy and normalized accuracy against k; tasks in `order`, then alphabetically. */
export function accuracySweep(series: Record<string, MetricSeries>, kinds: Readonly<Record<string, unknown>>, order: readonly string[] = []): TaskSweep[] {
  const byTask = new Map<string, TaskSweep>();
  for (const [key, s] of Object.entries(series)) {
    const m = SWEEP_EVAL.exec(key);
    if (!m) continue;
    const task = m[1];
    if (!byTask.has(task)) byTask.set(task, { task, family: taskFamily(kinds[task]), accuracy: [], normalized: [] });
    byTask.get(task)![m[2] as 'accuracy' | 'normalized'] = pointsByStep(s);
  }
  const rank = (t: string) => {
    const i = order.indexOf(t);
    return i < 0 ? order.length : i;
  };
  return [...byTask.values()].sort((a, b) => rank(a.task) - rank(b.task) || a.task.localeCompare(b.task));
}

/**
 * Mean normalized accuracy of a family at each k where every task of the family has a value
 * (so a sweep still in progress does not average over fewer tasks at its newest k).
 */
export function familyMean(tasks: readonly TaskSweep[]): [number, number][] {
  if (!tasks.length) return [];
  const maps = tasks.map((t) => new Map(t.normalized));
  const ks = [...maps[0].keys()].filter((k) => maps.every((m) => m.has(k)));
  return ks.sort((a, b) => a - b).map((k) => [k, maps.reduce((s, m) => s + m.get(k)!, 0) / maps.length]);
}

/** 812544 → "812.5k", 1234567 → "1.23M", 950 → "950". */
export function formatCount(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}B`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(4))}k`;
  return String(Math.round(v));
}
