/**
 * Evaluation results from metric series, for bar charts: the final `eval/<task>/accuracy` of
 * each task and the per-knob breakdowns `breakdown/<task>/<knob>=<value>` the eval executor
 * writes (src/engine/eval/run.ts breakdownMetrics; keys in src/shared/metrics/evalKeys.ts). Pure functions of the series.
 */
import type { MetricSeries } from '@shared/records';
import { naturalCompare } from '@shared/naturalOrder';
import { isBreakdownKey, parseBreakdownKey } from '@shared/metrics/evalKeys';

export { isBreakdownKey, isEvalResultKey, parseBreakdownKey } from '@shared/metrics/evalKeys';

export interface TaskAccuracy {
  task: string;
  accuracy: number;
  /** Step of the value shown (0 for an eval run; the training step for periodic evals). */
  step: number;
}

export interface KnobBreakdown {
  task: string;
  knob: string;
  /** One bar per knob value, in natural order (numbers ascending). */
  values: { value: string; accuracy: number }[];
}

const ACCURACY_KEY = /^eval\/([^/]+)\/accuracy$/;

function last(s: MetricSeries | undefined): { value: number; step: number } | null {
  if (!s) return null;
  for (let i = s.values.length - 1; i >= 0; i--) if (Number.isFinite(s.values[i])) return { value: s.values[i], step: s.steps[i] };
  return null;
}

/** Tasks in `order` first (the run config's order), the rest alphabetically. */
function byOrder(order: readonly string[]): (a: string, b: string) => number {
  const rank = (t: string) => {
    const i = order.indexOf(t);
    return i < 0 ? order.length : i;
  };
  return (a, b) => rank(a) - rank(b) || a.localeCompare(b);
}

/** Knob values in natural order: numbers ascending, then text (false before true). */
export const compareKnobValues = naturalCompare;

/** The latest accuracy of every task that has one. */
export function finalTaskAccuracies(series: Record<string, MetricSeries>, order: readonly string[] = []): TaskAccuracy[] {
  const out: TaskAccuracy[] = [];
  for (const [key, s] of Object.entries(series)) {
    const m = ACCURACY_KEY.exec(key);
    const v = m && last(s);
    if (m && v) out.push({ task: m[1], accuracy: v.value, step: v.step });
  }
  const cmp = byOrder(order);
  return out.sort((a, b) => cmp(a.task, b.task));
}

/** One breakdown per (task, knob), tasks in `order`, knobs alphabetically. */
export function knobBreakdowns(series: Record<string, MetricSeries>, order: readonly string[] = []): KnobBreakdown[] {
  const groups = new Map<string, KnobBreakdown>();
  for (const [key, s] of Object.entries(series)) {
    const p = parseBreakdownKey(key);
    const v = p && last(s);
    if (!p || !v) continue;
    const id = `${p.task}\u0000${p.knob}`;
    if (!groups.has(id)) groups.set(id, { task: p.task, knob: p.knob, values: [] });
    groups.get(id)!.values.push({ value: p.value, accuracy: v.value });
  }
  const cmp = byOrder(order);
  const out = [...groups.values()].sort((a, b) => cmp(a.task, b.task) || a.knob.localeCompare(b.knob));
  for (const g of out) g.values.sort((a, b) => compareKnobValues(a.value, b.value));
  return out;
}

/** 0.75 → "75%", 0.3333 → "33.3%". */
export function formatPercent(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const p = v * 100;
  return `${Number.isInteger(Math.round(p * 10) / 10) ? Math.round(p) : (Math.round(p * 10) / 10).toFixed(1)}%`;
}
