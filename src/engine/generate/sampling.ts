/**
 * Next-token sampling from one row of logits, pure and seeded (src/engine/random.ts), in the
 * order HF `generate` applies its warpers: temperature, then top-k, then top-p (nucleus,
 * Holtzman et al. 2020). Temperature 0 is greedy (argmax, first index on ties) and draws no
 * random number, so greedy decoding never disturbs a row's random stream.
 */
import type { Rng } from '../random';

export interface SamplerOptions {
  /** 0 = greedy; otherwise logits are divided by it. Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens; 0 or undefined = all. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 = all. */
  topP?: number;
}

export function validateSampler(o: SamplerOptions): void {
  const t = o.temperature ?? 1;
  if (!(Number.isFinite(t) && t >= 0)) throw new Error(`temperature: expected a number ≥ 0, found ${t}`);
  const k = o.topK ?? 0;
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`top_k: expected a whole number ≥ 0 (0 = off), found ${k}`);
  const p = o.topP ?? 1;
  if (!(Number.isFinite(p) && p > 0 && p <= 1)) throw new Error(`top_p: expected a number in (0, 1], found ${p}`);
}

/** Index of the largest value (first on ties). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** log softmax(x)[k] in float64. */
export function logSoftmaxAt(x: ArrayLike<number>, k: number): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > m) m = x[i]!;
  let z = 0;
  for (let i = 0; i < x.length; i++) z += Math.exp(x[i]! - m);
  return x[k]! - m - Math.log(z);
}

/**
 * The distribution sampling draws from (float64, sums to 1, zeros outside the kept set). With
 * temperature 0 it is one-hot on the argmax.
 *
 * The kept set is the prefix of the vocabulary ordered by probability (descending, ties by
 * lower index): the first k for top-k, then the shortest prefix of those whose renormalised
 * mass reaches p for top-p. That prefix is found without sorting: a selection (quickselect
 * under the same order) partitions the candidates around a pivot and keeps the side where the
 * k-th token, or the token at which the cumulative mass crosses p, lies — expected linear time
 * in the vocabulary instead of the V·log V of a full sort.
 */
export function samplingDistribution(logits: ArrayLike<number>, o: SamplerOptions = {}): Float64Array {
  validateSampler(o);
  const V = logits.length;
  const p = new Float64Array(V);
  const t = o.temperature ?? 1;
  if (t === 0) {
    p[argmax(logits)] = 1;
    return p;
  }
  let m = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i]! > m) m = logits[i]!;
  let z = 0;
  for (let i = 0; i < V; i++) z += p[i] = Math.exp((logits[i]! - m) / t);
  for (let i = 0; i < V; i++) p[i]! /= z;
  const k = o.topK ?? 0;
  const topP = o.topP ?? 1;
  if (!((k > 0 && k < V) || topP < 1)) return p;

  const cand = new Int32Array(V);
  for (let i = 0; i < V; i++) cand[i] = i;
  let keep = k > 0 ? Math.min(k, V) : V;
  if (keep < V) selectFirst(p, cand, keep);
  let kept = 0;
  for (let i = 0; i < keep; i++) kept += p[cand[i]!]!;
  if (topP < 1) {
    // top-p reads the distribution renormalised over what top-k kept (as HF chains its warpers);
    // the smallest prefix whose renormalised mass reaches p, always at least one token.
    keep = prefixReaching(p, cand, keep, (topP - 1e-12) * kept);
    kept = 0;
    for (let i = 0; i < keep; i++) kept += p[cand[i]!]!;
  }
  const out = new Float64Array(V);
  for (let i = 0; i < keep; i++) out[cand[i]!] = p[cand[i]!]! / kept;
  return out;
}

/** The sampling order: a before b when more likely, or equally likely and a lower index. */
const before = (p: Float64Array, a: number, b: number): boolean => p[a]! > p[b]! || (p[a] === p[b] && a < b);

/**
 * Partition cand[lo..hi] around a pivot chosen as the median of three: on return the pivot sits
 * at the returned position, everything before it in the order on its left and after on its right.
 */
function partition(p: Float64Array, cand: Int32Array, lo: number, hi: number): number {
  const mid = (lo + hi) >>> 1;
  const a = cand[lo]!;
  const b = cand[mid]!;
  const c = cand[hi]!;
  // median of three under the order, moved to hi
  const med = before(p, a, b) ? (before(p, b, c) ? mid : before(p, a, c) ? hi : lo) : before(p, a, c) ? lo : before(p, b, c) ? hi : mid;
  const pivot = cand[med]!;
  cand[med] = cand[hi]!;
  cand[hi] = pivot;
  let store = lo;
  for (let i = lo; i < hi; i++) {
    const x = cand[i]!;
    if (before(p, x, pivot)) {
      cand[i] = cand[store]!;
      cand[store++] = x;
    }
  }
  cand[hi] = cand[store]!;
  cand[store] = pivot;
  return store;
}

/** Reorder cand so its first n entries are the first n of the order (in some order). */
function selectFirst(p: Float64Array, cand: Int32Array, n: number): void {
  let lo = 0;
  let hi = cand.length - 1;
  while (lo < hi) {
    const q = partition(p, cand, lo, hi);
    if (q === n - 1 || q === n) return;
    if (q > n) hi = q - 1;
    else lo = q + 1;
  }
}

/**
 * Among cand[0..n), the length of the shortest prefix of the order whose mass reaches `target`
 * (at least 1; n when even all of them fall short by rounding); cand is reordered so that prefix
 * comes first. The same selection as selectFirst, steered by the mass left of the pivot.
 */
function prefixReaching(p: Float64Array, cand: Int32Array, n: number, target: number): number {
  let lo = 0;
  let hi = n - 1;
  let massBefore = 0; // mass of cand[0..lo), all of which precede cand[lo..hi] in the order
  while (lo <= hi) {
    if (lo === hi) return lo + 1;
    const q = partition(p, cand, lo, hi);
    let left = 0;
    for (let i = lo; i < q; i++) left += p[cand[i]!]!;
    if (q > lo && massBefore + left >= target) {
      hi = q - 1;
    } else if (massBefore + left + p[cand[q]!]! >= target) {
      return q + 1;
    } else {
      massBefore += left + p[cand[q]!]!;
      lo = q + 1;
    }
  }
  return n;
}

/** Draw one token id from `logits` with the options; greedy draws nothing from `rng`. */
export function sampleToken(logits: ArrayLike<number>, o: SamplerOptions, rng: Rng): number {
  if ((o.temperature ?? 1) === 0) return argmax(logits);
  const p = samplingDistribution(logits, o);
  const u = rng.nextFloat();
  let cum = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    last = i;
    cum += p[i]!;
    if (u < cum) return i;
  }
  return last; // rounding: u above the float sum of p
}
