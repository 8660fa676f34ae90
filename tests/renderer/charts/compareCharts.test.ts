import { describe, expect, it } from 'vitest';
import type { EChartsOption } from 'echarts';
import type { MetricSeries } from '../../../src/shared/records';
import { compareBarOption, compareLineOption, escapeHtml, tooltipRowsAt } from '../../../src/renderer/src/charts/compareCharts';
import { PALETTES } from '../../../src/renderer/src/charts/palette';

const s = (key: string, steps: number[], values: number[]): MetricSeries => ({ key, steps, values, downsampled: false });
type AnySeries = { type: string; name: string; data: unknown[]; lineStyle?: { color?: string }; itemStyle?: { color?: string } };
const seriesOf = (o: EChartsOption) => o.series as unknown as AnySeries[];

describe('compare line option', () => {
  const a = s('loss', [1, 2, 3], [3, 2, 1]);
  const b = s('loss', [2, 4], [2.5, NaN]);

  it('draws one line per run that has the metric, named and coloured by run', () => {
    const o = compareLineOption([
      { label: 'run a', color: '#111111', series: a },
      { label: 'run x', color: '#222222' },
      { label: 'run b', color: '#333333', series: b },
    ], { palette: PALETTES.dark });
    const lines = seriesOf(o);
    expect(lines.map((l) => [l.name, l.lineStyle?.color, l.data])).toEqual([
      ['run a', '#111111', [[1, 3], [2, 2], [3, 1]]],
      ['run b', '#333333', [[2, 2.5], [4, null]]],
    ]);
    expect((o.legend as { show: boolean }).show).toBe(false);
  });

  it('smoothing keeps the run colours and adds faded raw lines', () => {
    const o = compareLineOption([{ label: 'a', color: '#2563eb', series: a }, { label: 'b', color: '#dc2626', series: b }], { smoothing: 0.5 });
    expect(seriesOf(o).map((l) => l.name)).toEqual(['a (raw)', 'a', 'b (raw)', 'b']);
    expect(seriesOf(o)[3].lineStyle?.color).toBe('#dc2626');
    // EMA with bias correction, by hand: s1 = 3, s2 = (0.5·0.5·3 + 0.5·2)/(1 − 0.25) = 2.333…
    expect((seriesOf(o)[1].data[1] as number[])[1]).toBeCloseTo(7 / 3, 12);
  });

  it('lists every run near the hovered step in the tooltip, even when their steps differ', () => {
    const drawn = [
      { label: 'a', color: '#1', points: [[0, 1], [10, 2], [20, 3]] as [number, number | null][] },
      { label: 'b', color: '#2', points: [[5, 7], [15, null], [25, 9]] as [number, number | null][] },
      { label: 'c', color: '#3', points: [[3, null]] as [number, number | null][] },
    ];
    expect(tooltipRowsAt(drawn, 14)).toEqual([
      { label: 'a', color: '#1', step: 10, value: 2 },
      { label: 'b', color: '#2', step: 5, value: 7 },
    ]);
    // Equidistant: the earlier step.
    expect(tooltipRowsAt(drawn, 15)[1]).toMatchObject({ step: 5, value: 7 });
    const o = compareLineOption([{ label: '<b>evil</b>', color: '#111111', series: a }, { label: 'two', color: '#222222', series: b }]);
    const fmt = (o.tooltip as { formatter: (p: unknown) => string }).formatter;
    const html = fmt([{ axisValue: 2 }]);
    expect(html).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(html).not.toContain('<b>evil');
    expect(html).toContain('two');
    expect(html).toContain('2.5');
    expect(escapeHtml(`a&"'`)).toBe('a&amp;&quot;&#39;');
  });
});

describe('compare bar option', () => {
  it('groups bars by category with one series per run in run order', () => {
    const o = compareBarOption(['arith', 'parity'], [
      { label: 'r1', color: '#aaaaaa', values: [0.5, 0.25] },
      { label: 'r2', color: '#bbbbbb', values: [0.75, null] },
    ], { percent: true });
    expect((o.xAxis as { data: string[] }).data).toEqual(['arith', 'parity']);
    expect(seriesOf(o).map((x) => [x.type, x.name, x.itemStyle?.color, x.data])).toEqual([
      ['bar', 'r1', '#aaaaaa', [0.5, 0.25]],
      ['bar', 'r2', '#bbbbbb', [0.75, null]],
    ]);
    expect(o.yAxis).toMatchObject({ min: 0, max: 1 });
    expect((o.tooltip as { trigger: string }).trigger).toBe('axis');
  });
});
