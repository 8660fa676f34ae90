/**
 * Per-token log-probs (and entropies) of a language-model head without the whole
 * [rows, vocabulary] logits: the final hidden states are cut into chunks of `chunkRows` rows
 * inside the graph (an ONNX Loop), and each iteration computes its chunk's logits, log-softmax,
 * the target's log-prob and the entropy, then drops them. Peak memory is a few chunk × vocabulary
 * tensors instead of batch × length × vocabulary (for a 152k vocabulary, 16 × 128 rows of logits
 * are 1.2 GiB; a 32-row chunk is 19 MiB).
 *
 * Training graphs differentiate through it: the Loop carries its own VJP (node meta `vjp`,
 * dispatched by control.ts), a second Loop over the same chunks that recomputes each chunk's
 * logits (cheaper than keeping them) and gives exact gradients of the hidden states and of the
 * head weight:
 *   z = (h·Wᵀ)/τ, p = softmax(z)
 *   ∂ log p_y / ∂z = onehot(y) − p
 *   ∂ H / ∂z       = −p ⊙ (log p − Σ p log p)           (H = −Σ p log p)
 *   ∂/∂h = (∂z/τ)·W,  ∂/∂W = Σ_chunks (∂z/τ)ᵀ·h        (accumulated in a loop-carried tensor)
 * The hidden states and the head weight are read by the loop bodies from the outer scope; the
 * node lists them as `implicitInputs` so autodiff sees the dependency.
 *
 * Rows past the end (the last chunk reads clamped row indices) are computed and then dropped by
 * the gather of the first N results, whose VJP gives them zero gradient.
 */
import { dimProduct, shapesEqual } from './dims';
import * as op from './ops';
import { GraphBuildError, formatShape, type Dim, type Tensor } from './tensor';
import type { VjpArgs } from './vjp';

/** Elements of one chunk's [rows, vocabulary] logits the default chunk size aims at (32 MiB in fp32). */
export const HEAD_CHUNK_ELEMENTS = 2 ** 23;
/** Upper bound on rows per chunk (small vocabularies): keeps the per-chunk index constants small. */
const MAX_CHUNK_ROWS = 4096;

/** Default rows per chunk for a vocabulary: HEAD_CHUNK_ELEMENTS / vocab, at least 1, a multiple of 8 when ≥ 8. */
export function headChunkRows(vocab: number): number {
  const rows = Math.max(1, Math.min(MAX_CHUNK_ROWS, Math.floor(HEAD_CHUNK_ELEMENTS / vocab)));
  return rows >= 8 ? rows - (rows % 8) : rows;
}

export interface ChunkedHeadOptions {
  /** The logits are divided by it (sampling temperature). Default 1. */
  temperature?: number;
  /** Also return the entropy of softmax(logits / temperature) per row. */
  entropy?: boolean;
  /** Rows per chunk; default headChunkRows(vocab). */
  chunkRows?: number;
}

/**
 * log p(target) and (optionally) the entropy per position, for hidden [..., d], head weight
 * [vocab, d] (logits = hidden·weightᵀ / temperature) and int targets [...]. Negative targets
 * read index 0 (as nn.tokenLogProbs: the loss masks them).
 */
