/**
 * The metric points of a prune run as docs/dev/PRUNE-CONTRACT.md specifies them, for a 4-layer
 * model (hidden states h0…h4), method block_influence, num_layers 2, protect_first 1. Values are
 * made consistent by hand: BI_l = 1 − cos(h_l, h_{l+1}) (ALGORITHMS.md §7.2.2), so layers 3
 * (BI 0.05) then 2 (BI 0.07) are removed; accuracies give the normalized values written below.
 */
import type { MetricPoint, MetricSeries } from '../../src/shared/records';

export const LAYERS = 4;

/** cos(h_a, h_b), symmetric, 1 on the diagonal; neighbours match the BI scores. */
export const SIMILARITY: number[][] = [
  [1, 0.59, 0.52, 0.47, 0.44],
  [0.59, 1, 0.82, 0.76, 0.71],
  [0.52, 0.82, 1, 0.93, 0.88],
  [0.47, 0.76, 0.93, 1, 0.95],
  [0.44, 0.71, 0.88, 0.95, 1],
];
export const BLOCK_INFLUENCE = [0.41, 0.18, 0.07, 0.05];
/** Block metric, step = first layer of a block of 2 (l = 0, 1, 2): arccos(cos(h_l, h_{l+2}))/π,
 * with the mean cosine standing in for the last-token one; lowest at the removed block [2, 3]. */
export const ANGULAR_DISTANCE = [0, 1, 2].map((l) => Math.acos(SIMILARITY[l][l + 2]) / Math.PI);
export const REMOVED = [2, 3];
export const ORDER = [3, 2];

export const ACCURACY: Record<string, number[]> = {
  arithmetic: [0.8, 0.4, 0.1],
  compare: [0.9, 0.85, 0.8],
  majority: [0.6, 0.6, 0.5],
  brackets: [0, 0, 0],
};
/** accuracy_k / accuracy_0, absent for brackets (accuracy_0 = 0). */
export const NORMALIZED: Record<string, number[]> = {
  arithmetic: [1, 0.5, 0.125],
  compare: [1, 0.85 / 0.9, 0.8 / 0.9],
  majority: [1, 1, 0.5 / 0.6],
};
export const NLL = [1.2, 1.5, 2.3];
export const PARAMETERS = [812544, 619520, 426496];

/** Task kinds as the datasets list reports them (info.kind of builtin:<task>). */
export const TASK_KINDS: Record<string, string> = { arithmetic: 'generative', brackets: 'generative', compare: 'choice', majority: 'choice' };

const p = (key: string, step: number, value: number): MetricPoint => ({ key, step, value, time: 0 });

/** Calibration and scoring: similarities and scores. */
export function scorePoints(): MetricPoint[] {
  const out: MetricPoint[] = [];
  SIMILARITY.forEach((row, a) => row.forEach((v, b) => out.push(p(`similarity/${a}`, b, v))));
  BLOCK_INFLUENCE.forEach((v, l) => out.push(p('score/block_influence', l, v)));
  ANGULAR_DISTANCE.forEach((v, l) => out.push(p('score/angular_distance', l, v)));
  return out;
}

/** The choice: one `prune/removed` point per removed layer, `prune/order` by k. */
export function removalPoints(): MetricPoint[] {
  return [...REMOVED.map((l) => p('prune/removed', l, 1)), ...ORDER.map((l, i) => p('prune/order', i + 1, l))];
}

/** The sweep's points at k layers removed. */
export function sweepPoints(k: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const [task, acc] of Object.entries(ACCURACY)) {
    out.push(p(`eval/${task}/accuracy`, k, acc[k]));
    if (NORMALIZED[task]) out.push(p(`eval/${task}/normalized`, k, NORMALIZED[task][k]));
  }
  out.push(p('calibration/nll', k, NLL[k]), p('model/parameters', k, PARAMETERS[k]));
  return out;
}

export function allPoints(): MetricPoint[] {
  return [...scorePoints(), ...removalPoints(), ...[0, 1, 2].flatMap(sweepPoints)];
}

/** Series per key, built straight from points (ascending steps). */
export function toSeries(points: readonly MetricPoint[]): Record<string, MetricSeries> {
  const out: Record<string, MetricSeries> = {};
  for (const pt of [...points].sort((a, b) => a.step - b.step)) {
    const s = (out[pt.key] ??= { key: pt.key, steps: [], values: [], downsampled: false });
    s.steps.push(pt.step);
    s.values.push(pt.value);
  }
  return out;
}
