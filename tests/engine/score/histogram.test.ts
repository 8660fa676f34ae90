import { describe, expect, it } from 'vitest';
import { histogram } from '../../../src/engine/score/histogram';

/** Brute force: count values v with lower_i ≤ v < upper_i (the maximum in the last bin). */
function bruteCounts(values: number[], lo: number, width: number, bins: number): number[] {
  return Array.from({ length: bins }, (_, i) => values.filter((v) => (i === bins - 1 ? v >= lo + i * width - 1e-12 : v >= lo + i * width - 1e-12 && v < lo + (i + 1) * width - 1e-12)).length);
}

describe('histogram', () => {
  it('hand-worked case: 0, 1, 1, 2, 4 in 4 bins of width 1', () => {
    expect(histogram([0, 1, 1, 2, 4], 4)).toEqual({ lower: 0, width: 1, counts: [1, 2, 1, 1] });
  });

  it('equals brute-force counting on random values; counts add up to the finite values', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const bins of [2, 7, 30]) {
      const values = Array.from({ length: 200 }, () => -40 * rnd() - 1);
      const h = histogram([...values, NaN, Infinity], bins);
      expect(h.lower).toBe(Math.min(...values));
      expect(h.lower + bins * h.width).toBeCloseTo(Math.max(...values), 9);
      expect(h.counts).toEqual(bruteCounts(values, h.lower, h.width, bins));
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(200);
    }
  });

  it('all values equal: one unit-wide range around them; no values: empty counts', () => {
    expect(histogram([-3, -3, -3], 2)).toEqual({ lower: -3.5, width: 0.5, counts: [0, 3] });
    expect(histogram([], 3).counts).toEqual([0, 0, 0]);
    expect(() => histogram([1], 0)).toThrow(/expected bins ≥ 1/);
  });
});