export function chunkedTokenStats(hidden: Tensor, weight: Tensor, targets: Tensor, o: ChunkedHeadOptions = {}): { logprobs: Tensor; entropy: Tensor | null } {
  const tau = o.temperature ?? 1;
  if (!(tau > 0)) throw new GraphBuildError(`chunkedTokenStats: temperature must be > 0, got ${tau}`);
  if (weight.rank !== 2 || hidden.rank < 2) throw new GraphBuildError(`chunkedTokenStats: need hidden [..., d] and weight [vocab, d], got ${formatShape(hidden.shape)} and ${formatShape(weight.shape)}`);
  const [V, d] = weight.shape as [Dim, Dim];
  if (typeof V !== 'number' || typeof d !== 'number' || hidden.shape[hidden.rank - 1] !== d) {
    throw new GraphBuildError(`chunkedTokenStats: weight ${formatShape(weight.shape)} must be static and match hidden ${formatShape(hidden.shape)}`);
  }
  if (!shapesEqual(targets.shape, hidden.shape.slice(0, -1))) {
    throw new GraphBuildError(`chunkedTokenStats: targets ${formatShape(targets.shape)} must be hidden ${formatShape(hidden.shape)} without its last axis`);
  }
  if (hidden.dtype !== weight.dtype) throw new GraphBuildError(`chunkedTokenStats: hidden ${hidden.dtype} and weight ${weight.dtype} differ`);
  const g = hidden.graph;
  const N = dimProduct(targets.shape);
  let C = o.chunkRows ?? headChunkRows(V);
  if (!Number.isInteger(C) || C < 1) throw new GraphBuildError(`chunkedTokenStats: chunkRows must be a positive integer, got ${C}`);
  if (typeof N === 'number') C = Math.min(C, N);

  const h = op.reshape(hidden, [N, d]);
  const y = op.reshape(op.where(op.less(targets, 0), 0, targets), [N]);
  const n = typeof N === 'number' ? g.constant(N, 'int64') : op.squeeze(g.dim(N), [0]);
  const last = op.sub(n, 1);
  const trips: Tensor | number = typeof N === 'number' ? Math.ceil(N / C) : op.div(op.add(n, C - 1), C);
  const K: Dim = typeof trips === 'number' ? trips : g.freshDim('head_chunks');
  const offsets = op.range(h, 0, C); // [C] int64
  const firstN = typeof N === 'number' ? op.range(h, 0, N) : op.rangeDynamic(g.constant(0, 'int64'), n, g.constant(1, 'int64'), N);
  /** The chunk's rows (clamped to the last row) and their hidden states and targets. */
  const chunk = (i: Tensor) => {
    const rows = op.minimum(op.add(op.mul(i, C), offsets), last);
    const hc = op.gather(h, rows);
    const logp = op.logSoftmax(op.gemm(hc, weight, null, { transB: true, alpha: 1 / tau }), -1);
    return { hc, yc: op.gather(y, rows), logp };
  };
  /** Scan output [K, C, ...] → its first N rows. */
  const firstRows = (scan: Tensor, tail: readonly number[]) => op.gather(op.reshape(scan, [-1, ...tail]), firstN);

  const body = g.subgraph('lm_head_chunk');
  const i = body.input(`${body.name}.chunk`, 'int64', []);
  const cond = body.input(`${body.name}.cond`, 'bool', []);
  const { yc, logp } = chunk(i);
  body.output(op.identity(cond));
  body.output(op.squeeze(op.gatherElements(logp, op.unsqueeze(yc, -1), -1), [-1]));
  if (o.entropy) body.output(op.neg(op.reduceSum(op.mul(op.exp(logp), logp), -1)));

  const vjp = ({ grads, needs }: VjpArgs): (Tensor | null)[] => {
    const [gLp, gEnt] = grads;
    const needH = needs[2] === true;
    const needW = needs[3] === true;
    if (!needH && !needW) return [null, null, null, null];
    const bb = g.subgraph('lm_head_chunk_grad');
    const j = bb.input(`${bb.name}.chunk`, 'int64', []);
    const c2 = bb.input(`${bb.name}.cond`, 'bool', []);
    const dWin = needW ? bb.input(`${bb.name}.grad_head`, weight.dtype, [V, d]) : null;
    const { hc, yc: yj, logp: lpj } = chunk(j);
    const p = op.exp(lpj);
    // OneHot has float32 kernels only (CPU and CUDA): cast for float64 graphs (the gradient tests)
    const oneHot = (ids: Tensor) => (weight.dtype === 'float32' ? op.oneHot(ids, V) : op.cast(op.oneHot(ids, V), weight.dtype));
    const terms: Tensor[] = [];
    if (gLp) terms.push(op.mul(op.unsqueeze(op.gather(gLp, j), -1), op.sub(oneHot(yj), p)));
    if (gEnt) {
      const centred = op.sub(lpj, op.reduceSum(op.mul(p, lpj), -1, true));
      terms.push(op.neg(op.mul(op.mul(op.unsqueeze(op.gather(gEnt, j), -1), p), centred)));
    }
    if (terms.length === 0) return [null, null, null, null];
    const dz = terms.reduce((a, b) => op.add(a, b)); // ∂/∂(logits/τ), [C, V]
    bb.output(op.identity(c2));
    if (dWin) bb.output(op.gemm(dz, hc, dWin, { transA: true, alpha: 1 / tau, beta: 1 }));
    if (needH) bb.output(op.gemm(dz, weight, null, { alpha: 1 / tau }));
    const outs = op.loop({ body: bb, carried: dWin ? [op.zerosLike(weight)] : [], maxTrips: trips, ...(needH ? { shapes: [...(dWin ? [[V, d]] : []), [K, C, d]] } : {}) });
    const dW = dWin ? outs[0]! : null;
    const dh = needH ? firstRows(outs[dWin ? 1 : 0]!, [d]) : null;
    return [null, null, dh, dW];
  };

  const scans = op.loop({ body, carried: [], maxTrips: trips, shapes: o.entropy ? [[K, C], [K, C]] : [[K, C]], meta: { vjp, implicitInputs: [h, weight] } });
  const back = (s: Tensor) => op.reshape(firstRows(s, []), targets.shape);
  return { logprobs: back(scans[0]!), entropy: o.entropy ? back(scans[1]!) : null };
}
