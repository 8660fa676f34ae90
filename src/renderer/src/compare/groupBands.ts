/**
 * Runs grouped by one config field (e.g. seed, or beta with several seeds each) and each group's
 * metric as mean ± std over its runs, step by step: what a researcher reads to tell an effect
 * from seed noise. The std is the sample std (n − 1); a step that only one run of the group
 * logged has std 0.
 */
import type { MetricSeries } from '@shared/records';
import { flattenConfig, formatConfigValue } from './configDiff';

export interface RunGroup {
  /** The field's value as written in the config diff ('0.01', '—' when a run lacks it). */
  value: string;
  runIds: string[];
}

export interface Band {
  steps: number[];
  mean: number[];
  std: number[];
  /** Runs that had a finite value at the step. */
  n: number[];
}

/** Runs split by the value of config field `path` (dotted, as in the config diff), in order of
 * first appearance. */
export function groupRunsBy(runs: readonly { id: string; config: unknown }[], path: string): RunGroup[] {
  const groups = new Map<string, string[]>();
  for (const r of runs) {
    const flat = flattenConfig(r.config);
    const v = flat.has(path) ? formatConfigValue(flat.get(path)) : '—';
    if (!groups.has(v)) groups.set(v, []);
    groups.get(v)!.push(r.id);
  }
  return [...groups.entries()].map(([value, runIds]) => ({ value, runIds }));
}

/** Mean and sample std over the runs at every step any of them logged a finite value. */
export function meanStdBand(series: readonly MetricSeries[]): Band {
  const at = new Map<number, number[]>();
  for (const s of series) {
    const n = Math.min(s.steps.length, s.values.length);
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      let list = at.get(s.steps[i]);
      if (!list) at.set(s.steps[i], (list = []));
      list.push(v);
    }
  }
  const steps = [...at.keys()].sort((a, b) => a - b);
  const band: Band = { steps, mean: [], std: [], n: [] };
  for (const step of steps) {
    const xs = at.get(step)!;
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
    band.mean.push(mean);
    band.std.push(xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0);
    band.n.push(xs.length);
  }
  return band;
}
