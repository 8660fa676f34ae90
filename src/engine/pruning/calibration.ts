/**
 * Calibration for layer pruning (ALGORITHMS.md §7.2): N packed rows of formatted train-split
 * task examples (seeded, as training packs them — src/engine/data/batches.ts), run through the
 * decoder in batches with the residual stream after every layer fetched on the CPU, and reduced
 * on the fly to what the importance metrics need:
 *
 *   * sim[a][b]  = mean over calibration tokens of cos(h_a, h_b), a, b ∈ 0…L
 *     (h_0 = embedding output, h_l = input of block l, h_L = output of the last block);
 *   * ang[a][b]  = mean over rows of arccos(cos(h_a,T, h_b,T))/π at each row's last real token T
 *     (Gromov et al.: the last token of every sequence; a packed row is one sequence here);
 *   * the mean next-token NLL per calibration token.
 *
 * Only these (L+1)² sums are kept, never the hidden states of the whole set, so the memory does
 * not grow with the number of calibration rows.
 */
import { buildDecoder } from '../model/decoder';
import type { DecoderConfig } from '../model/config';
import type { TextTokenizer } from '../model/tokenizer';
import type { DecoderWeights } from '../model/weights';
import { MixtureStream, type MixtureEntry } from '../data/batches';
import { openSession, serialize, type SessionSettings } from '../onnx';

export interface CalibrationSet {
  rows: number;
  seqLen: number;
  /** [rows, seqLen], right-padded. */
  inputIds: BigInt64Array;
  /** [rows, seqLen]: the next token, −100 where it does not count (padding, the <bos> opening the next packed example). */
  labels: BigInt64Array;
  /** Real input positions per row: positions 0…lengths[r]−1 hold tokens, the rest is padding. */
  lengths: number[];
  /** Labels that count in the NLL. */
  targetTokens: number;
}

/** Packed calibration rows; config errors name the `calibration.*` fields. */
export function calibrationSet(tok: TextTokenizer, tasks: readonly MixtureEntry[], numSequences: number, seqLen: number, seed: number): CalibrationSet {
  let batch;
  try {
    batch = new MixtureStream([...tasks], seed).nextBatch(tok, numSequences, seqLen, false, true);
  } catch (e) {
    throw new Error((e as Error).message.replace(/\bdata\.seq_len\b/g, 'calibration.seq_len').replace(/\bdata\.tasks\b/g, 'calibration.tasks'));
  }
  // Whole-sequence labels: the last input position of a row always predicts its final <eos>, so
  // the row's real length is one past its last counted label (robust when pad id = eos id).
  const lengths: number[] = [];
  for (let r = 0; r < batch.batch; r++) {
    let last = -1;
    for (let t = 0; t < seqLen; t++) if (batch.labels[r * seqLen + t]! >= 0n) last = t;
    lengths.push(last + 1);
  }
  return { rows: batch.batch, seqLen, inputIds: batch.inputIds, labels: batch.labels, lengths, targetTokens: batch.targetTokens };
}

/** Running sums of hidden-state cosines over calibration tokens and last tokens. */
export class HiddenStateStats {
  /** Number of hidden states per token (layers + 1). */
  readonly size: number;
  private readonly cosSum: Float64Array;
  private readonly angleSum: Float64Array;
  tokens = 0;
  rows = 0;

  constructor(numHiddenStates: number) {
    this.size = numHiddenStates;
    this.cosSum = new Float64Array(numHiddenStates * numHiddenStates);
    this.angleSum = new Float64Array(numHiddenStates * numHiddenStates);
  }

  /**
   * Add one batch: `hidden[k]` is hidden state k as [B, T, d] (row-major); row b's real tokens are
   * positions 0…lengths[b]−1.
   */
  add(hidden: readonly Float32Array[], B: number, T: number, d: number, lengths: readonly number[]): void {
    const n = this.size;
    if (hidden.length !== n) throw new Error(`HiddenStateStats: expected ${n} hidden states, got ${hidden.length}`);
    const norms = new Float64Array(n);
    const cos = new Float64Array(n * n);
    for (let b = 0; b < B; b++) {
      const len = lengths[b]!;
      for (let t = 0; t < len; t++) {
        this.cosines(hidden, (b * T + t) * d, d, norms, cos);
        for (let i = 0; i < n * n; i++) this.cosSum[i] += cos[i]!;
        this.tokens++;
        if (t === len - 1) {
          for (let i = 0; i < n * n; i++) this.angleSum[i] += Math.acos(Math.max(-1, Math.min(1, cos[i]!))) / Math.PI;
          this.rows++;
        }
      }
    }
  }

