/**
 * Charts and ranking of a sweep (its group page), as pure functions of its runs, their swept
 * values and metrics (STYLE.md: "a chart is data"):
 * - settings: the runs grouped by every swept field except seeds;
 * - bands: per setting, the mean ± standard deviation over its seeds at each step;
 * - the parallel-coordinates chart: one axis per swept field, the last the chosen final metric;
 * - the ranking by a final metric, best first.
 */
import type { EChartsOption } from 'echarts';
import type { MetricSeries, RunRecord } from '@shared/records';
import { formatSweepValue, type SweepValue } from '@shared/sweeps';
import { formatNumber } from '../format';
import { PALETTES, type ChartPalette } from './palette';

/** A swept field counts as a seed (averaged over, not a setting) when its last part is `seed`. */
export function isSeedField(path: string): boolean {
  return path.split('.').pop() === 'seed';
}

export interface SweepSetting {
  /** `learning_rate=1e-5 beta=0.1` (seeds left out); 'all runs' when only seeds were swept. */
  label: string;
  assignments: Record<string, SweepValue>;
  runIds: string[];
}

/** Runs grouped by their non-seed swept values, in the order the settings first appear. */
export function sweepSettings(runs: readonly Pick<RunRecord, 'id' | 'sweep'>[], fields: readonly string[]): SweepSetting[] {
  const keep = fields.filter((f) => !isSeedField(f));
  const out = new Map<string, SweepSetting>();
  for (const r of runs) {
    const point = r.sweep?.point ?? {};
    const assignments = Object.fromEntries(keep.map((f) => [f, point[f] ?? null]));
    const key = JSON.stringify(keep.map((f) => assignments[f]));
    let s = out.get(key);
    if (!s) {
      const label = keep.map((f) => `${f.split('.').pop()}=${formatSweepValue(assignments[f])}`).join(' ') || 'all runs';
      s = { label, assignments, runIds: [] };
      out.set(key, s);
    }
    s.runIds.push(r.id);
  }
  return [...out.values()];
}

export interface Band {
  steps: number[];
  mean: number[];
  /** Sample standard deviation (n − 1); 0 where only one run has the step. */
  std: number[];
  /** How many runs have a finite value at each step. */
  n: number[];
}

/** Mean ± std over runs at every step any of them logged (each step over the runs that have it). */
export function meanStdBand(series: readonly Pick<MetricSeries, 'steps' | 'values'>[]): Band {
  const byStep = new Map<number, number[]>();
  for (const s of series) {
    for (let i = 0; i < Math.min(s.steps.length, s.values.length); i++) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) continue;
      const list = byStep.get(s.steps[i]!) ?? [];
      list.push(v);
      byStep.set(s.steps[i]!, list);
    }
  }
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const band: Band = { steps, mean: [], std: [], n: [] };
  for (const step of steps) {
    const xs = byStep.get(step)!;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.length > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
    band.mean.push(mean);
    band.std.push(Math.sqrt(variance));
    band.n.push(xs.length);
  }
  return band;
}

export interface LabelledBand {
  label: string;
  band: Band;
}

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  return m ? `#${m[1]}${Math.round(alpha * 255).toString(16).padStart(2, '0')}` : hex;
}

/**
 * Mean lines with shaded ± std bands, one colour per setting. The band is drawn the usual
 * ECharts way: an invisible line at mean − std and, stacked on it, an area of height 2·std; the
 * step axis is a category axis over every step any setting logged, so the stacks line up.
 */
export function bandChartOption(bands: readonly LabelledBand[], opts: { palette?: ChartPalette; metric?: string } = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const steps = [...new Set(bands.flatMap((b) => b.band.steps))].sort((a, b) => a - b);
  const series: NonNullable<EChartsOption['series']> = [];
  bands.forEach((b, i) => {
    const color = pal.series[i % pal.series.length]!;
    const at = new Map(b.band.steps.map((s, k) => [s, k]));
    const pick = (f: (k: number) => number) => steps.map((s) => (at.has(s) ? f(at.get(s)!) : null));
    const stack = `band-${i}`;
    series.push(
      {
        type: 'line',
        name: `${b.label} (mean − std)`,
        data: pick((k) => b.band.mean[k]! - b.band.std[k]!),
        stack,
        lineStyle: { opacity: 0 },
        showSymbol: false,
        silent: true,
        tooltip: { show: false },
        connectNulls: true,
      },
      {
        type: 'line',
        name: `${b.label} (± std)`,
        data: pick((k) => 2 * b.band.std[k]!),
        stack,
        lineStyle: { opacity: 0 },
        areaStyle: { color: withAlpha(color, 0.2) },
        showSymbol: false,
        silent: true,
        tooltip: { show: false },
        connectNulls: true,
      },
      {
        type: 'line',
        name: b.label,
        data: pick((k) => b.band.mean[k]!),
        showSymbol: false,
        connectNulls: true,
        lineStyle: { width: 2, color },
        itemStyle: { color },
      },
    );
  });
  return {
    animation: false,
    textStyle: { color: pal.text },
    legend: { data: bands.map((b) => b.label), textStyle: { color: pal.text }, top: 0 },
    grid: { left: 56, right: 16, top: 32, bottom: 32 },
    tooltip: { trigger: 'axis', backgroundColor: pal.tooltipBg, textStyle: { color: pal.text } },
    xAxis: { type: 'category', data: steps.map(String), name: 'step', boundaryGap: false, axisLine: { lineStyle: { color: pal.axis } } },
    yAxis: { type: 'value', name: opts.metric, scale: true, splitLine: { lineStyle: { color: pal.grid } }, axisLine: { lineStyle: { color: pal.axis } } },
    series,
  };
}

