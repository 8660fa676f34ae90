/**
 * ECharts options of a value run's results (ALGORITHMS.md §6): the histogram of values split
 * clean vs mislabeled over shared bins, and per-task AUC bars.
 * Pure functions of the data in charts/valueResults.ts (STYLE.md: a chart is data).
 */
import type { EChartsOption } from 'echarts';
import { formatNumber } from './numberFormat';
import { PALETTES, type ChartPalette } from './palette';
import type { TaskAucs, ValueHistogram } from './valueResults';

export const CLEAN_NAME = 'clean';
export const MISLABELED_NAME = 'mislabeled';

type TooltipParam = { seriesName?: string; value?: unknown; dataIndex?: number; marker?: string };

function axisStyle(pal: ChartPalette) {
  return {
    nameTextStyle: { color: pal.muted, fontSize: 11 },
    axisLine: { lineStyle: { color: pal.axis } },
    axisTick: { lineStyle: { color: pal.axis } },
    splitLine: { lineStyle: { color: pal.grid } },
  };
}

const tooltipBase = (pal: ChartPalette) => ({ backgroundColor: pal.tooltipBg, borderColor: pal.axis, textStyle: { color: pal.text, fontSize: 12 } });

/** A bin position as text; rounding residue next to zero (5.55e-17 for lo + k·width) reads 0. */
function binText(h: ValueHistogram, v: number): string {
  const width = (h.edges[h.edges.length - 1] - h.edges[0]) / Math.max(1, h.edges.length - 1);
  return formatNumber(Math.abs(v) < width * 1e-9 ? 0 : v);
}

/** "[a, b)" for inner bins, "[a, b]" for the last. */
export function binLabel(h: ValueHistogram, i: number): string {
  const last = i === h.edges.length - 2;
  return `[${binText(h, h.edges[i])}, ${binText(h, h.edges[i + 1])}${last ? ']' : ')'}`;
}

/**
 * Stacked bars per bin: clean below, mislabeled above, so a bar's height is the bin's total.
 * x is the bin's centre (category axis labelled by centre, tooltip gives the interval).
 */
export function histogramOption(h: ValueHistogram, opts: { palette?: ChartPalette } = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const centres = h.edges.slice(0, -1).map((e, i) => binText(h, (e + h.edges[i + 1]) / 2));
  const bar = (name: string, data: number[], color: string) => ({
    type: 'bar' as const,
    name,
    stack: 'values',
    data,
    itemStyle: { color },
    barCategoryGap: '8%',
  });
  return {
    animation: false,
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    grid: { left: 8, right: 12, top: 28, bottom: 24, containLabel: true },
    legend: { show: true, data: [CLEAN_NAME, MISLABELED_NAME], top: 0, right: 0, textStyle: { color: pal.muted, fontSize: 11 }, itemHeight: 8 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      ...tooltipBase(pal),
      formatter: (params: unknown) => {
        const ps = (Array.isArray(params) ? params : [params]) as TooltipParam[];
        const i = ps[0]?.dataIndex ?? 0;
        const rows = ps.map((p) => `${p.marker ?? ''}${p.seriesName}: <b>${String(p.value)}</b>`);
        return [`value ${binLabel(h, i)}`, ...rows].join('<br>');
      },
    },
    xAxis: {
      type: 'category',
      data: centres,
      name: 'value (bin centre)',
      nameLocation: 'middle',
      nameGap: 24,
      ...axisStyle(pal),
      axisLabel: { color: pal.muted, fontSize: 10 },
    },
    yAxis: { type: 'value', name: 'examples', minInterval: 1, ...axisStyle(pal), axisLabel: { color: pal.muted, fontSize: 11 } },
    series: [bar(CLEAN_NAME, h.clean, pal.series[2]), bar(MISLABELED_NAME, h.mislabeled, pal.removed)],
  };
}

export const AUC_SERIES = { mislabel: 'mislabel AUC', influence: 'influence AUC' } as const;

/** Grouped horizontal bars per task (first task on top), 0…1 (a random ranking scores 0.5). */
export function taskAucOption(tasks: readonly TaskAucs[], opts: { palette?: ChartPalette } = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const rows = tasks.slice().reverse();
  const series: { name: string; values: (number | null)[]; color: string }[] = [];
  if (tasks.some((t) => t.aucMislabel !== undefined)) series.push({ name: AUC_SERIES.mislabel, values: rows.map((t) => t.aucMislabel ?? null), color: pal.removed });
  if (tasks.some((t) => t.aucInfluence !== undefined)) series.push({ name: AUC_SERIES.influence, values: rows.map((t) => t.aucInfluence ?? null), color: pal.series[0] });
  return {
    animation: false,
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    grid: { left: 8, right: 40, top: 28, bottom: 8, containLabel: true },
    legend: { show: true, data: series.map((s) => s.name), top: 0, right: 0, textStyle: { color: pal.muted, fontSize: 11 }, itemHeight: 8 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      ...tooltipBase(pal),
      valueFormatter: (v) => (typeof v === 'number' ? formatNumber(v) : '—'),
    },
    xAxis: { type: 'value', min: 0, max: 1, ...axisStyle(pal), axisLabel: { color: pal.muted, fontSize: 11 } },
    yAxis: { type: 'category', data: rows.map((t) => t.task), ...axisStyle(pal), axisLabel: { color: pal.text, fontSize: 11 } },
    series: series.map((s) => ({
      type: 'bar' as const,
      name: s.name,
      data: s.values,
      itemStyle: { color: s.color, borderRadius: [0, 3, 3, 0] },
      barMaxWidth: 14,
      label: { show: true, position: 'right' as const, color: pal.text, fontSize: 10, formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? p.value.toFixed(2) : '') },
    })),
  };
}
