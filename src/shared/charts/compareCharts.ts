/**
 * Chart options for comparing runs: one line (or bar) per run, in that run's colour. Pure
 * functions of the series, like charts/lineChart.ts, whose line option they build on.
 */
import type { EChartsOption } from 'echarts';
import type { MetricSeries } from '../records';
import { formatNumber } from './numberFormat';
import { formatPercent } from './evalResults';
import { lineChartOption } from './lineChart';
import { PALETTES, type ChartPalette } from './palette';

/** One run's series of one metric; `series` is absent when the run does not have it. */
export interface RunLine {
  label: string;
  color: string;
  series?: MetricSeries;
}

export interface CompareLineOptions {
  palette?: ChartPalette;
  smoothing?: number;
  logY?: boolean;
}

/** A plotted line: [step, value|null] pairs as drawn. */
export interface DrawnLine {
  label: string;
  color: string;
  points: readonly (readonly [number, number | null])[];
}

export interface TooltipRow {
  label: string;
  color: string;
  step: number;
  value: number;
}

/**
 * Each run's drawn point nearest to step `x` (ties go to the earlier step). ECharts' own axis
 * tooltip lists only the series whose nearest point is nearest overall, so runs logged at
 * different steps would hide each other; this lists every run that has a point.
 */
export function tooltipRowsAt(lines: readonly DrawnLine[], x: number): TooltipRow[] {
  const rows: TooltipRow[] = [];
  for (const l of lines) {
    let best: readonly [number, number] | null = null;
    for (const [step, value] of l.points) {
      if (value === null || !Number.isFinite(value)) continue;
      if (!best || Math.abs(step - x) < Math.abs(best[0] - x)) best = [step, value];
    }
    if (best) rows.push({ label: l.label, color: l.color, step: best[0], value: best[1] });
  }
  return rows;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function tooltipHtml(rows: readonly TooltipRow[], x: number, pal: ChartPalette): string {
  const head = `<div style="color:${pal.muted};margin-bottom:2px">step ${escapeHtml(formatNumber(x))}</div>`;
  const body = rows
    .map((r) => {
      const dot = `<span style="display:inline-block;width:9px;height:9px;border-radius:50%;background:${r.color};margin-right:6px"></span>`;
      const at = r.step === x ? '' : ` <span style="color:${pal.muted}">@ ${escapeHtml(formatNumber(r.step))}</span>`;
      return `<div style="display:flex;gap:14px;justify-content:space-between"><span>${dot}${escapeHtml(r.label)}</span><b>${escapeHtml(formatNumber(r.value))}${at}</b></div>`;
    })
    .join('');
  return head + body;
}

function axisValueOf(params: unknown): number {
  const first = (Array.isArray(params) ? params[0] : params) as { axisValue?: unknown; value?: unknown } | undefined;
  const v = first?.axisValue ?? (Array.isArray(first?.value) ? first!.value[0] : undefined);
  return typeof v === 'number' ? v : Number(v);
}

/** One line per run (runs without the metric are left out), no legend (the page header is the
 * key), and a tooltip listing every run's value near the hovered step. */
export function compareLineOption(lines: readonly RunLine[], opts: CompareLineOptions = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const present = lines.filter((l): l is RunLine & { series: MetricSeries } => !!l.series && l.series.steps.length > 0);
  const base = lineChartOption(
    present.map((l) => ({ ...l.series, key: l.label })),
    { palette: { ...pal, series: present.map((l) => l.color) }, smoothing: opts.smoothing, logY: opts.logY },
  );
  const series = (base.series ?? []) as { name?: string; data?: unknown }[];
  const drawn: DrawnLine[] = present.map((l) => ({
    label: l.label,
    color: l.color,
    points: (series.find((s) => s.name === l.label)?.data ?? []) as [number, number | null][],
  }));
  const grid = base.grid as Record<string, unknown>;
  return {
    ...base,
    legend: { show: false },
    grid: { ...grid, top: 12 },
    tooltip: {
      ...(base.tooltip as Record<string, unknown>),
      formatter: (params: unknown) => {
        const x = axisValueOf(params);
        return Number.isFinite(x) ? tooltipHtml(tooltipRowsAt(drawn, x), x, pal) : '';
      },
    },
  };
}

/** One run's bars: a value (or null) per category. */
export interface RunBars {
  label: string;
  color: string;
  values: readonly (number | null)[];
}

export interface CompareBarOptions {
  palette?: ChartPalette;
  /** Values are fractions: a 0–1 axis written in percent. */
  percent?: boolean;
}

/** Grouped vertical bars: a group per category (task, knob value), a bar per run in run order. */
export function compareBarOption(categories: readonly string[], runs: readonly RunBars[], opts: CompareBarOptions = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const fmt = opts.percent ? formatPercent : (v: number) => formatNumber(v);
  const labels = categories.length * runs.length <= 16;
  return {
    animation: false,
    color: runs.map((r) => r.color),
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    grid: { left: 8, right: 12, top: labels ? 20 : 12, bottom: 8, containLabel: true },
    legend: { show: false },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      backgroundColor: pal.tooltipBg,
      borderColor: pal.axis,
      textStyle: { color: pal.text, fontSize: 12 },
      valueFormatter: (v) => (typeof v === 'number' ? fmt(v) : '—'),
    },
    xAxis: {
      type: 'category',
      data: categories.slice(),
      axisLabel: { color: pal.text, fontSize: 11, interval: 0, rotate: categories.length > 5 ? 30 : 0 },
      axisLine: { lineStyle: { color: pal.axis } },
      axisTick: { alignWithLabel: true, lineStyle: { color: pal.axis } },
    },
    yAxis: {
      type: 'value',
      min: opts.percent ? 0 : undefined,
      max: opts.percent ? 1 : undefined,
      axisLabel: { color: pal.muted, fontSize: 11, formatter: (v: number) => fmt(v) },
      splitLine: { lineStyle: { color: pal.grid } },
    },
    series: runs.map((r) => ({
      type: 'bar' as const,
      name: r.label,
      data: categories.map((_, i) => (typeof r.values[i] === 'number' && Number.isFinite(r.values[i]) ? r.values[i] : null)),
      itemStyle: { color: r.color, borderRadius: [3, 3, 0, 0] },
      barMaxWidth: 22,
      label: labels
        ? { show: true, position: 'top' as const, color: pal.muted, fontSize: 10, formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? fmt(p.value) : '') }
        : { show: false },
    })),
  };
}
