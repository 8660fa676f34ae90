/**
 * ECharts options as pure functions of metric series (STYLE.md: "a chart is data"). The same
 * functions can build the SVG plots of a run bundle; nothing here touches the DOM.
 */
import type { EChartsOption } from 'echarts';
import type { MetricSeries } from '../records';
import { formatNumber } from './numberFormat';
import { PALETTES, type ChartPalette } from './palette';
import { emaSmooth } from './smoothing';
import { lttb } from './lttb';

export interface LineChartOptions {
  palette?: ChartPalette;
  /** EMA weight in [0, 1); > 0 draws the smoothed line over a faded raw line. */
  smoothing?: number;
  logY?: boolean;
  /** x-axis name; 'step' by default. */
  xName?: string;
  /** Show the zoom slider under the plot (the wheel zooms only with Ctrl held, so it keeps
   * scrolling the page). */
  zoomSlider?: boolean;
  /** Draw at most about this many points per line (LTTB, after smoothing); all when absent. */
  maxPoints?: number;
  /** Fixed top of the y-axis (accuracies and fractions stop at 1). */
  yMax?: number;
  /** Fixed bottom of the y-axis. */
  yMin?: number;
}

/** Keys whose values are fractions in [0, 1] (accuracies, pass@k, ratios): their axis stops at 1. */
export function isFractionKey(key: string): boolean {
  return /(^|\/)(accuracy|pass@\d+|maj@\d+|solve_all|solve_none|frac_[a-z_]+|[a-z_]*_ratio|[a-z_]*_fraction|gated_fraction|conditioned)($|\/)/.test(key)
    || /(^|\/)clip_ratio\//.test(key);
}

