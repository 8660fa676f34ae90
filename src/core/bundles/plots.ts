/**
 * The bundle's plots, rendered in Node with ECharts server-side rendering to SVG strings: one
 * line chart per metric key with more than one point (built by the run page's own
 * `lineChartOption`, so a bundle's plot looks like the chart the user saw), and bar charts for
 * single-step metrics (eval results) grouped by key pattern. ECharts is imported on first use so commands that never
 * export do not pay for loading it.
 */
import type { EChartsOption } from 'echarts';
import { downsampleSeries } from '../store/downsample';
import { NameSet, safeSegment } from './entryNames';
import { naturalCompare } from '../../shared/naturalOrder';
import type { KindPlot } from '../../shared/kinds';
import { lineChartOption } from '../../shared/charts/lineChart';

export interface PlotSeries {
  key: string;
  steps: number[];
  values: number[];
}

export interface RenderedPlot {
  /** Path inside the bundle (plots/….svg). */
  path: string;
  title: string;
  /** line/bar: one metric or one group of single-step metrics; kind: a chart of the run kind's own. */
  kind: 'line' | 'bar' | 'kind';
  svg: string;
}

const WIDTH = 720;
const HEIGHT = 300;
/** Points drawn per line (min/max down-sampling keeps every spike); the data files keep all. */
const MAX_LINE_POINTS = 2000;
const BAR_COLOR = '#059669';
const TEXT = '#1f2328';
const MUTED = '#656d76';

type EchartsCore = typeof import('echarts/core');
let loaded: Promise<EchartsCore> | null = null;

function echarts(): Promise<EchartsCore> {
  loaded ??= (async () => {
    const core = await import('echarts/core');
    const { LineChart, BarChart, HeatmapChart } = await import('echarts/charts');
    const { GridComponent, TitleComponent, LegendComponent, TooltipComponent, VisualMapContinuousComponent } = await import('echarts/components');
    const { SVGRenderer } = await import('echarts/renderers');
    const { LegacyGridContainLabel } = await import('echarts/features');
    // The kinds' charts (src/shared/charts) use legends, tooltips and a heatmap's visual map; the
    // shared line chart keeps its axis labels inside the grid (containLabel).
    core.use([LineChart, BarChart, HeatmapChart, GridComponent, TitleComponent, LegendComponent, TooltipComponent, VisualMapContinuousComponent, LegacyGridContainLabel, SVGRenderer]);
    return core;
  })();
  return loaded;
}

async function renderSvg(option: EChartsOption): Promise<string> {
  const core = await echarts();
  const chart = core.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { color: TEXT }, ...option });
    return chart.renderToSVGString();
  } finally {
    // An undisposed SSR chart keeps a timer alive and the process from exiting.
    chart.dispose();
  }
}

const fmt = (v: number): string => (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v));

function lastFinite(s: PlotSeries): { step: number; value: number } | null {
  for (let i = s.values.length - 1; i >= 0; i--) if (Number.isFinite(s.values[i])) return { step: s.steps[i], value: s.values[i] };
  return null;
}

/** Fixed y bounds when the finite values span (almost) nothing: ECharts' tick search fails on a
 * zero or denormal-sized range. */
function flatRange(values: number[]): { min: number; max: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (lo > hi) return { min: 0, max: 1 };
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo > 1e-9 * mag && hi - lo > 1e-200) return null;
  const pad = mag > 1e-200 ? mag * 0.5 : 0.5;
  return { min: lo - pad, max: hi + pad };
}

function lineOption(s: PlotSeries, totalPoints: number): EChartsOption {
  const ds = downsampleSeries(s.steps, s.values, MAX_LINE_POINTS);
  const flat = flatRange(ds.values);
  const last = lastFinite(s);
  const sub = `${totalPoints} points${ds.downsampled ? `, ${ds.steps.length} drawn` : ''}${last ? ` · last ${fmt(last.value)} at step ${last.step}` : ''}`;
  const base = lineChartOption([{ key: s.key, steps: ds.steps, values: ds.values, downsampled: ds.downsampled }], flat ? { yMin: flat.min, yMax: flat.max } : {});
  // A file has no pointer: no tooltip or zoom, and a title (key, point count, last value) on top.
  const { tooltip: _tooltip, dataZoom: _dataZoom, ...still } = base;
  return {
    ...still,
    textStyle: { ...(base.textStyle as object), fontFamily: 'sans-serif' },
    title: { text: s.key, subtext: sub, left: 8, textStyle: { fontSize: 14, color: TEXT }, subtextStyle: { color: MUTED } },
    grid: { left: 16, right: 24, top: 64, bottom: 16, containLabel: true },
  };
}

