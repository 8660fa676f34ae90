/**
 * The last value of each metric per run, and which one is best. Which way is better is guessed
 * from the metric's name: losses, NLL and perplexity go down; accuracy, reward and pass@k go up;
 * anything else (grad norms, learning rates, spreads) gets no "best".
 */
import type { MetricSeries } from '@shared/records';

export type Direction = 'lower' | 'higher';

const LOWER = new Set(['loss', 'nll', 'perplexity', 'ppl']);
const HIGHER = new Set(['accuracy', 'acc', 'reward', 'rewards']);
/** A spread of a good quantity is not itself better high or low. */
const NEUTRAL = new Set(['std', 'stddev', 'var', 'variance']);

/**
 * Direction from the name's words (split at '/', '_', '.', '-'), the last telling word winning:
 * 'eval/loss' → lower, 'eval/arithmetic/accuracy' → higher, 'reward_std' → null.
 */
export function metricDirection(key: string): Direction | null {
  const words = key.toLowerCase().split(/[/_.\-\s]+/).filter(Boolean);
  if (words.some((w) => NEUTRAL.has(w))) return null;
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i];
    if (LOWER.has(w)) return 'lower';
    if (HIGHER.has(w) || /^pass@\d+$/.test(w)) return 'higher';
  }
  return null;
}

export interface FinalValue {
  value: number;
  step: number;
}

/** The last finite point of a series, or null. */
export function lastFinite(s: MetricSeries | undefined): FinalValue | null {
  if (!s) return null;
  for (let i = Math.min(s.steps.length, s.values.length) - 1; i >= 0; i--) {
    if (Number.isFinite(s.values[i])) return { value: s.values[i], step: s.steps[i] };
  }
  return null;
}

export interface FinalValueRow {
  key: string;
  direction: Direction | null;
  /** One cell per run, null where the run has no value. */
  cells: (FinalValue | null)[];
  /** Indices of the best cells (all tied ones); empty without a direction or with fewer than
   * two values to compare. */
  best: number[];
}

/** Indices of the best values in the given direction (ties all count), over finite values only. */
export function bestIndices(values: readonly (number | null | undefined)[], direction: Direction | null): number[] {
  if (!direction) return [];
  const finite = values.map((v, i) => [v, i] as const).filter((x): x is readonly [number, number] => typeof x[0] === 'number' && Number.isFinite(x[0]));
  if (finite.length < 2) return [];
  const target = direction === 'lower' ? Math.min(...finite.map((x) => x[0])) : Math.max(...finite.map((x) => x[0]));
  return finite.filter((x) => x[0] === target).map((x) => x[1]);
}

/** One row per key: each run's last value and the best of them. `perRun[i]` is run i's series map. */
export function finalValueRows(keys: readonly string[], perRun: readonly Record<string, MetricSeries>[]): FinalValueRow[] {
  return keys.map((key) => {
    const cells = perRun.map((m) => lastFinite(m[key]));
    const direction = metricDirection(key);
    return { key, direction, cells, best: bestIndices(cells.map((c) => c?.value), direction) };
  });
}
