/**
 * Token Hidden Reward (THR) and THR-guided token advantages (ALGORITHMS.md §4).
 *
 * RECONSTRUCTION: §4 marks the exact THR formula as unverified (no public code; the qualitative
 * rules come from the abstract and reviews). What is implemented is the §4.1 learning-dynamics
 * kernel that the same group uses in NTHR / LLDS / For-Value, with the §4.3 recommended variant
 * as a knob; the normalisation constants are assumptions, recorded in the run log at start.
 *
 * For one group (G completions of a prompt) with sequence advantages A_i and its set C of
 * correct completions (correct and with a non-empty mask), from the old-policy scoring pass:
 *   h_{i,t}  final hidden state (the LM head's input) at the position predicting token y_{i,t}
 *   π_{i,t}  next-token distribution of softmax(logits / temperature)
 *   δ_{i,t}  = e_{y_{i,t}} − π_{i,t}, restricted to V* = the token ids sampled in the group
 *            (sliced, not renormalised, as NTHR §4.3 and For-Value §6.2)
 *   M_C      = Σ_{j∈C} c_j Σ_s δ_{j,s} h_{j,s}ᵀ            (|V*| × d)
 *   THR_{i,t} = a_i · δ_{i,t}ᵀ M_C h_{i,t}
 *            = a_i Σ_{j∈C} c_j Σ_s ⟨h_{i,t}, h_{j,s}⟩ ⟨δ_{i,t}, δ_{j,s}⟩
 * normalization 'length' (§4.1): a_i = A_i / |y_i|, c_j = 1 / |y_j|;
 * normalization 'none'   (§4.3 recommended): a_i = A_i, c_j = 1 (THR = A_j · s_{j,k} of NTHR).
 * THR > 0: the token's update pushes mass toward the correct responses (exploitation); < 0: it
 * takes mass from them (exploration). A group without a correct completion has THR 0.
 *
 * Reweighting (§4.2): A_{i,t} = A_i · (1 + p · sign(THR_{i,t})), p ∈ (−1, 1). The loss head's
 * `token_weights` input multiplies the clipped policy term per token; with w > 0 that equals
 * using the token advantage A_i·w (min(ρAw, clip(ρ)Aw) = w·min(ρA, clip(ρ)A)). With
 * top_fraction < 1 only the tokens with the largest |THR| (that share of the batch's masked
 * tokens) are reweighted, the rest keep weight 1 (§4.2 "apply only to the top-q fraction").
 */

import { THR_NORMALIZATIONS } from '../../shared/config/grpoScience';

export { THR_NORMALIZATIONS };
export type ThrNormalization = (typeof THR_NORMALIZATIONS)[number];

export interface ThrSpec {
  /** p in w = 1 + p·sign(THR); p > 0 exploitation (greedy / pass@1), p < 0 exploration (pass@K). */
  p: number;
  normalization: ThrNormalization;
  /** Share (0, 1] of the batch's masked tokens, by largest |THR|, that are reweighted. */
  topFraction: number;
}

export interface ThrInput {
  /** Completions per group; rows come as consecutive groups. */
  G: number;
  batch: number;
  seqLen: number;
  hiddenSize: number;
  /** float32 [batch, seqLen, hiddenSize]: final hidden states (LM head input) of the scoring pass. */
  hidden: Float32Array;
  /** [batch, seqLen]: the token each position predicts. */
  targets: BigInt64Array;
  /** [batch, seqLen]: log p_T(target) of the same pass (temperature-scaled). */
  logprobs: Float32Array;
  /** [batch, seqLen]: 1 on completion tokens that are trained on. */
  mask: Float32Array;
  /** [batch]: the sequence advantages trained on. */
  advantages: readonly number[];
  /** [batch]: the verifier's correctness. */
  correct: readonly boolean[];
  /** float32 [vocab, hiddenSize]: the LM head (the embeddings when tied). */
  lmHead: Float32Array;
  temperature: number;
}

export function checkThrSpec(s: ThrSpec): void {
  if (!(s.p > -1 && s.p < 1)) throw new Error(`thr.p: expected −1 < p < 1 (token weights 1 ± p stay positive), got ${s.p}`);
  if (!(THR_NORMALIZATIONS as readonly string[]).includes(s.normalization)) throw new Error(`thr.normalization: expected one of ${THR_NORMALIZATIONS.join(', ')}, got '${s.normalization}'`);
  if (!(s.topFraction > 0 && s.topFraction <= 1)) throw new Error(`thr.top_fraction: expected 0 < top_fraction ≤ 1, got ${s.topFraction}`);
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ao + k]! * b[bo + k]!;
  return s;
}

