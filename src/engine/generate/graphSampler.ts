/**
 * Choosing the next token inside a graph, the same way the JS sampler (sampling.ts) does:
 *   - greedy: ArgMax of the raw logits (first index on ties);
 *   - sampling: p = softmax(logits / temperature), optionally cut to the top-k and then to the
 *     nucleus (top-p, over the top-k-renormalised distribution, as HF chains its warpers), and an
 *     inverse-CDF draw: the token is the first index whose cumulative kept mass exceeds u · mass.
 * The uniform u of each row and token is fed in (drawn on the host from the row's own seeded
 * stream, exactly as the JS loop draws it), so in-graph samples equal the JS loop's for the same
 * seed up to float32 rounding of the cumulative sum (the JS loop sums in float64), and a run is
 * reproducible without any random op in the graph.
 *
 * TopK and CumSum are emitted directly: they only ever run forward (no gradient is taken here).
 */
import { op, type Graph, type Tensor } from '../onnx';

export interface GraphSamplerInputs {
  /** float32 [] (> 0). */
  temperature: Tensor;
  /** int64 [] — keep the k most likely tokens; ≤ 0 keeps all. Null: no top-k stage. */
  topK: Tensor | null;
  /** float32 [] in (0, 1]. Null: no top-p stage. */
  topP: Tensor | null;
}

function topKValues(x: Tensor, k: Tensor): Tensor {
  const g = x.graph;
  const kd = g.freshDim('top_k');
  const [values] = g.node('TopK', [x, op.reshape(k, [1])], [{ dtype: x.dtype, shape: [x.shape[0]!, kd] }, { dtype: 'int64', shape: [x.shape[0]!, kd] }], { axis: { i: 1 }, largest: { i: 1 }, sorted: { i: 1 } });
  return values!;
}

function cumSum(x: Tensor, g: Graph): Tensor {
  return x.graph.node('CumSum', [x, g.constant(1, 'int64')], [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

/** Greedy choice: int64 [B] from logits [B, V]. */
export function greedyToken(logits: Tensor): Tensor {
  return op.argMax(logits, -1, false);
}

/** A sampled token int64 [B] from logits [B, V] and uniforms u float32 [B] in [0, 1). */
export function sampledToken(logits: Tensor, u: Tensor, s: GraphSamplerInputs): Tensor {
  const g = logits.graph.root;
  const V = logits.shape[1]!;
  if (typeof V !== 'number') throw new Error('sampledToken: the vocabulary size must be static');
  let q = op.softmax(op.div(logits, s.temperature), -1);
  if (s.topK) {
    // k ≤ 0 or ≥ V keeps everything; else keep p ≥ the k-th largest p (TopK sorts descending).
    const k = op.where(op.or(op.lessOrEqual(s.topK, 0), op.greater(s.topK, V)), g.constant(V, 'int64'), s.topK);
    const kth = op.gather(topKValues(q, k), op.sub(k, 1), 1); // [B]
    q = op.where(op.greaterOrEqual(q, op.unsqueeze(kth, [1])), q, 0);
  }
  if (s.topP) {
    // Smallest prefix of the sorted kept distribution whose renormalised mass reaches top_p
    // (always ≥ 1 token): n = #{prefix sums < top_p} + 1; keep p ≥ the n-th largest.
    const sorted = topKValues(q, g.constant(V, 'int64'));
    const cum = op.div(cumSum(sorted, g), op.reduceSum(q, 1, true));
    const below = op.reduceSum(op.cast(op.less(cum, op.sub(s.topP, 1e-12)), 'float32'), 1, true);
    const n = op.cast(op.minimum(op.add(below, 1), V), 'int64'); // [B, 1]
    const nth = op.gatherElements(sorted, op.sub(n, 1), 1); // [B, 1]
    q = op.where(op.greaterOrEqual(q, nth), q, 0);
  }
  // Inverse CDF over the kept (unnormalised) mass: index = #{cumulative mass ≤ u · mass}. The
  // mass is the last cumulative value itself, so u < 1 can never run past the last kept token.
  const cum = cumSum(q, g);
  const mass = op.sliceAxis(cum, 1, -1); // [B, 1]
  const target = op.mul(op.unsqueeze(op.clip(u, 0, 0.99999994), [1]), mass);
  return op.cast(op.reduceSum(op.cast(op.lessOrEqual(cum, target), 'float32'), 1), 'int64');
}

/** log softmax(logits)[token] per row: float32 [B] (the raw logits, before temperature, as sampling.ts). */
export function tokenLogProb(logits: Tensor, token: Tensor): Tensor {
  return op.squeeze(op.gatherElements(op.logSoftmax(logits, -1), op.unsqueeze(token, [1]), 1), [1]);
}