  /** cos(h_a, h_b) at one position (offset into every [B, T, d] array), all pairs. */
  private cosines(hidden: readonly Float32Array[], off: number, d: number, norms: Float64Array, out: Float64Array): void {
    const n = this.size;
    for (let a = 0; a < n; a++) {
      const h = hidden[a]!;
      let s = 0;
      for (let e = 0; e < d; e++) s += h[off + e]! * h[off + e]!;
      norms[a] = Math.sqrt(s);
    }
    for (let a = 0; a < n; a++) {
      out[a * n + a] = 1;
      const ha = hidden[a]!;
      for (let c = a + 1; c < n; c++) {
        const hc = hidden[c]!;
        let dot = 0;
        for (let e = 0; e < d; e++) dot += ha[off + e]! * hc[off + e]!;
        const den = norms[a]! * norms[c]!;
        const v = den > 0 ? dot / den : 0;
        out[a * n + c] = v;
        out[c * n + a] = v;
      }
    }
  }

  /** sim[a][b]: mean cos(h_a, h_b) over calibration tokens. */
  similarity(): number[][] {
    return this.matrix(this.cosSum, this.tokens);
  }

  /** ang[a][b]: mean over rows of arccos(cos(h_a, h_b))/π at the row's last real token. */
  lastTokenAngular(): number[][] {
    return this.matrix(this.angleSum, this.rows);
  }

  private matrix(sum: Float64Array, count: number): number[][] {
    if (count === 0) throw new Error('calibration: no calibration tokens were seen');
    const n = this.size;
    return Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => sum[a * n + b]! / count));
  }
}

export interface CalibrationForwardOptions {
  /** Layers to run (a pruned build); default all. */
  layers?: readonly number[];
  /** Collect hidden-state statistics (one output per kept layer). */
  hiddenStates?: boolean;
  session?: SessionSettings;
  /** Rows per forward pass (default 8). */
  batchRows?: number;
  signal?: AbortSignal;
  onBatch?: (doneRows: number, totalRows: number) => void;
}

export interface CalibrationForward {
  /** Mean next-token NLL per counted calibration token. */
  nll: number;
  /** With `hiddenStates`: statistics over h_0 … h_{kept layers}. */
  stats: HiddenStateStats | null;
  /** The execution provider that ran it, and why not the one asked for (null when it is). */
  device: { provider: string; notice: string | null };
}

/**
 * One pass over the calibration set with the decoder on `layers`; null when aborted. Right
 * padding needs no attention mask: under the causal mask no real token attends to a later pad.
 */
export async function calibrationForward(config: DecoderConfig, weights: DecoderWeights, set: CalibrationSet, o: CalibrationForwardOptions = {}): Promise<CalibrationForward | null> {
  const d = buildDecoder(config, weights, {
    layers: o.layers,
    batch: 'B',
    seqLen: 'T',
    attentionMask: false,
    outputs: { targetLogProbs: true, hiddenStates: o.hiddenStates ?? false },
  });
  const hiddenNames = o.hiddenStates ? ['hidden_states.embed', ...d.layers.map((l) => `hidden_states.${l}`)] : [];
  const session = await openSession(serialize(d.graph), { ...(o.session ?? {}), cache: false });
  const stats = o.hiddenStates ? new HiddenStateStats(d.layers.length + 1) : null;
  const T = set.seqLen;
  const per = o.batchRows ?? 8;
  let nllSum = 0;
  try {
    for (let r0 = 0; r0 < set.rows; r0 += per) {
      if (o.signal?.aborted) return null;
      const B = Math.min(per, set.rows - r0);
      const labels = set.labels.slice(r0 * T, (r0 + B) * T);
      const res = await session.run(
        { input_ids: { data: set.inputIds.slice(r0 * T, (r0 + B) * T), dims: [B, T] }, target_ids: { data: labels, dims: [B, T] } },
        ['target_logprobs', ...hiddenNames],
      );
      const lp = res.target_logprobs!.data as Float32Array;
      for (let i = 0; i < B * T; i++) if (labels[i]! >= 0n) nllSum -= lp[i]!;
      stats?.add(
        hiddenNames.map((n) => res[n]!.data as Float32Array),
        B,
        T,
        config.hidden_size,
        set.lengths.slice(r0, r0 + B),
      );
      o.onBatch?.(r0 + B, set.rows);
    }
  } finally {
    await session.release();
  }
  return { nll: nllSum / Math.max(set.targetTokens, 1), stats, device: { provider: session.provider, notice: session.notice } };
}
