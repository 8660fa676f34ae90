/**
 * The compute engine's graph layer: build an ONNX graph with typed symbolic tensors, take
 * gradients with reverse-mode autodiff (emitted as ordinary ONNX ops), serialise it, and run it
 * in onnxruntime-node. A training step is one graph and one `session.run` (ARCHITECTURE.md,
 * "The compute engine"); src/engine/optim adds AdamW and `compileTrainStep` on top.
 *
 * Usage — one attention block with a loss and a gradient (a decoder is the same, longer;
 * tests/engine/onnx/tinyDecoder.ts is a complete 2-layer Llama-style example):
 *
 *   import { Graph, op, nn, grad, serialize, openSession } from '../onnx';
 *
 *   const g = new Graph('block');                               // opset 23
 *   const ids = g.input('input_ids', 'int64', [B, T]);          // dims: numbers or names ('B')
 *   const labels = g.input('labels', 'int64', [B, T]);          // −100 = ignored position
 *   const embed = g.input('embed', 'float32', [V, D]);          // trainable → graph input
 *   const wq = g.initializer('wq', wqData, [H * hd, D]);        // frozen → stored in the model
 *   …wk, wv, wo, norm weights likewise…
 *   const { cos, sin } = nn.ropeTables(op.range(ids, 0, T), nn.ropeInvFreq(hd, 10000));
 *   const heads = (t: Tensor, n: number) => op.transpose(op.reshape(t, [B, T, n, hd]), [0, 2, 1, 3]);
 *
 *   const h = op.gather(embed, ids);                            // [B, T, D], shapes inferred
 *   const x = nn.rmsNorm(h, normW, 1e-6);
 *   const q = nn.applyRope(heads(nn.linear(x, wq), H), cos, sin);  // linear: x·Wᵀ, W is [out, in]
 *   const k = nn.applyRope(heads(nn.linear(x, wk), Hkv), cos, sin);
 *   const v = heads(nn.linear(x, wv), Hkv);
 *   const a = nn.causalAttention(q, k, v);                      // [B, H, T, hd]; GQA if Hkv < H
 *   const h2 = op.add(h, nn.linear(op.reshape(op.transpose(a, [0, 2, 1, 3]), [B, T, H * hd]), wo));
 *   const logits = nn.linear(nn.rmsNorm(h2, finalW, 1e-6), embed);  // tied head
 *   const loss = nn.maskedCrossEntropy(logits, labels);         // scalar
 *
 *   const [dEmbed] = grad(loss, [embed]);                       // backward as ONNX ops
 *   g.output(loss, 'loss');
 *   g.output(dEmbed!, 'grad.embed');
 *
 *   const session = await openSession(serialize(g), { executionProvider: 'cpu', threads: 2 });
 *   const out = await session.run({ input_ids: idsBigInt64, labels: labelsBigInt64, embed: embedF32 });
 *   out.loss.data[0];                                           // outputs are ort.Tensor
 *
 * Build-time errors are GraphBuildError and name the op and the shapes:
 *   "MatMul: inner dims differ: [B, T, 64] x [32, 64] (64 vs 32)".
 *
 * Conventions
 * - Op functions take a JS number wherever a scalar constant would do: op.mul(x, 0.5).
 * - g.constant(values, dtype, shape?) for small constants (nested arrays ok), deduplicated.
 * - g.scope('layers.3', () => …) prefixes node names (profiles, errors).
 * - Symbolic dims ('B', 'T', 'P+T') are allowed; inputs with symbolic dims are fed as
 *   { data, dims }. Ops needing a symbolic dim's value read it at run time from a tensor that
 *   carries it, so give each symbolic dim to some input. Training graphs usually use static
 *   shapes (one session per shape bucket; sessions are cached by graph hash).
 * - Generation in the graph: body = g.subgraph('step') (inputs iteration, cond, ...carried;
 *   outputs cond, ...carried, ...scan), then op.loop({ body, carried, maxTrips }); body ops may
 *   read outer tensors directly (tests/engine/onnx/loop.test.ts). Names are unique across the
 *   whole model (ONNX SSA), so body inputs need names of their own. Random ops
 *   (op.randomUniformLike, for Gumbel-max sampling) have ORT CPU kernels only up to opset 21.
 * - Every op's VJP is registered beside its forward (ops/*.ts) and checked against finite
 *   differences in tests/engine/onnx/vjp.test.ts; composite layers (nn.ts) inherit theirs.
 */
export { Graph, typedArrayOf, type Attr, type ConstData, type GraphOptions, type Node } from './graph';
export { GraphBuildError, Tensor, formatShape, isFloat, type DType, type Dim, type Shape, type TypedArray } from './tensor';
export { dimEqual, dimProduct } from './dims';
export * as op from './ops';
export * as nn from './nn';
export { chunkedTokenStats, headChunkRows, HEAD_CHUNK_ELEMENTS, type ChunkedHeadOptions } from './chunkedHead';
export { grad, type GradOptions } from './autodiff';
export { serialize, serializeStats, type SerializeOptions, type SerializedModel, type IOSpec } from './serialize';
export {
  openSession,
  withBoundInputs,
  sessionCreationStats,
  clearSessionCache,
  toOrtTensor,
  cudaLibraryInstalled,
  type ExecutionProviderSetting,
  type Provider,
  type GraphSession,
  type SessionSettings,
  type Feed,
  type FeedValue,
  type Fetched,
} from './session';
export { measureMatmulRoofline, type Roofline, type RooflineOptions } from './bench';
