/**
 * Exponential moving average with bias correction (the "smoothing" slider researchers know
 * from TensorBoard): s_t = w·s_{t-1} + (1−w)·x_t, divided by (1 − w^t) so the start is not
 * pulled towards 0. weight 0 returns the input. Non-finite values pass through unsmoothed and
 * do not disturb the average.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return values.slice();
  const w = Math.min(weight, 0.999);
  const out: number[] = [];
  let acc = 0;
  let n = 0;
  for (const x of values) {
    if (!Number.isFinite(x)) {
      out.push(x);
      continue;
    }
    n++;
    acc = w * acc + (1 - w) * x;
    out.push(acc / (1 - w ** n));
  }
  return out;
}
