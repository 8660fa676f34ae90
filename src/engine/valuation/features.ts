/**
 * For-Value features (ALGORITHMS.md §6.1–6.2): one forward of the frozen decoder per batch of
 * sequences, fetching the final normed hidden states h_t (the LM head's input) and the logits,
 * then for every scored position t (a completion token or the closing <eos>, as the SFT loss
 * counts them)
 *
 *   p_t = softmax(logits_t)   δ_t = onehot(y_t) − p_t   (restricted to a vocabulary subset U)
 *   Φ = Σ_t δ_t h_tᵀ  (|U| × d)      and the sums Σ_t h_t, Σ_t δ_t (the factorised score)
 *
 * Φ is exactly d log p(y | x) / d W_U for an untied LM head W (rows U). Softmax and products
 * run in float64 on the float32 forward outputs; p always uses the full log-sum-exp over V.
 */
import { buildDecoder } from '../model/decoder';
import type { DecoderConfig } from '../model/config';
import type { DecoderWeights } from '../model/weights';
import type { EncodedSequence } from '../data/batches';
import { openSession, serialize, type GraphSession, type SessionSettings } from '../onnx';
import type { ValueMethod } from '../../shared/config/value';

export interface FeatureOptions {
  method: ValueMethod;
  /** total_unique: the sorted token ids of U (see collectVocabulary). */
  vocabulary?: Int32Array | null;
  /** topk_unique: U = union over the kept positions of the `topk` highest-logit ids (ties → lower id). */
  topk?: number;
  /** Keep the ceil(r·n) scored positions with the lowest p(y_t) (ties → earlier position); 1 = all. */
  lowestLikelihoodRatio?: number;
  /** Build Φ; false keeps only the sums (the factorised score needs no more). Default true. */
  phi?: boolean;
}

export interface SampleFeatures {
  /** The sequence's vocabulary subset U, ascending token ids. */
  rows: Int32Array;
  /** Φ restricted to U: [rows.length, d] row-major, Φ[r] = Σ_t δ_t[rows[r]] h_t. Null when not built. */
  phi: Float64Array | null;
  /** Σ_t h_t over the kept positions. */
  hSum: Float64Array;
  /** Σ_t δ_t[rows[r]] over the kept positions. */
  deltaSum: Float64Array;
  /** Scored positions kept (after lowest_likelihood_ratio). */
  positions: number;
  /** Mean log p(y_t) over all scored positions (before the likelihood filter). */
  meanLogProb: number;
}

/** Ascending unique token ids of all sequences (total_unique's U, from train + validation texts). */
export function collectVocabulary(seqs: readonly EncodedSequence[]): Int32Array {
  const set = new Set<number>();
  for (const s of seqs) for (const id of s.ids) set.add(id);
  return Int32Array.from([...set].sort((a, b) => a - b));
}

/** Index of `id` in ascending `rows`, or −1. */
export function rowOf(rows: Int32Array, id: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = rows[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The k largest entries of logits[off … off+V) by value, ties → lower id. */
function topIds(logits: ArrayLike<number>, off: number, V: number, k: number): number[] {
  const ids: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < V; u++) {
    const v = logits[off + u]!;
    if (ids.length === k && !(v > vals[k - 1]!)) continue;
    let at = ids.length === k ? k - 1 : ids.length;
    while (at > 0 && v > vals[at - 1]!) at--;
    ids.splice(at, 0, u);
    vals.splice(at, 0, v);
    if (ids.length > k) {
      ids.pop();
      vals.pop();
    }
  }
  return ids;
}

/**
 * Features of one sequence from the rows of its scored positions: `hidden` [n, d] and `logits`
 * [n, V] (row i belongs to position i, whose observed next token is targets[i]).
 */
export function sequenceFeatures(
  input: { hidden: ArrayLike<number>; logits: ArrayLike<number>; targets: readonly number[]; d: number; V: number },
  o: FeatureOptions,
): SampleFeatures {
  const { hidden, logits, targets, d, V } = input;
  const n = targets.length;
  // log-sum-exp and log p(y_t) per position, in float64
  const lse = new Float64Array(n);
  const logpY = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const off = t * V;
    let m = -Infinity;
    for (let u = 0; u < V; u++) m = Math.max(m, logits[off + u]!);
    let s = 0;
    for (let u = 0; u < V; u++) s += Math.exp(logits[off + u]! - m);
    lse[t] = m + Math.log(s);
    const y = targets[t]!;
    if (!(y >= 0 && y < V)) throw new Error(`valuation: target token ${y} is outside the model's vocabulary of ${V}`);
    logpY[t] = logits[off + y]! - lse[t]!;
  }
  let meanLogProb = 0;
  for (let t = 0; t < n; t++) meanLogProb += logpY[t]! / n;

  // kept positions: all, or the ceil(r·n) least likely (§6.2 lowest_likelihood_ratio)
  const r = o.lowestLikelihoodRatio ?? 1;
  let kept = Array.from({ length: n }, (_, t) => t);
  if (r < 1 && n > 0) {
    const k = Math.max(1, Math.ceil(r * n));
    kept = [...kept].sort((a, b) => logpY[a]! - logpY[b]! || a - b).slice(0, k).sort((a, b) => a - b);
  }

  // U
  let rows: Int32Array;
  if (o.method === 'full') rows = Int32Array.from({ length: V }, (_, u) => u);
  else if (o.method === 'total_unique') {
    if (!o.vocabulary) throw new Error('valuation: method total_unique needs the vocabulary of the train and validation texts');
    rows = o.vocabulary;
  } else {
    const k = Math.min(o.topk ?? 5, V);
    const set = new Set<number>();
    for (const t of kept) for (const u of topIds(logits, t * V, V, k)) set.add(u);
    rows = Int32Array.from([...set].sort((a, b) => a - b));
  }

  const R = rows.length;
  const withPhi = o.phi ?? true;
  const phi = withPhi ? new Float64Array(R * d) : null;
  const hSum = new Float64Array(d);
  const deltaSum = new Float64Array(R);
  const delta = new Float64Array(R);
  for (const t of kept) {
    const off = t * V;
    const hOff = t * d;
    for (let r2 = 0; r2 < R; r2++) delta[r2] = -Math.exp(logits[off + rows[r2]!]! - lse[t]!);
    const yRow = rowOf(rows, targets[t]!);
    if (yRow >= 0) delta[yRow]! += 1;
    for (let e = 0; e < d; e++) hSum[e] += hidden[hOff + e]!;
    for (let r2 = 0; r2 < R; r2++) {
      const c = delta[r2]!;
      deltaSum[r2] += c;
      if (!phi) continue;
      const base = r2 * d;
      for (let e = 0; e < d; e++) phi[base + e] += c * hidden[hOff + e]!;
    }
  }
  return { rows, phi, hSum, deltaSum, positions: kept.length, meanLogProb };
}

