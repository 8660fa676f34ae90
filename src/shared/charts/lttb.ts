/**
 * Largest-Triangle-Three-Buckets down-sampling for drawing: a long series is cut into
 * `threshold − 2` equal-count buckets between its first and last point; from each bucket the
 * point that forms the largest triangle with the point kept from the previous bucket and the
 * mean of the next bucket is kept. The shape (peaks, trend changes) survives at a few points
 * per pixel, so a chart costs the same whether the run logged 2k or 100k steps.
 * Non-finite values are gaps on a chart: a bucket keeps its first gap as well, so a line does
 * not bridge over missing data.
 */

/** Indices of the points to keep, ascending: all of them when n ≤ threshold. */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = Math.min(xs.length, ys.length);
  if (threshold >= n || n <= 2) return Array.from({ length: n }, (_, i) => i);
  if (threshold < 3) throw new Error(`LTTB needs a threshold ≥ 3, got ${threshold}`);
  const buckets = threshold - 2;
  const size = (n - 2) / buckets;
  const keep: number[] = [0];
  let a = 0;
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor(b * size);
    const hi = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    // Mean of the next bucket (the last point for the last bucket).
    const nlo = hi;
    const nhi = b === buckets - 1 ? n : Math.min(n - 1, 1 + Math.floor((b + 2) * size));
    let mx = 0;
    let my = 0;
    let m = 0;
    for (let j = nlo; j < nhi; j++) {
      if (!Number.isFinite(ys[j])) continue;
      mx += xs[j];
      my += ys[j];
      m++;
    }
    if (m) {
      mx /= m;
      my /= m;
    } else {
      mx = xs[nhi - 1];
      my = Number.isFinite(ys[a]) ? ys[a] : 0;
    }
    const ax = xs[a];
    const ay = Number.isFinite(ys[a]) ? ys[a] : my;
    let best = -1;
    let bestArea = -1;
    let gap = -1;
    for (let i = lo; i < hi; i++) {
      const y = ys[i];
      if (!Number.isFinite(y)) {
        if (gap < 0) gap = i;
        continue;
      }
      const area = Math.abs((ax - mx) * (y - ay) - (ax - xs[i]) * (my - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    if (gap >= 0 && best >= 0) keep.push(Math.min(gap, best), Math.max(gap, best));
    else if (best >= 0) keep.push(best);
    else if (gap >= 0) keep.push(gap);
    if (best >= 0) a = best;
    else if (gap >= 0) a = gap;
  }
  keep.push(n - 1);
  return keep;
}

/** Down-sample parallel step/value arrays to about `threshold` points (LTTB). */
export function lttb(steps: readonly number[], values: readonly number[], threshold: number): { steps: number[]; values: number[] } {
  const idx = lttbIndices(steps, values, threshold);
  if (idx.length === steps.length) return { steps: steps.slice(), values: values.slice() };
  return { steps: idx.map((i) => steps[i]), values: idx.map((i) => values[i]) };
}
