import { describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../../src/shared/records';
import { binCount, isValueResultKey, sortRows, valueHistogram, valueRows, type ValueRow } from '../../../src/shared/charts/valueResults';
import { binLabel } from '../../../src/shared/charts/valueCharts';

const row = (value: number, mislabeled = false, index = 0): ValueRow => ({
  index, id: String(index), task: 't', rank: null, value, prompt: '', completion: '', mislabeled, corruption: null, originalCompletion: null, selected: false,
});

describe('value histogram', () => {
  it('puts a value on an inner edge in the upper bin and the maximum in the last bin', () => {
    // [0, 4] in 4 bins of width 1: 1 and 2 sit on edges, 4 is the maximum.
    const h = valueHistogram([row(0), row(1), row(2, true), row(2.5), row(4, true)], 4)!;
    expect(h.edges).toEqual([0, 1, 2, 3, 4]);
    expect(h.clean).toEqual([1, 1, 1, 0]);
    expect(h.mislabeled).toEqual([0, 0, 1, 1]);
    expect(binLabel(h, 0)).toBe('[0, 1)');
    expect(binLabel(h, 3)).toBe('[3, 4]');
  });

  it('counts every value once, in the bin whose edges hold it, for widths binary cannot hold exactly', () => {
    const rows = Array.from({ length: 31 }, (_, i) => row(i / 10 - 1.5, i % 3 === 0, i));
    const h = valueHistogram(rows, 30)!;
    // Brute force over the returned edges: [e_b, e_b+1), the last bin closed.
    const last = h.edges.length - 2;
    const inBin = (v: number, b: number) => v >= h.edges[b] && (b === last ? v <= h.edges[b + 1] : v < h.edges[b + 1]);
    const want = (bad: boolean) => h.clean.map((_, b) => rows.filter((r) => r.mislabeled === bad && inBin(r.value, b)).length);
    expect(h.clean).toEqual(want(false));
    expect(h.mislabeled).toEqual(want(true));
    expect(h.clean.reduce((a, b) => a + b, 0) + h.mislabeled.reduce((a, b) => a + b, 0)).toBe(31);
    expect(h.mislabeled.reduce((a, b) => a + b, 0)).toBe(11);
  });

  it('gives one bin when every value is equal, none when there are no values', () => {
    const h = valueHistogram([row(0.25), row(0.25, true)])!;
    expect(h.edges).toEqual([-0.25, 0.75]);
    expect([h.clean, h.mislabeled]).toEqual([[1], [1]]);
    expect(valueHistogram([])).toBeNull();
    expect([binCount(4), binCount(200), binCount(1e6)]).toEqual([5, 15, 40]);
  });
});

describe('value rows', () => {
  it('reads the contract fields, falls back to reward and train order, skips rows without a value', () => {
    const s = (reward: number | null, extra: Record<string, unknown>): SampleRecord => ({ runId: 'r', step: 0, prompt: 'p', completion: 'c', reward, extra });
    const rows = valueRows([
      s(0.3, { index: 5, value: 0.3, id: 'a:5', task: 'a', rank: 2, mislabeled: true, corruption: 'swap', original_completion: 'o', selected: false }),
      s(-0.1, {}),
      s(null, { task: 'x' }),
    ]);
    expect(rows.map((r) => [r.index, r.id, r.value, r.mislabeled, r.corruption, r.originalCompletion, r.rank])).toEqual([
      [5, 'a:5', 0.3, true, 'swap', 'o', 2],
      [1, '1', -0.1, false, null, null, null],
    ]);
    expect(sortRows([row(1, false, 0), row(-1, false, 1), row(1, false, 2)], 'value', 'desc').map((r) => r.index)).toEqual([0, 2, 1]);
  });

  it('claims only the value run figures for its own view', () => {
    expect(['value/auc_mislabel', 'value/compare/auc_influence', 'data/mislabeled', 'time/score_seconds'].every(isValueResultKey)).toBe(true);
    expect(['loss/train', 'perf/tokens_per_s', 'eval/compare/accuracy'].some(isValueResultKey)).toBe(false);
  });
});
