/**
 * Equal-width histogram of finite values: `bins` bins from the lowest to the highest value, the
 * highest value in the last bin. When every value is the same the single value sits in the
 * middle of a unit-wide range.
 */
export interface Histogram {
  lower: number;
  width: number;
  counts: number[];
}

export function histogram(values: readonly number[], bins: number): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram: expected bins ≥ 1, got ${bins}`);
  const finite = values.filter((v) => Number.isFinite(v));
  const counts = new Array<number>(bins).fill(0);
  if (finite.length === 0) return { lower: 0, width: 1 / bins, counts };
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(lo))) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  return { lower: lo, width, counts };
}
