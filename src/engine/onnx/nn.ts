/**
 * Composite layers written with builder ops only, so their backward comes from the ops' VJPs:
 * linear, RMSNorm, SiLU, GELU (tanh), RoPE (rotate-half, as HF Llama), causal attention written
 * out (scores, causal mask by Where, softmax, weighted sum; GQA by broadcasting), and token
 * losses (masked cross-entropy via LogSoftmax + GatherElements). Training graphs use these
 * primitive forms: ORT's optimiser fuses none of them, but every piece has a tested VJP.
 */
import type { Graph } from './graph';
import * as op from './ops';
import { GraphBuildError, Tensor, formatShape, type Dim } from './tensor';
import { dimQuotient } from './dims';

/** x·Wᵀ (+ b) with W in HF layout [out_features, in_features]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2) throw new GraphBuildError(`linear: weight '${weight.name}' must be [out, in], got ${formatShape(weight.shape)}`);
  const y = op.matmul(x, op.transpose(weight, [1, 0]));
  return bias ? op.add(y, bias) : y;
}

/** RMSNorm over the last axis: x / √(mean(x²) + ε) · w  (Zhang & Sennrich 2019; HF LlamaRMSNorm). */
export function rmsNorm(x: Tensor, weight: Tensor | null, eps: number): Tensor {
  const ms = op.reduceMean(op.mul(x, x), -1, true);
  const y = op.mul(x, op.reciprocal(op.sqrt(op.add(ms, eps))));
  return weight ? op.mul(y, weight) : y;
}

/** SiLU (swish): x·σ(x). */
export function silu(x: Tensor): Tensor {
  return op.mul(x, op.sigmoid(x));
}

