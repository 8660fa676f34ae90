import { describe, expect, it } from 'vitest';
import type { EChartsOption } from 'echarts';
import type { MetricSeries } from '../../../src/shared/records';
import {
  compareKnobValues, finalTaskAccuracies, formatPercent, isEvalResultKey, knobBreakdowns, parseBreakdownKey,
} from '../../../src/shared/charts/evalResults';
import { barChartOption } from '../../../src/renderer/src/charts/lineChart';

const s = (key: string, steps: number[], values: number[]): MetricSeries => ({ key, steps, values, downsampled: false });
const map = (...xs: MetricSeries[]) => Object.fromEntries(xs.map((x) => [x.key, x]));

describe('eval results from metric series', () => {
  it('parses breakdown keys at the first slash and the first equals sign', () => {
    expect(parseBreakdownKey('breakdown/parity/length=11')).toEqual({ task: 'parity', knob: 'length', value: '11' });
    expect(parseBreakdownKey('breakdown/word_problems/template=a=b/c')).toEqual({ task: 'word_problems', knob: 'template', value: 'a=b/c' });
    expect(parseBreakdownKey('breakdown/parity/length')).toBeNull();
    expect(parseBreakdownKey('eval/parity/accuracy')).toBeNull();
    expect(isEvalResultKey('eval/parity/pass@1')).toBe(true);
    expect(isEvalResultKey('loss/train')).toBe(false);
  });

  it('takes the last finite accuracy of each task, in the config order', () => {
    const series = map(
      s('eval/parity/accuracy', [0], [0.5]),
      s('eval/arithmetic/accuracy', [100, 200, 300], [0.1, 0.4, NaN]),
      s('eval/arithmetic/pass@1', [0], [0.9]),
      s('eval/zeta/accuracy', [0], [1]),
      s('loss/train', [0], [2]),
    );
    expect(finalTaskAccuracies(series, ['parity', 'arithmetic'])).toEqual([
      { task: 'parity', accuracy: 0.5, step: 0 },
      { task: 'arithmetic', accuracy: 0.4, step: 200 },
      { task: 'zeta', accuracy: 1, step: 0 },
    ]);
  });

  it('groups breakdowns per task and knob with values in natural order', () => {
    const series = map(
      s('breakdown/parity/length=11', [0], [1]),
      s('breakdown/parity/length=2', [0], [0]),
      s('breakdown/parity/length=8', [0], [0.5]),
      s('breakdown/parity/ood=true', [0], [0.25]),
      s('breakdown/parity/ood=false', [0], [0.75]),
      s('breakdown/arithmetic/digits=3', [0], [0.2]),
    );
    expect(knobBreakdowns(series, ['arithmetic', 'parity'])).toEqual([
      { task: 'arithmetic', knob: 'digits', values: [{ value: '3', accuracy: 0.2 }] },
      { task: 'parity', knob: 'length', values: [{ value: '2', accuracy: 0 }, { value: '8', accuracy: 0.5 }, { value: '11', accuracy: 1 }] },
      { task: 'parity', knob: 'ood', values: [{ value: 'false', accuracy: 0.75 }, { value: 'true', accuracy: 0.25 }] },
    ]);
    expect(['b', '10', 'a', '9', '-1'].sort(compareKnobValues)).toEqual(['-1', '9', '10', 'a', 'b']);
  });

  it('writes accuracies as percentages', () => {
    expect(formatPercent(0.75)).toBe('75%');
    expect(formatPercent(1 / 3)).toBe('33.3%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(NaN)).toBe('—');
  });

  it('bar options hold a fixed 0–1 axis and label each bar with the formatted value', () => {
    const o = barChartOption(['a', 'b'], [0.5, 1], { min: 0, max: 1, format: formatPercent, labels: true, seriesName: 'accuracy' });
    const x = o.xAxis as { min: number; max: number; name?: string; axisLabel: { formatter(v: number): string } };
    expect([x.min, x.max, x.name]).toEqual([0, 1, undefined]);
    expect(x.axisLabel.formatter(0.2)).toBe('20%');
    const bar = (o.series as { name: string; data: number[]; label: { show: boolean; formatter(p: { value: number }): string } }[])[0];
    expect(bar.name).toBe('accuracy');
    expect(bar.data).toEqual([1, 0.5]);
    expect(bar.label.show).toBe(true);
    expect(bar.label.formatter({ value: 0.5 })).toBe('50%');
    expect(((barChartOption(['a'], [3]) as EChartsOption).series as { label: { show: boolean } }[])[0].label.show).toBe(false);
  });
});