export type MetricGoal = 'max' | 'min';

/** Whether a larger value of a metric is better, guessed from its name (losses, perplexities and errors go down). */
export function guessGoal(key: string): MetricGoal {
  return /loss|perplexity|ppl|error|regret|kl\b|entropy_gap/i.test(key) ? 'min' : 'max';
}

export interface RankedRun {
  run: RunRecord;
  value: number | null;
  best: boolean;
}

/** Runs sorted by a final metric, best first (runs without it last, in their order); the best run marked. */
export function rankRuns(runs: readonly RunRecord[], finals: Record<string, Record<string, number>>, key: string, goal: MetricGoal): RankedRun[] {
  const rows = runs.map((run, i) => {
    const v = finals[run.id]?.[key];
    return { run, value: typeof v === 'number' && Number.isFinite(v) ? v : null, i };
  });
  rows.sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === null ? (b.value === null ? a.i - b.i : 1) : -1;
    return (goal === 'max' ? b.value - a.value : a.value - b.value) || a.i - b.i;
  });
  return rows.map((r, k) => ({ run: r.run, value: r.value, best: k === 0 && r.value !== null }));
}

/** Final metric keys every finished run shares (the choices for ranking), sorted. */
export function sharedFinalKeys(runs: readonly RunRecord[], finals: Record<string, Record<string, number>>): string[] {
  const withData = runs.filter((r) => finals[r.id] && Object.keys(finals[r.id]!).length);
  if (!withData.length) return [];
  const [first, ...rest] = withData;
  return Object.keys(finals[first!.id]!).filter((k) => rest.every((r) => k in finals[r.id]!)).sort();
}

/**
 * Parallel coordinates: one axis per swept field (numbers on a value axis — logarithmic when
 * every value is > 0 and they span more than a factor of 20 — anything else as categories), the
 * last axis the final metric; one line per run with the metric, the best drawn on top in the
 * accent colour.
 */
export function parallelOption(
  ranked: readonly RankedRun[],
  fields: readonly string[],
  metric: string,
  opts: { palette?: ChartPalette } = {},
): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const rows = ranked.filter((r) => r.value !== null);
  const axisLine = { lineStyle: { color: pal.axis } };
  const parallelAxis = fields.map((f, dim) => {
    const vals = rows.map((r) => r.run.sweep?.point[f] ?? null);
    const numeric = vals.length > 0 && vals.every((v) => typeof v === 'number');
    const name = f.split('.').pop()!;
    if (numeric) {
      const nums = vals as number[];
      const log = nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) > 20;
      return { dim, name, type: log ? ('log' as const) : ('value' as const), scale: true, axisLine, nameTextStyle: { color: pal.text } };
    }
    const cats = [...new Set(vals.map((v) => formatSweepValue(v ?? null)))];
    return { dim, name, type: 'category' as const, data: cats, axisLine, nameTextStyle: { color: pal.text } };
  });
  parallelAxis.push({ dim: fields.length, name: metric, type: 'value' as const, scale: true, axisLine, nameTextStyle: { color: pal.text } });
  const lineOf = (r: RankedRun) => [
    ...fields.map((f, k) => {
      const v = r.run.sweep?.point[f] ?? null;
      return parallelAxis[k]!.type === 'category' ? formatSweepValue(v) : (v as number);
    }),
    r.value as number,
  ];
  const rest = rows.filter((r) => !r.best);
  const best = rows.filter((r) => r.best);
  return {
    animation: false,
    textStyle: { color: pal.text },
    parallel: { left: 48, right: 72, top: 36, bottom: 28 },
    parallelAxis,
    tooltip: { trigger: 'item', backgroundColor: pal.tooltipBg, textStyle: { color: pal.text } },
    series: [
      { type: 'parallel', name: 'runs', data: rest.map(lineOf), lineStyle: { width: 1.5, opacity: 0.55, color: pal.series[0] } },
      { type: 'parallel', name: `best: ${best[0] ? formatNumber(best[0].value!) : '—'}`, data: best.map(lineOf), lineStyle: { width: 3.5, opacity: 1, color: pal.series[1] }, z: 3 },
    ],
  };
}
