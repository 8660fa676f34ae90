/**
 * Compare grouped runs: per group a mean line and a shaded mean ± std band (a transparent lower
 * edge with the band's width stacked on it), in the group's colour. A pure function like
 * charts/lineChart.ts, whose axes and tooltip it reuses.
 */
import type { EChartsOption } from 'echarts';
import type { Band } from '../compare/groupBands';
import { lineChartOption, seriesPoints } from './lineChart';
import { PALETTES, type ChartPalette } from './palette';

export interface BandLine {
  label: string;
  color: string;
  band: Band;
}

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  return m ? `#${m[1]}${Math.round(alpha * 255).toString(16).padStart(2, '0')}` : hex;
}

export function bandChartOption(groups: readonly BandLine[], opts: { palette?: ChartPalette; logY?: boolean } = {}): EChartsOption {
  const pal = opts.palette ?? PALETTES.light;
  const present = groups.filter((g) => g.band.steps.length > 0);
  const base = lineChartOption(
    present.map((g) => ({ key: g.label, steps: g.band.steps, values: g.band.mean, downsampled: false })),
    { palette: { ...pal, series: present.map((g) => g.color) }, logY: opts.logY },
  );
  const series: NonNullable<EChartsOption['series']> = [];
  present.forEach((g, i) => {
    const lower = g.band.mean.map((m, j) => m - g.band.std[j]);
    const width = g.band.std.map((s) => 2 * s);
    const stack = `band-${i}`;
    series.push(
      { type: 'line', name: `${g.label} −std`, stack, data: seriesPoints(g.band.steps, lower), showSymbol: false, lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false }, z: 1 },
      { type: 'line', name: `${g.label} ±std`, stack, data: seriesPoints(g.band.steps, width), showSymbol: false, lineStyle: { opacity: 0 }, areaStyle: { color: withAlpha(g.color, 0.18) }, silent: true, tooltip: { show: false }, z: 1 },
    );
  });
  return { ...base, series: [...series, ...((base.series ?? []) as object[])] as EChartsOption['series'] };
}