/** THR per position [batch·seqLen] (float64; 0 off the mask and in groups without signal). */
export function tokenHiddenRewards(x: ThrInput, normalization: ThrNormalization): Float64Array {
  const { G, batch: B, seqLen: T, hiddenSize: d } = x;
  if (B % G !== 0) throw new Error(`thr: ${B} rows do not split into groups of ${G}`);
  if (x.hidden.length !== B * T * d) throw new Error(`thr: hidden states have ${x.hidden.length} values, expected ${B}·${T}·${d}`);
  if (x.lmHead.length % d !== 0) throw new Error(`thr: the LM head has ${x.lmHead.length} values, not a multiple of hidden size ${d}`);
  const out = new Float64Array(B * T);
  const lengths = Array.from({ length: B }, (_, b) => {
    let n = 0;
    for (let t = 0; t < T; t++) n += x.mask[b * T + t]!;
    return n;
  });
  for (let g0 = 0; g0 < B; g0 += G) {
    const rows = Array.from({ length: G }, (_, k) => g0 + k).filter((b) => lengths[b]! > 0);
    const C = rows.filter((b) => x.correct[b]);
    if (C.length === 0 || rows.every((b) => x.advantages[b] === 0)) continue;
    // V*: token ids sampled in the group (every masked target)
    const vocab: number[] = [];
    const slot = new Map<number, number>();
    for (const b of rows) {
      for (let t = 0; t < T; t++) {
        if (!x.mask[b * T + t]) continue;
        const y = Number(x.targets[b * T + t]);
        if (!slot.has(y)) {
          slot.set(y, vocab.length);
          vocab.push(y);
        }
      }
    }
    const V = vocab.length;
    // δ restricted to V* at one position: π_v = exp((⟨h, W_v⟩ − ⟨h, W_y⟩)/T + log p(y)); computed once per position
    const cache = new Map<number, Float64Array>();
    const delta = (b: number, t: number): Float64Array => {
      const hit = cache.get(b * T + t);
      if (hit) return hit;
      const dl = computeDelta(b, t);
      cache.set(b * T + t, dl);
      return dl;
    };
    const computeDelta = (b: number, t: number): Float64Array => {
      const p = b * T + t;
      const ho = p * d;
      const y = Number(x.targets[p]);
      const ly = dot(x.hidden, ho, x.lmHead, y * d, d);
      const dl = new Float64Array(V);
      for (let v = 0; v < V; v++) dl[v] = -Math.exp((dot(x.hidden, ho, x.lmHead, vocab[v]! * d, d) - ly) / x.temperature + x.logprobs[p]!);
      dl[slot.get(y)!]! += 1;
      return dl;
    };
    // M_C = Σ_{j∈C} c_j Σ_s δ_{j,s} h_{j,s}ᵀ, row-major [V, d]
    const M = new Float64Array(V * d);
    for (const j of C) {
      const c = normalization === 'length' ? 1 / lengths[j]! : 1;
      for (let s = 0; s < T; s++) {
        if (!x.mask[j * T + s]) continue;
        const dl = delta(j, s);
        const ho = (j * T + s) * d;
        for (let v = 0; v < V; v++) {
          const f = c * dl[v]!;
          if (f === 0) continue;
          const mo = v * d;
          for (let k = 0; k < d; k++) M[mo + k]! += f * x.hidden[ho + k]!;
        }
      }
    }
    for (const i of rows) {
      const A = x.advantages[i]!;
      if (A === 0) continue;
      const a = normalization === 'length' ? A / lengths[i]! : A;
      for (let t = 0; t < T; t++) {
        if (!x.mask[i * T + t]) continue;
        const dl = delta(i, t);
        const ho = (i * T + t) * d;
        let s = 0;
        for (let v = 0; v < V; v++) {
          const mo = v * d;
          let mh = 0;
          for (let k = 0; k < d; k++) mh += M[mo + k]! * x.hidden[ho + k]!;
          s += dl[v]! * mh;
        }
        out[i * T + t] = a * s;
      }
    }
  }
  return out;
}

/** The masked positions' indices, by decreasing |THR| (ties: lower index first). */
function byMagnitude(thr: Float64Array, mask: Float32Array): number[] {
  const idx: number[] = [];
  for (let p = 0; p < mask.length; p++) if (mask[p]) idx.push(p);
  return idx.sort((a, b) => Math.abs(thr[b]!) - Math.abs(thr[a]!) || a - b);
}