/** Scored positions of an encoded sequence: t predicts ids[t+1], scored where lossMask[t+1]. */
export function scoredPositions(s: EncodedSequence): number[] {
  const out: number[] = [];
  for (let t = 0; t + 1 < s.ids.length; t++) if (s.lossMask[t + 1]) out.push(t);
  return out;
}

export interface ForwardRunOptions {
  /** Sequences per forward pass (fewer when batch × length × vocabulary would exceed maxLogits). */
  batchSize: number;
  /** Most logits fetched per forward pass (default 2^24 floats). */
  maxLogits?: number;
  signal?: AbortSignal;
  onBatch?: (done: number, total: number) => void;
}

/** The frozen decoder with outputs `logits` and `normed_hidden`, one session for every batch shape. */
export class ValuationForward {
  private constructor(
    private readonly config: DecoderConfig,
    private readonly session: GraphSession,
    private readonly padId: number,
  ) {}

  static async open(config: DecoderConfig, weights: DecoderWeights, padId: number, settings: SessionSettings = {}): Promise<ValuationForward> {
    // Right padding needs no attention mask: under the causal mask no real token sees a later pad.
    const g = buildDecoder(config, weights, { batch: 'B', seqLen: 'T', attentionMask: false, outputs: { logits: true, normedHidden: true } });
    return new ValuationForward(config, await openSession(serialize(g.graph), { ...settings, cache: false }), padId);
  }

  get device(): { provider: string; notice: string | null } {
    return { provider: this.session.provider, notice: this.session.notice };
  }

  /** Features of every sequence (in input order); null when aborted. */
  async features(seqs: readonly EncodedSequence[], o: FeatureOptions, run: ForwardRunOptions): Promise<SampleFeatures[] | null> {
    const V = this.config.vocab_size;
    const d = this.config.hidden_size;
    const limit = this.config.sliding_window ?? this.config.max_position_embeddings;
    seqs.forEach((s, i) => {
      if (s.ids.length - 1 > limit) throw new Error(`valuation: sequence ${i} has ${s.ids.length - 1} input tokens, more than the model's limit of ${limit}`);
      if (scoredPositions(s).length === 0) throw new Error(`valuation: sequence ${i} has no completion token to score`);
    });
    // Similar lengths share a batch, so padding stays small.
    const order = seqs.map((s, i) => [s.ids.length, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
    const out: SampleFeatures[] = new Array(seqs.length);
    const maxLogits = run.maxLogits ?? 2 ** 24;
    let done = 0;
    while (done < order.length) {
      if (run.signal?.aborted) return null;
      const T = seqs[order[Math.min(done + run.batchSize, order.length) - 1]!]!.ids.length - 1;
      const B = Math.max(1, Math.min(run.batchSize, order.length - done, Math.floor(maxLogits / (T * V))));
      const idx = order.slice(done, done + B);
      const Tb = Math.max(...idx.map((i) => seqs[i]!.ids.length - 1));
      const ids = new BigInt64Array(B * Tb).fill(BigInt(this.padId));
      idx.forEach((i, b) => seqs[i]!.ids.slice(0, -1).forEach((id, t) => (ids[b * Tb + t] = BigInt(id))));
      const res = await this.session.run({ input_ids: { data: ids, dims: [B, Tb] } }, ['logits', 'normed_hidden']);
      const logits = res.logits!.data as Float32Array;
      const hidden = res.normed_hidden!.data as Float32Array;
      idx.forEach((i, b) => {
        const s = seqs[i]!;
        const pos = scoredPositions(s);
        // Scored positions are one contiguous run (the completion and its <eos>); copy rows otherwise.
        const contiguous = pos.every((t, k) => t === pos[0]! + k);
        const rowsOf = (src: Float32Array, w: number): Float32Array =>
          contiguous
            ? src.subarray((b * Tb + pos[0]!) * w, (b * Tb + pos[0]! + pos.length) * w)
            : Float32Array.from(pos.flatMap((t) => Array.from(src.subarray((b * Tb + t) * w, (b * Tb + t + 1) * w))));
        out[i] = sequenceFeatures({ hidden: rowsOf(hidden, d), logits: rowsOf(logits, V), targets: pos.map((t) => s.ids[t + 1]!), d, V }, o);
      });
      done += B;
      run.onBatch?.(done, order.length);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
