import { describe, expect, it } from 'vitest';
import { lttb, lttbIndices } from '../../../src/renderer/src/charts/lttb';

/** Brute force: for each bucket, every candidate's triangle area against the kept point before
 * and the next bucket's mean, computed independently with the shoelace formula. */
function bruteForce(xs: number[], ys: number[], threshold: number): number[] {
  const n = xs.length;
  const size = (n - 2) / (threshold - 2);
  const keep = [0];
  for (let b = 0; b < threshold - 2; b++) {
    const lo = 1 + Math.floor(b * size);
    const hi = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    const nhi = b === threshold - 3 ? n : Math.min(n - 1, 1 + Math.floor((b + 2) * size));
    const next = Array.from({ length: nhi - hi }, (_, j) => hi + j);
    const cx = next.reduce((s, j) => s + xs[j], 0) / next.length;
    const cy = next.reduce((s, j) => s + ys[j], 0) / next.length;
    const a = keep[keep.length - 1];
    let best = lo;
    let bestArea = -1;
    for (let i = lo; i < hi; i++) {
      const area = 0.5 * Math.abs(xs[a] * (ys[i] - cy) + xs[i] * (cy - ys[a]) + cx * (ys[a] - ys[i]));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    keep.push(best);
  }
  keep.push(n - 1);
  return keep;
}

describe('LTTB down-sampling', () => {
  it('keeps everything when the series is short enough', () => {
    expect(lttbIndices([1, 2, 3], [4, 5, 6], 10)).toEqual([0, 1, 2]);
  });

  it('picks in every bucket the point of largest triangle (brute force check)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 1003;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((x) => Math.sin(x / 40) + (rnd() - 0.5) * 0.3);
    for (const t of [3, 10, 97, 500]) {
      const got = lttbIndices(xs, ys, t);
      expect(got).toHaveLength(t);
      expect(got).toEqual(bruteForce(xs, ys, t));
    }
  });

  it('keeps the first and last point and a lone spike', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const ys = xs.map((x) => (x === 6543 ? 100 : 0));
    const out = lttb(xs, ys, 200);
    expect(out.steps[0]).toBe(0);
    expect(out.steps[out.steps.length - 1]).toBe(9999);
    expect(out.values).toContain(100);
    expect(out.steps[out.values.indexOf(100)]).toBe(6543);
  });

  it('keeps a gap (non-finite value) so the line is not bridged', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const ys = xs.map((x) => (x >= 400 && x < 420 ? NaN : x % 17));
    const out = lttb(xs, ys, 50);
    expect(out.values.some((v) => Number.isNaN(v))).toBe(true);
    expect(out.steps).toEqual([...out.steps].sort((a, b) => a - b));
  });
});