/**
 * Token weights [batch·seqLen] for the loss head: 1 + p·sign(THR) on the reweighted tokens (the
 * top_fraction of masked tokens by |THR|, THR ≠ 0), 1 elsewhere.
 */
export function thrTokenWeights(thr: Float64Array, mask: Float32Array, spec: ThrSpec): Float32Array {
  checkThrSpec(spec);
  const w = new Float32Array(thr.length).fill(1);
  const order = byMagnitude(thr, mask);
  const n = Math.ceil(spec.topFraction * order.length);
  for (const p of order.slice(0, n)) if (thr[p] !== 0) w[p] = 1 + spec.p * Math.sign(thr[p]!);
  return w;
}

/** Value at quantile q (linear interpolation) of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The thr/ metrics of a batch (§4.2 "Log"): sign fractions and mean |THR| over masked tokens, the
 * share of the total |THR| held by the top 1% and 10% of tokens (at least one token each), the
 * share of tokens reweighted, THR quantiles and (with `entropy`) the THR–entropy overlap (the histogram's outline per step; the full
 * histogram goes to thrHistogram).
 */
export function thrMetrics(thr: Float64Array, mask: Float32Array, weights: Float32Array, entropy?: Float32Array): Record<string, number> {
  const order = byMagnitude(thr, mask);
  const n = order.length;
  if (n === 0) return {};
  const abs = order.map((p) => Math.abs(thr[p]!));
  const total = abs.reduce((a, b) => a + b, 0);
  const topShare = (f: number) => (total > 0 ? abs.slice(0, Math.max(1, Math.ceil(f * n))).reduce((a, b) => a + b, 0) / total : 0);
  const values = order.map((p) => thr[p]!).sort((a, b) => a - b);
  return {
    'thr/positive_fraction': values.filter((v) => v > 0).length / n,
    'thr/negative_fraction': values.filter((v) => v < 0).length / n,
    'thr/mean_abs': total / n,
    'thr/top1_mass': topShare(0.01),
    'thr/top10_mass': topShare(0.1),
    'thr/reweighted_fraction': order.filter((p) => weights[p] !== 1).length / n,
    'thr/q05': quantile(values, 0.05),
    'thr/q25': quantile(values, 0.25),
    'thr/median': quantile(values, 0.5),
    'thr/q75': quantile(values, 0.75),
    'thr/q95': quantile(values, 0.95),
    ...(entropy ? { 'thr/entropy_overlap': entropyOverlap(order, entropy) } : {}),
  };
}

/**
 * §4.2: high-|THR| tokens overlap high-entropy tokens. The share of the top 10% of masked tokens by
 * |THR| (`order`, at least one) that are also in the top 10% by entropy (ties in entropy: lower
 * position first). 0.1 is what unrelated rankings give on average.
 */
export function entropyOverlap(order: readonly number[], entropy: Float32Array): number {
  const n = Math.max(1, Math.ceil(0.1 * order.length));
  const byEntropy = [...order].sort((a, b) => entropy[b]! - entropy[a]! || a - b);
  const top = new Set(byEntropy.slice(0, n));
  return order.slice(0, n).filter((p) => top.has(p)).length / n;
}

export interface ThrHistogram {
  /** bins + 1 edges, symmetric around 0 over [−max|THR|, max|THR|]. */
  edges: number[];
  counts: number[];
}

/** Histogram of the masked tokens' THR in `bins` equal bins (the last edge inclusive). */
export function thrHistogram(thr: Float64Array, mask: Float32Array, bins = 20): ThrHistogram {
  let max = 0;
  for (let p = 0; p < mask.length; p++) if (mask[p]) max = Math.max(max, Math.abs(thr[p]!));
  const lim = max > 0 ? max : 1;
  const edges = Array.from({ length: bins + 1 }, (_, k) => -lim + (2 * lim * k) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const k = Math.min(bins - 1, Math.floor(((thr[p]! + lim) / (2 * lim)) * bins));
    counts[k]!++;
  }
  return { edges, counts };
}

/** Each row's THR over its masked positions, in order (what a sample row stores per completion token). */
export function rowThr(thr: Float64Array, mask: Float32Array, row: number, seqLen: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < seqLen; t++) if (mask[row * seqLen + t]) out.push(thr[row * seqLen + t]!);
  return out;
}