/** Points to draw for one line: down-sampled (LTTB) when longer than `maxPoints`. */
function drawnPoints(steps: readonly number[], values: readonly number[], maxPoints?: number): [number, number | null][] {
  if (maxPoints && steps.length > maxPoints) {
    const thin = lttb(steps, values, Math.max(3, maxPoints));
    return seriesPoints(thin.steps, thin.values);
  }
  return seriesPoints(steps, values);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The x value of a tooltip header: whole steps without decimals ("step 80", not "80.00"). */
export function formatStep(x: number): string {
  return Number.isInteger(x) ? String(x) : formatNumber(x);
}

interface TooltipParam { seriesName?: string; value?: unknown; marker?: unknown }

/** Axis tooltip: "step N", then each line's value; with smoothing both the smoothed and the raw
 * value are listed. */
export function tooltipText(params: TooltipParam | TooltipParam[], xName: string): string {
  const list = Array.isArray(params) ? params : [params];
  const first = list[0]?.value;
  const x = Array.isArray(first) ? Number(first[0]) : NaN;
  const rows = [`<div>${escapeHtml(xName)} ${Number.isFinite(x) ? formatStep(x) : '—'}</div>`];
  for (const p of list) {
    const v = Array.isArray(p.value) ? p.value[1] : p.value;
    const name = p.seriesName ?? '';
    rows.push(`<div>${typeof p.marker === 'string' ? p.marker : ''}${escapeHtml(name)} <b>${typeof v === 'number' ? formatNumber(v) : '—'}</b></div>`);
  }
  return rows.join('');
}

/** [step, value] pairs; non-finite values become gaps (null). */
export function seriesPoints(steps: readonly number[], values: readonly number[]): [number, number | null][] {
  const n = Math.min(steps.length, values.length);
  const out: [number, number | null][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = [steps[i], Number.isFinite(values[i]) ? values[i] : null];
  return out;
}

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const a = Math.round(alpha * 255).toString(16).padStart(2, '0');
  return `#${m[1]}${a}`;
}

// ECharts' inside zoom takes every wheel event over the plot (the page would stop scrolling),
// so it stays disabled for interaction: the chart component zooms on Ctrl + wheel itself
// (zoomedRange) and drives this component through the dataZoom action.
const INSIDE_ZOOM = { type: 'inside', xAxisIndex: 0, filterMode: 'none', disabled: true } as const;

/**
 * The x range (percent of the data) after one Ctrl + wheel notch at `at` (0–1 across the plot):
 * zoom in by 1.25× when `deltaY` < 0, out otherwise, keeping the point under the pointer fixed.
 */
export function zoomedRange(start: number, end: number, at: number, deltaY: number): { start: number; end: number } {
  const width = end - start;
  const next = Math.min(100, Math.max(0.5, deltaY < 0 ? width / 1.25 : width * 1.25));
  const center = start + Math.min(1, Math.max(0, at)) * width;
  let s = center - Math.min(1, Math.max(0, at)) * next;
  s = Math.min(Math.max(0, s), 100 - next);
  return { start: s, end: s + next };
}

/** One line per series against the step axis. */
export function lineChartOption(series: readonly MetricSeries[], opts: LineChartOptions = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const smoothing = opts.smoothing && opts.smoothing > 0 ? opts.smoothing : 0;
  const lines: NonNullable<EChartsOption['series']> = [];
  series.forEach((s, i) => {
    const color = pal.series[i % pal.series.length];
    if (smoothing) {
      lines.push({
        type: 'line',
        name: `${s.key} (raw)`,
        data: drawnPoints(s.steps, s.values, opts.maxPoints),
        showSymbol: false,
        lineStyle: { width: 1, color: withAlpha(color, 0.3) },
        itemStyle: { color: withAlpha(color, 0.3) },
        emphasis: { disabled: true },
        silent: true,
        z: 1,
      });
    }
    lines.push({
      type: 'line',
      name: s.key,
      data: drawnPoints(s.steps, smoothing ? emaSmooth(s.values, smoothing) : s.values, opts.maxPoints),
      showSymbol: s.steps.length <= 1,
      symbolSize: 5,
      sampling: 'lttb',
      connectNulls: false,
      lineStyle: { width: 1.6, color },
      itemStyle: { color },
      z: 2,
    });
  });
  const axisCommon = {
    nameTextStyle: { color: pal.muted, fontSize: 11 },
    axisLine: { lineStyle: { color: pal.axis } },
    axisTick: { lineStyle: { color: pal.axis } },
    axisLabel: { color: pal.muted, fontSize: 11, formatter: (v: number) => formatNumber(v) },
    splitLine: { lineStyle: { color: pal.grid } },
  };
  const legendNames = series.map((s) => s.key);
  return {
    animation: false,
    color: pal.series,
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    grid: { left: 8, right: 16, top: legendNames.length > 1 ? 28 : 12, bottom: opts.zoomSlider ? 44 : 8, containLabel: true },
    legend: legendNames.length > 1 ? { show: true, data: legendNames, top: 0, textStyle: { color: pal.muted, fontSize: 11 }, icon: 'roundRect', itemHeight: 8 } : { show: false },
    tooltip: {
      trigger: 'axis',
      backgroundColor: pal.tooltipBg,
      borderColor: pal.axis,
      textStyle: { color: pal.text, fontSize: 12 },
      valueFormatter: (v) => (typeof v === 'number' ? formatNumber(v) : String(v ?? '—')),
      formatter: (p: unknown) => tooltipText(p as TooltipParam[], opts.xName ?? 'step'),
      axisPointer: { type: 'line', lineStyle: { color: pal.axis } },
    },
    xAxis: { type: 'value', name: opts.xName ?? 'step', nameLocation: 'end', min: 'dataMin', max: 'dataMax', ...axisCommon, nameGap: 4 },
    yAxis: {
      type: opts.logY ? 'log' : 'value',
      scale: true,
      ...(opts.yMax !== undefined && !opts.logY ? { max: opts.yMax } : {}),
      ...(opts.yMin !== undefined && !opts.logY ? { min: opts.yMin } : {}),
      ...axisCommon,
    },
    // The wheel scrolls the page; Ctrl + wheel (or the slider) zooms the steps.
    dataZoom: opts.zoomSlider
      ? [{ ...INSIDE_ZOOM }, { type: 'slider', xAxisIndex: 0, height: 16, bottom: 4, filterMode: 'none' }]
      : [{ ...INSIDE_ZOOM }],
    series: lines,
  };
}

/** Number of plotted points in a line option (raw lines excluded), e.g. for a test hook. */
export function plottedPointCount(option: EChartsOption): number {
  const series = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  let n = 0;
  for (const s of series) {
    if (typeof s.name === 'string' && s.name.endsWith(' (raw)')) continue;
    if (Array.isArray(s.data)) n += s.data.length;
  }
  return n;
}

export interface BarChartOptions {
  palette?: ChartPalette;
  /** Name of the value axis, e.g. 'rows'. */
  valueName?: string;
  /** Name of the bar series (tooltip); defaults to valueName. */
  seriesName?: string;
  /** Fixed value-axis range (e.g. 0–1 for accuracies); data-driven when absent. */
  min?: number;
  max?: number;
  /** How values are written on the axis, in the tooltip and in bar labels. */
  format?: (v: number) => string;
  /** Write each bar's value at its end. */
  labels?: boolean;
}

/** Horizontal bars, one per category, in the given order (top to bottom). */
export function barChartOption(categories: readonly string[], values: readonly number[], opts: BarChartOptions = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const fmt = opts.format ?? formatNumber;
  // ECharts draws category axes bottom-up; reverse so the first category is on top.
  const cats = categories.slice().reverse();
  const vals = values.slice(0, categories.length).reverse();
  return {
    animation: false,
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    grid: { left: 8, right: opts.labels ? 44 : 24, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      backgroundColor: pal.tooltipBg,
      borderColor: pal.axis,
      textStyle: { color: pal.text, fontSize: 12 },
      valueFormatter: (v) => (typeof v === 'number' ? fmt(v) : String(v ?? '—')),
    },
    xAxis: {
      type: 'value',
      name: opts.valueName,
      min: opts.min,
      max: opts.max,
      nameTextStyle: { color: pal.muted, fontSize: 11 },
      axisLabel: { color: pal.muted, fontSize: 11, formatter: (v: number) => fmt(v) },
      splitLine: { lineStyle: { color: pal.grid } },
    },
    yAxis: { type: 'category', data: cats, axisLabel: { color: pal.text, fontSize: 11 }, axisLine: { lineStyle: { color: pal.axis } } },
    series: [
      {
        type: 'bar',
        name: opts.seriesName ?? opts.valueName ?? 'value',
        data: vals,
        itemStyle: { color: pal.series[0], borderRadius: [0, 3, 3, 0] },
        barMaxWidth: 18,
        label: opts.labels
          ? { show: true, position: 'right', color: pal.text, fontSize: 11, formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? fmt(p.value) : '') }
          : { show: false },
      },
    ],
  };
}
