/**
 * Which metrics a comparison draws, and how. A metric is compared when at least two runs have
 * it (or every run, with "only metrics shared by all"). It is drawn as lines against the step,
 * except a metric that is a single result in every run that has it — an eval run's
 * `eval/<task>/accuracy`, the `breakdown/…` values, a finished run's one-off value — which is
 * drawn as grouped bars: one bar per run for each task (or knob value). Pure functions.
 */
import type { MetricSeries, RunRecord } from '@shared/records';
import { isTerminal } from '@shared/status';
import { naturalCompare } from '@shared/naturalOrder';
import { groupMetricKeys, type MetricGroup } from '../charts/metricGroups';
import { isRunKind, kindModule } from '@shared/kinds';
import { isBreakdownKey, parseBreakdownKey } from '@shared/metrics/evalKeys';

export interface ComparedRun {
  run: RunRecord;
  series: Record<string, MetricSeries>;
}

export interface BarCategory {
  /** Axis label: the task, `knob=value`, or the key itself. */
  label: string;
  key: string;
}

export interface BarFamily {
  /** 'eval/{task}/<metric>' for an eval metric per task (e.g. 'eval/{task}/accuracy'), 'breakdown/<task>/<knob>', or the key of a lone result. */
  id: string;
  title: string;
  /** Values are fractions in [0, 1], written as percentages. */
  percent: boolean;
  categories: BarCategory[];
}

export interface ComparePlan {
  /** Every compared key, lines and bars, grouped like the run page. */
  keys: string[];
  /** Keys drawn as lines, grouped like the run page (train/*, eval/*, …). */
  lineGroups: MetricGroup[];
  barFamilies: BarFamily[];
}

function hasPoints(s: MetricSeries | undefined): boolean {
  return !!s && s.steps.length > 0;
}

/** Keys with points in at least two runs, or in all of them with `sharedOnly`; sorted. */
export function comparableKeys(perRun: readonly Record<string, MetricSeries>[], sharedOnly: boolean): string[] {
  const need = sharedOnly ? perRun.length : Math.min(2, perRun.length);
  const count = new Map<string, number>();
  for (const m of perRun) for (const [k, s] of Object.entries(m)) if (hasPoints(s)) count.set(k, (count.get(k) ?? 0) + 1);
  return [...count.entries()].filter(([, n]) => n >= need).map(([k]) => k).sort();
}

/**
 * Whether `key` is a single result in this run rather than a curve: what the run's kind declares
 * one (an eval run's eval/ and breakdown/ values, one point each at step 0), any breakdown
 * (written once, at the end), or a finished run's metric that never got a second point. A
 * running run's one point may still grow into a line, so it does not count.
 */
export function isSingleResult(run: RunRecord, key: string, s: MetricSeries | undefined): boolean {
  if (isRunKind(run.kind) && kindModule(run.kind).isSingleResultKey?.(key)) return true;
  if (isBreakdownKey(key)) return true;
  return isTerminal(run.status) && (s?.steps.length ?? 0) <= 1;
}

/** The tasks of a run's config in their listed order, as its kind module reads them. */
export function runTaskOrder(run: RunRecord): string[] {
  return isRunKind(run.kind) ? kindModule(run.kind).taskOrder(run.config ?? {}) : [];
}

const EVAL_KEY = /^eval\/([^/]+)\/(.+)$/;
const PERCENT_METRIC = /^(accuracy|pass@\d+)$/;

interface Placed {
  family: Omit<BarFamily, 'categories'>;
  label: string;
  /** Sort within the family: task order, then natural order of the label. */
  task?: string;
  sortLabel: string;
  familyRank: number;
}

function place(key: string): Placed {
  const b = parseBreakdownKey(key);
  if (b) {
    return {
      family: { id: `breakdown/${b.task}/${b.knob}`, title: `${b.task} · accuracy by ${b.knob}`, percent: true },
      label: `${b.knob}=${b.value}`, sortLabel: b.value, familyRank: 1,
    };
  }
  const e = EVAL_KEY.exec(key);
  if (e) {
    return {
      family: { id: `eval/{task}/${e[2]}`, title: `${e[2]} per task`, percent: PERCENT_METRIC.test(e[2]) },
      label: e[1], task: e[1], sortLabel: e[1], familyRank: 0,
    };
  }
  return { family: { id: key, title: key, percent: false }, label: key, sortLabel: key, familyRank: 2 };
}

/** Group single-result keys into bar charts: eval metrics per task, breakdowns per knob, the rest alone. */
export function barFamilies(keys: readonly string[], taskOrder: readonly string[] = []): BarFamily[] {
  const rankTask = (t: string | undefined) => {
    const i = t === undefined ? -1 : taskOrder.indexOf(t);
    return i < 0 ? taskOrder.length : i;
  };
  const fams = new Map<string, { family: Omit<BarFamily, 'categories'>; rank: number; items: Placed[]; keys: string[] }>();
  for (const key of keys) {
    const p = place(key);
    // Keyed by kind too: a lone key may be spelled like another kind's family id.
    const slot = `${p.familyRank}:${p.family.id}`;
    let f = fams.get(slot);
    if (!f) fams.set(slot, (f = { family: p.family, rank: p.familyRank, items: [], keys: [] }));
    f.items.push(p);
    f.keys.push(key);
  }
  const evalFirst = (id: string) => (id === 'eval/{task}/accuracy' ? 0 : 1);
  return [...fams.values()]
    .sort((a, b) => a.rank - b.rank || evalFirst(a.family.id) - evalFirst(b.family.id) || naturalCompare(a.family.id, b.family.id))
    .map((f) => {
      const cats = f.items.map((p, i) => ({ p, key: f.keys[i] }));
      cats.sort((x, y) => rankTask(x.p.task) - rankTask(y.p.task) || naturalCompare(x.p.sortLabel, y.p.sortLabel));
      return { ...f.family, categories: cats.map((c) => ({ label: c.p.label, key: c.key })) };
    });
}

/** The whole plan for a set of runs. */
export function planComparison(runs: readonly ComparedRun[], sharedOnly: boolean): ComparePlan {
  const keys = comparableKeys(runs.map((r) => r.series), sharedOnly);
  const lineKeys: string[] = [];
  const barKeys: string[] = [];
  for (const k of keys) {
    const having = runs.filter((r) => hasPoints(r.series[k]));
    (having.every((r) => isSingleResult(r.run, k, r.series[k])) ? barKeys : lineKeys).push(k);
  }
  const order = runs.map((r) => runTaskOrder(r.run)).find((o) => o.length) ?? [];
  const lineGroups = groupMetricKeys(lineKeys);
  const barFams = barFamilies(barKeys, order);
  return { keys: groupMetricKeys(keys).flatMap((g) => g.keys), lineGroups, barFamilies: barFams };
}