/** Which bar chart a single-step key joins, and its bar label:
 * `breakdown/<task>/<knob>=<v>` → one chart per task and knob, a bar per value;
 * `<a>/<x>/<rest>` (e.g. eval/<task>/accuracy) → one chart per `<a>/*\/<rest>`, a bar per x;
 * `<a>/<b>` → one chart per a; bare keys share one chart. */
export function barGroupOf(key: string): { group: string; label: string } {
  const segs = key.split('/');
  const last = segs[segs.length - 1];
  const eq = last.indexOf('=');
  if (segs.length >= 2 && eq > 0) return { group: [...segs.slice(0, -1), last.slice(0, eq)].join('/'), label: last.slice(eq + 1) };
  if (segs.length >= 3) return { group: `${segs[0]}/*/${segs.slice(2).join('/')}`, label: segs[1] };
  if (segs.length === 2) return { group: segs[0], label: segs[1] };
  return { group: 'single-step metrics', label: key };
}


function barOption(group: string, bars: { label: string; value: number }[]): EChartsOption {
  return {
    title: { text: group, subtext: 'single-step metrics', left: 8, textStyle: { fontSize: 14, color: TEXT }, subtextStyle: { color: MUTED } },
    grid: { left: 64, right: 24, top: 64, bottom: 56 },
    xAxis: { type: 'category', data: bars.map((b) => b.label), axisLabel: { interval: 0, rotate: bars.length > 8 ? 30 : 0 } },
    yAxis: { type: 'value', ...(flatRange(bars.map((b) => b.value)) ?? {}) },
    series: [
      {
        type: 'bar',
        color: BAR_COLOR,
        data: bars.map((b) => (Number.isFinite(b.value) ? b.value : null)),
        label: { show: bars.length <= 16, position: 'top', formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? fmt(p.value) : '') },
      },
    ],
  } as EChartsOption;
}

function plotPath(names: NameSet, parts: string[]): string {
  return names.unique(`plots/${parts.map(safeSegment).join('/')}`, '.svg');
}

/** Render every plot. `series` are (possibly down-sampled) series with their full point counts. */
export async function renderPlots(
  series: (PlotSeries & { totalPoints: number })[],
  opts: { maxPlots?: number; kindPlots?: readonly KindPlot[] } = {},
): Promise<{ plots: RenderedPlot[]; skipped: number; failed: string[] }> {
  const maxPlots = opts.maxPlots ?? 400;
  const names = new NameSet();
  const plots: RenderedPlot[] = [];
  const failed: string[] = [];
  let skipped = 0;
  // A plot ECharts cannot draw is reported, never a reason to fail the export.
  const draw = async (title: string, kind: RenderedPlot['kind'], parts: string[], option: () => EChartsOption) => {
    try {
      const svg = await renderSvg(option());
      plots.push({ path: plotPath(names, parts), title, kind, svg });
    } catch (err) {
      failed.push(`${title}: ${(err as Error).message || 'ECharts could not draw it'}`);
    }
  };
  // The kind's own charts first: they are what its run page shows.
  for (const k of opts.kindPlots ?? []) await draw(k.title, 'kind', ['kind', k.name], () => k.option);
  const groups = new Map<string, { label: string; value: number }[]>();
  for (const s of series) {
    if (s.totalPoints > 1) {
      if (plots.length >= maxPlots) {
        skipped++;
        continue;
      }
      await draw(s.key, 'line', s.key.split('/'), () => lineOption(s, s.totalPoints));
    } else if (s.totalPoints === 1) {
      const { group, label } = barGroupOf(s.key);
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group)!.push({ label, value: s.values[0] });
    }
  }
  for (const [group, bars] of groups) {
    if (plots.length >= maxPlots) {
      skipped++;
      continue;
    }
    bars.sort((a, b) => naturalCompare(a.label, b.label));
    const parts = ['bars', group.split('/').filter((p) => p !== '*').join('-')];
    await draw(group, 'bar', parts, () => barOption(group, bars));
  }
  return { plots, skipped, failed };
}