/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluTanh(x: Tensor): Tensor {
  const inner = op.mul(op.add(x, op.mul(op.mul(op.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return op.mul(op.mul(x, 0.5), op.add(op.tanh(inner), 1));
}

// ---- RoPE ----------------------------------------------------------------------------------------

/** Default RoPE inverse frequencies θ^(−2i/d), i < d/2 (pure; scaled variants are computed by the caller). */
export function ropeInvFreq(headDim: number, theta: number): Float32Array {
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < headDim / 2; i++) out[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  return out;
}

/**
 * cos/sin tables for positions (int64 [T] or [B, T]): [..., T, headDim] with the frequencies
 * repeated twice, the layout rotate-half expects. `attentionScaling` multiplies both (YaRN-style).
 */
export function ropeTables(
  positions: Tensor,
  invFreq: Float32Array,
  attentionScaling = 1,
  dtype: 'float32' | 'float64' = 'float32',
): { cos: Tensor; sin: Tensor } {
  const g = positions.graph;
  const pos = op.cast(positions, dtype);
  const freqs = op.mul(op.unsqueeze(pos, -1), g.constant(dtype === 'float32' ? invFreq : Float64Array.from(invFreq), dtype, [invFreq.length]));
  const emb = op.concat([freqs, freqs], -1);
  let cos = op.cos(emb);
  let sin = op.sin(emb);
  if (attentionScaling !== 1) {
    cos = op.mul(cos, attentionScaling);
    sin = op.mul(sin, attentionScaling);
  }
  return { cos, sin };
}

/** rotate_half(x) = concat(−x₂, x₁) over the last axis. */
export function rotateHalf(x: Tensor): Tensor {
  const d = x.shape[x.rank - 1]!;
  if (typeof d !== 'number' || d % 2 !== 0) throw new GraphBuildError(`rotateHalf: last dim of ${formatShape(x.shape)} must be even and static`);
  const [x1, x2] = op.split(x, [d / 2, d / 2], -1) as [Tensor, Tensor];
  return op.concat([op.neg(x2), x1], -1);
}

/**
 * x·cos + rotate_half(x)·sin for x [B, H, T, hd]; cos/sin are [T, hd] or [B, T, hd] (from
 * `ropeTables`; the head axis is inserted here).
 */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const c = x.rank === 4 && cos.rank === 3 ? op.unsqueeze(cos, 1) : cos;
  const s = x.rank === 4 && sin.rank === 3 ? op.unsqueeze(sin, 1) : sin;
  return op.add(op.mul(x, c), op.mul(rotateHalf(x), s));
}

// ---- attention ---------------------------------------------------------------------------------

/**
 * Boolean [T, S] mask, true where query t (at absolute position S − T + t) may attend key s ≤ it.
 * Static sizes give a constant; symbolic ones are built with Range at run time.
 */
export function causalMask(g: Graph, T: Dim, S: Dim = T): Tensor {
  if (typeof T === 'number' && typeof S === 'number') {
    const data = new Uint8Array(T * S);
    for (let t = 0; t < T; t++) for (let s = 0; s <= S - T + t && s < S; s++) data[t * S + s] = 1;
    return g.constant(data, 'bool', [T, S]);
  }
  const scalar = (d: Dim): Tensor => op.squeeze(g.dim(d), [0]);
  const zero = g.constant(0, 'int64');
  const one = g.constant(1, 'int64');
  const rows = op.add(op.rangeDynamic(zero, scalar(T), one, T), op.sub(scalar(S), scalar(T)));
  const cols = op.rangeDynamic(zero, scalar(S), one, S);
  return op.lessOrEqual(op.unsqueeze(cols, 0), op.unsqueeze(rows, 1));
}

export interface AttentionOptions {
  /** Bool, true = may attend; broadcastable to [B, H, T, S]. Default: causal over the last T of S keys. */
  mask?: Tensor;
  /** Score scale; default 1/√head_dim. */
  scale?: number;
  /** Value written at masked scores before the softmax. */
  maskValue?: number;
}

/**
 * softmax(q·kᵀ·scale masked)·v for q [B, H, T, hd] and k, v [B, Hkv, S, hd]; H a multiple of
 * Hkv (grouped-query attention: q is viewed as [B, Hkv, H/Hkv, T, hd] so k and v broadcast
 * instead of being copied). Returns [B, H, T, hd].
 */
export function causalAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new GraphBuildError(`causalAttention: q, k, v must be [B, H, T, hd]; got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`);
  }
  const [B, H, T, hd] = q.shape as [Dim, Dim, Dim, Dim];
  const [, Hkv, S] = k.shape as [Dim, Dim, Dim, Dim];
  const rep = dimQuotient(H, Hkv);
  if (rep === null || typeof rep !== 'number') throw new GraphBuildError(`causalAttention: ${H} query heads are not a multiple of ${Hkv} kv heads`);
  if (typeof hd !== 'number') throw new GraphBuildError(`causalAttention: head dim must be static, got '${hd}'`);
  const scale = opts.scale ?? 1 / Math.sqrt(hd);
  let mask = opts.mask ?? causalMask(q.graph, T, S);
  let qq = q;
  let kk = k;
  let vv = v;
  if (rep !== 1) {
    qq = op.reshape(q, [B, Hkv, rep, T, hd]);
    kk = op.unsqueeze(k, 2);
    vv = op.unsqueeze(v, 2);
    if (mask.rank === 4) mask = op.unsqueeze(mask, 2);
  }
  const scores = op.mul(op.matmul(qq, op.transposeLast2(kk)), scale);
  const masked = op.where(mask, scores, opts.maskValue ?? -1e9);
  const out = op.matmul(op.softmax(masked, -1), vv);
  return rep !== 1 ? op.reshape(out, [B, H, T, hd]) : out;
}

// ---- losses --------------------------------------------------------------------------------------

/** log p(target) per position: logits [..., V], targets int [...] → [...]. Negative targets read index 0. */
export function tokenLogProbs(logits: Tensor, targets: Tensor): Tensor {
  if (logits.rank - 1 !== targets.rank) {
    throw new GraphBuildError(`tokenLogProbs: logits ${formatShape(logits.shape)} need targets of rank ${logits.rank - 1}, got ${formatShape(targets.shape)}`);
  }
  const safe = op.where(op.less(targets, 0), 0, targets);
  const logp = op.logSoftmax(logits, -1);
  return op.squeeze(op.gatherElements(logp, op.unsqueeze(safe, -1), -1), [-1]);
}

/**
 * Mean token cross-entropy over positions where mask = 1 (mask defaults to targets ≥ 0, so the
 * HF ignore index −100 works): −Σ mask·log p(target) / max(Σ mask, 1).
 */
export function maskedCrossEntropy(logits: Tensor, targets: Tensor, mask?: Tensor): Tensor {
  return maskedMeanNll(tokenLogProbs(logits, targets), targets, mask);
}

/** maskedCrossEntropy from per-position log-probs already taken (e.g. by the chunked LM head). */
export function maskedMeanNll(lp: Tensor, targets: Tensor, mask?: Tensor): Tensor {
  const m = mask ? op.cast(mask, lp.dtype) : op.cast(op.greaterOrEqual(targets, 0), lp.dtype);
  const total = op.reduceSum(op.mul(lp, m));
  return op.neg(op.div(total, op.maximum(op.reduceSum(m), 1)));
}

/** Entropy of softmax(logits) over the last axis: −Σ p log p. */
export function entropy(logits: Tensor): Tensor {
  const logp = op.logSoftmax(logits, -1);
  return op.neg(op.reduceSum(op.mul(op.exp(logp), logp), -1));
}

/** Mean squared error. */
export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  const d = op.sub(pred, target);
  return op.reduceMean(op.mul(d, d));
}
