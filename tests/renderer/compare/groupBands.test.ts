import { describe, expect, it } from 'vitest';
import { groupRunsBy, meanStdBand } from '../../../src/renderer/src/compare/groupBands';
import { bandChartOption } from '../../../src/renderer/src/charts/bandChart';

const s = (key: string, steps: number[], values: number[]) => ({ key, steps, values, downsampled: false });

describe('grouping runs by a config field', () => {
  it('splits runs by the field value in order of first appearance; a run without it is —', () => {
    const runs = [
      { id: 'a', config: { training: { seed: 1, lr: 0.1 } } },
      { id: 'b', config: { training: { seed: 2, lr: 0.1 } } },
      { id: 'c', config: { training: { seed: 3, lr: 0.2 } } },
      { id: 'd', config: { training: {} } },
    ];
    expect(groupRunsBy(runs, 'training.lr')).toEqual([
      { value: '0.1', runIds: ['a', 'b'] },
      { value: '0.2', runIds: ['c'] },
      { value: '—', runIds: ['d'] },
    ]);
  });

  it('gives mean and sample std per step (hand-worked), skipping non-finite values', () => {
    const band = meanStdBand([s('loss', [1, 2, 3], [1, 2, 6]), s('loss', [1, 2], [3, 4]), s('loss', [1, 3], [5, NaN])]);
    expect(band.steps).toEqual([1, 2, 3]);
    // step 1: 1, 3, 5 → mean 3, std sqrt((4 + 0 + 4) / 2) = 2; step 2: 2, 4 → 3, sqrt(2); step 3: only 6.
    expect(band.mean).toEqual([3, 3, 6]);
    expect(band.std[0]).toBeCloseTo(2, 12);
    expect(band.std[1]).toBeCloseTo(Math.SQRT2, 12);
    expect(band.std[2]).toBe(0);
    expect(band.n).toEqual([3, 2, 1]);
  });

  it('draws a mean line and a stacked ±std band per group', () => {
    const band = meanStdBand([s('loss', [1, 2], [1, 3]), s('loss', [1, 2], [3, 5])]);
    const o = bandChartOption([{ label: 'seed=1', color: '#2563eb', band }]);
    const series = o.series as { name: string; stack?: string; data: [number, number][]; areaStyle?: unknown }[];
    const lower = series.find((x) => x.name === 'seed=1 −std')!;
    const width = series.find((x) => x.name === 'seed=1 ±std')!;
    const mean = series.find((x) => x.name === 'seed=1')!;
    expect(lower.stack).toBe(width.stack);
    expect(mean.data).toEqual([[1, 2], [2, 4]]);
    expect(lower.data.map((p) => p[1])).toEqual([2 - Math.SQRT2, 4 - Math.SQRT2]);
    expect(width.data.map((p) => p[1])).toEqual([2 * Math.SQRT2, 2 * Math.SQRT2]);
    expect(width.areaStyle).toBeTruthy();
  });
});
