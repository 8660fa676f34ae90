/**
 * ECharts options of a prune run's results (ALGORITHMS.md §7.4): importance bars per layer with
 * the removed layers highlighted, the hidden-state cosine heatmap, and lines against the number
 * of layers removed. Pure functions of the data in charts/pruneResults.ts (STYLE.md: a chart is
 * data).
 */
import type { EChartsOption } from 'echarts';
import { formatNumber } from './numberFormat';
import { PALETTES, type ChartPalette } from './palette';
import { isRemovedBar, type LayerScores, type SimilarityMatrix } from './pruneResults';

type TooltipParam = { seriesName?: string; value?: unknown; data?: unknown; marker?: string; axisValue?: unknown; dataIndex?: number };

function tooltipBase(pal: ChartPalette) {
  return { backgroundColor: pal.tooltipBg, borderColor: pal.axis, textStyle: { color: pal.text, fontSize: 12 } };
}

function axisStyle(pal: ChartPalette) {
  return {
    nameTextStyle: { color: pal.muted, fontSize: 11 },
    axisLine: { lineStyle: { color: pal.axis } },
    axisTick: { lineStyle: { color: pal.axis } },
    splitLine: { lineStyle: { color: pal.grid } },
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Bar labels: the layer, or "first–last" for a block metric with blocks longer than one. */
export function layerLabels(s: LayerScores, blockSize: number): string[] {
  return s.layers.map((l) => (s.block && blockSize > 1 ? `${l}–${l + blockSize - 1}` : String(l)));
}

export const KEPT_NAME = 'kept';
export const REMOVED_NAME = 'removed';

/**
 * One metric's scores as vertical bars, x = layer (or block start). Two overlaid series,
 * "kept" and "removed", each with the score where it applies and null elsewhere, so the removed
 * bars get their own colour and legend entry.
 */
export function importanceOption(s: LayerScores, removed: readonly number[], opts: { palette?: ChartPalette; blockSize?: number } = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const blockSize = opts.blockSize ?? 1;
  const gone = new Set(removed);
  const hit = s.layers.map((l) => isRemovedBar(l, gone, s.block, blockSize));
  const labels = layerLabels(s, blockSize);
  const any = hit.some(Boolean);
  const bar = (name: string, color: string, mine: boolean) => ({
    type: 'bar' as const,
    name,
    data: s.scores.map((v, i) => (hit[i] === mine ? v : null)),
    itemStyle: { color, borderRadius: [3, 3, 0, 0] },
    barMaxWidth: 28,
    barGap: '-100%',
  });
  return {
    animation: false,
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    grid: { left: 8, right: 12, top: any ? 28 : 12, bottom: 20, containLabel: true },
    legend: any ? { show: true, data: [KEPT_NAME, REMOVED_NAME], top: 0, right: 0, textStyle: { color: pal.muted, fontSize: 11 }, itemHeight: 8 } : { show: false },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      ...tooltipBase(pal),
      formatter: (params: unknown) => {
        const ps = (Array.isArray(params) ? params : [params]) as TooltipParam[];
        const i = ps[0]?.dataIndex ?? 0;
        const what = s.block && blockSize > 1 ? `layers ${labels[i]}` : `layer ${labels[i]}`;
        return `${escapeHtml(what)}: <b>${formatNumber(s.scores[i])}</b>${hit[i] ? ` · ${REMOVED_NAME}` : ''}`;
      },
    },
    xAxis: {
      type: 'category',
      data: labels,
      name: s.block && blockSize > 1 ? 'block (first–last layer)' : 'layer',
      nameLocation: 'middle',
      nameGap: 22,
      ...axisStyle(pal),
      axisLabel: { color: pal.text, fontSize: 11 },
    },
    yAxis: { type: 'value', ...axisStyle(pal), axisLabel: { color: pal.muted, fontSize: 11, formatter: (v: number) => formatNumber(v) } },
    series: [bar(KEPT_NAME, pal.series[0], false), bar(REMOVED_NAME, pal.removed, true)],
  };
}

function hexRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return [0, 0, 0];
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The ramp's colour at t ∈ [0, 1], linear in sRGB between the stops (as ECharts' visualMap). */
export function rampColor(ramp: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexRgb(ramp[i]);
  const b = hexRgb(ramp[i + 1]);
  return `#${a.map((c, j) => Math.round(c + (b[j] - c) * f).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG relative luminance of an sRGB hex colour. */
function luminance(hex: string): number {
  const [r, g, b] = hexRgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Colour scale of the heatmap: 0…1 unless values fall outside, then widened in steps of 0.1. */
export function similarityRange(m: SimilarityMatrix): [number, number] {
  const lo = m.min >= 0 ? 0 : Math.floor(m.min * 10) / 10;
  const hi = m.max <= 1 + 1e-9 ? 1 : Math.ceil(m.max * 10) / 10;
  return [lo, hi];
}

/** Axis label of hidden state i: "emb" for the embedding output h0, else i. */
export const hiddenLabel = (i: number) => (i === 0 ? 'emb' : String(i));

/**
 * Heatmap of mean cos(h_a, h_b): row a (top to bottom), column b. Cells carry their value
 * (two decimals) in black or white, whichever contrasts more with the cell.
 */
export function similarityOption(m: SimilarityMatrix, opts: { palette?: ChartPalette } = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const [lo, hi] = similarityRange(m);
  const pos = new Map(m.indices.map((v, i) => [v, i]));
  const cats = m.indices.map(hiddenLabel);
  const showLabels = m.indices.length <= 14;
  const data = m.cells.map((c) => {
    const bg = rampColor(pal.heat.ramp, (c.value - lo) / (hi - lo));
    // Black or white, whichever contrasts more: at least 4.58:1 on any background.
    const color = contrast(bg, '#000000') >= contrast(bg, '#ffffff') ? '#000000' : '#ffffff';
    return { value: [pos.get(c.b)!, pos.get(c.a)!, c.value], label: { color } };
  });
  const axis = (name: string, inverse: boolean) => ({
    type: 'category' as const,
    data: cats,
    name,
    inverse,
    nameLocation: 'end' as const,
    nameGap: 6,
    ...axisStyle(pal),
    splitArea: { show: false },
    axisLabel: { color: pal.text, fontSize: 11 },
  });
  return {
    animation: false,
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    grid: { left: 8, right: 64, top: 20, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'item',
      ...tooltipBase(pal),
      formatter: (p: unknown) => {
        const v = ((p as TooltipParam).value ?? []) as number[];
        const a = m.indices[v[1]];
        const b = m.indices[v[0]];
        return `cos(h${a}, h${b}) = <b>${typeof v[2] === 'number' ? v[2].toFixed(4) : '—'}</b>`;
      },
    },
    xAxis: axis('b', false),
    yAxis: axis('a', true),
    visualMap: {
      type: 'continuous',
      min: lo,
      max: hi,
      dimension: 2,
      calculable: false,
      orient: 'vertical',
      right: 0,
      top: 'middle',
      itemWidth: 12,
      itemHeight: 120,
      precision: 2,
      text: [hi.toFixed(1), lo.toFixed(1)],
      inRange: { color: [...pal.heat.ramp] },
      textStyle: { color: pal.muted, fontSize: 11 },
    },
    series: [
      {
        type: 'heatmap',
        name: 'cosine similarity',
        data,
        label: { show: showLabels, fontSize: 10, formatter: (p: { value?: unknown }) => (Array.isArray(p.value) ? Number(p.value[2]).toFixed(2) : '') },
        itemStyle: { borderColor: pal.tooltipBg, borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: pal.text, borderWidth: 1 } },
      },
    ],
  };
}

export interface SweepLine {
  name: string;
  /** [k, value] ascending in k. */
  points: [number, number][];
  color: string;
  dashed?: boolean;
  width?: number;
}

export interface SweepOptions {
  palette?: ChartPalette;
  /** Formats values on the axis and in the tooltip. */
  format?: (v: number) => string;
  min?: number;
  max?: number;
  /** Right end of the k axis (the configured number of layers to remove). */
  kMax?: number;
  /** Extra tooltip text for a line at k, e.g. the raw accuracy next to the normalized one. */
  detail?: (name: string, k: number) => string | null;
}

/** Room for a vertical legend: the longest name at ~6.5 px per character plus the symbol. */
function legendWidth(names: readonly string[]): number {
  return Math.min(160, 34 + 6.5 * Math.max(...names.map((n) => n.length)));
}

/** Lines against k = number of layers removed (0 = the dense model). */
export function sweepOption(lines: readonly SweepLine[], opts: SweepOptions = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const fmt = opts.format ?? formatNumber;
  const kData = lines.flatMap((l) => l.points.map((p) => p[0]));
  const kMax = Math.max(opts.kMax ?? 0, ...kData, 1);
  const names = lines.map((l) => l.name);
  return {
    animation: false,
    textStyle: { color: pal.text, fontFamily: 'inherit' },
    // Task names can be long and many: a legend column on the right keeps them all readable.
    grid: { left: 8, right: names.length > 1 ? 16 + legendWidth(names) : 16, top: 12, bottom: 22, containLabel: true },
    legend: names.length > 1
      ? {
          show: true, type: 'scroll', orient: 'vertical', right: 0, top: 'middle', data: names, itemGap: 6,
          textStyle: { color: pal.text, fontSize: 11 }, itemHeight: 8, pageTextStyle: { color: pal.muted },
        }
      : { show: false },
    tooltip: {
      trigger: 'axis',
      ...tooltipBase(pal),
      axisPointer: { type: 'line', lineStyle: { color: pal.axis } },
      formatter: (params: unknown) => {
        const ps = (Array.isArray(params) ? params : [params]) as TooltipParam[];
        const k = Number(ps[0]?.axisValue ?? (ps[0]?.value as number[] | undefined)?.[0]);
        const rows = ps.map((p) => {
          const v = (p.value as number[] | undefined)?.[1];
          const extra = opts.detail?.(p.seriesName ?? '', k);
          return `${p.marker ?? ''}${escapeHtml(p.seriesName ?? '')}: <b>${typeof v === 'number' ? fmt(v) : '—'}</b>${extra ? ` <span style="color:${pal.muted}">${escapeHtml(extra)}</span>` : ''}`;
        });
        return [`${k} layer${k === 1 ? '' : 's'} removed`, ...rows].join('<br>');
      },
    },
    xAxis: {
      type: 'value',
      name: 'layers removed',
      nameLocation: 'middle',
      nameGap: 22,
      min: 0,
      max: kMax,
      minInterval: 1,
      ...axisStyle(pal),
      splitLine: { show: false },
      axisLabel: { color: pal.muted, fontSize: 11, formatter: (v: number) => (Number.isInteger(v) ? String(v) : '') },
    },
    yAxis: {
      type: 'value',
      min: opts.min,
      max: opts.max,
      scale: opts.min === undefined,
      ...axisStyle(pal),
      axisLabel: { color: pal.muted, fontSize: 11, formatter: (v: number) => fmt(v) },
    },
    series: lines.map((l) => ({
      type: 'line' as const,
      name: l.name,
      data: l.points.map((p) => [p[0], p[1]]),
      showSymbol: true,
      symbolSize: 5,
      lineStyle: { width: l.width ?? 1.8, color: l.color, type: l.dashed ? ('dashed' as const) : ('solid' as const) },
      itemStyle: { color: l.color },
    })),
  };
}
