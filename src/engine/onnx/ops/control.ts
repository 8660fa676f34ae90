/**
 * Control flow: ONNX Loop, for generation that stays inside the graph (a KV cache carried and
 * grown by Concat each iteration, tokens emitted as a scan output — ARCHITECTURE.md, "The
 * compute engine"). The body is a `g.subgraph()`; its ops may read outer tensors directly.
 * A Loop has no VJP of its own (it serves inference and rollouts); a builder that makes one
 * differentiable passes its rule as `meta.vjp` (with the outer tensors its body reads as
 * `meta.implicitInputs`, so autodiff sees them): the LM head in chunks (chunkedHead.ts).
 */
import { dimEqual } from '../dims';
import type { Graph } from '../graph';
import { GraphBuildError, Tensor, formatShape, type Dim, type Shape } from '../tensor';
import { defineVjp, type VjpRule } from '../vjp';

export interface LoopArgs {
  /** Body built with `g.subgraph()`: inputs (iteration int64 [], cond bool [], ...carried),
   *  outputs (cond bool [], ...carried, ...scan outputs). */
  body: Graph;
  /** Initial values of the loop-carried tensors (same order as the body's carried inputs). */
  carried: readonly Tensor[];
  /** Trip-count limit (int64 scalar or number); omitted = until cond is false. */
  maxTrips?: Tensor | number;
  /** Initial condition (bool scalar or boolean); omitted = true. */
  cond?: Tensor | boolean;
  /** Output shapes when the defaults are not right (carried: the body output's shape if it equals
   *  the body input's, else fresh symbols where they differ; scan: [trips, ...body output]). */
  shapes?: readonly (Shape | undefined)[];
  /** Build-time facts for autodiff: `vjp` (a VjpRule over the inputs then `implicitInputs`) and `implicitInputs` (outer tensors the body reads). */
  meta?: { vjp: VjpRule; implicitInputs: readonly Tensor[] };
}

/** Final carried values, then the scan outputs stacked over iterations. */
export function loop(a: LoopArgs): Tensor[] {
  const { body, carried } = a;
  const outer = body.parent;
  if (!outer) throw new GraphBuildError(`Loop: body '${body.name}' must be made with g.subgraph()`);
  const k = carried.length;
  const ins = body.inputs;
  const outs = body.outputs;
  const sig = `Loop: body '${body.name}' has inputs [${ins.map((t) => t.toString()).join(', ')}] and outputs [${outs.map((t) => t.toString()).join(', ')}]`;
  if (ins.length !== 2 + k || outs.length < 1 + k) throw new GraphBuildError(`${sig}; expected 2 + ${k} inputs and at least 1 + ${k} outputs`);
  if (ins[0]!.dtype !== 'int64' || ins[0]!.rank !== 0 || ins[1]!.dtype !== 'bool' || ins[1]!.rank !== 0 || outs[0]!.dtype !== 'bool' || outs[0]!.rank !== 0) {
    throw new GraphBuildError(`${sig}; the first inputs must be iteration int64[] and cond bool[], the first output cond bool[]`);
  }
  carried.forEach((c, i) => {
    const bi = ins[2 + i]!;
    const bo = outs[1 + i]!;
    if (c.dtype !== bi.dtype || bi.dtype !== bo.dtype || c.rank !== bi.rank || bi.rank !== bo.rank) {
      throw new GraphBuildError(`${sig}; carried value ${i} '${c.name}' ${c.dtype}${formatShape(c.shape)} does not match them`);
    }
  });
  const maxTrips = a.maxTrips === undefined ? null : a.maxTrips instanceof Tensor ? a.maxTrips : outer.constant(a.maxTrips, 'int64');
  const cond = a.cond === undefined ? null : a.cond instanceof Tensor ? a.cond : outer.constant(Uint8Array.of(a.cond ? 1 : 0), 'bool', []);
  const specs = outs.slice(1).map((o, j) => {
    const given = a.shapes?.[j];
    if (given) return { dtype: o.dtype, shape: given };
    if (j < k) {
      const bi = ins[2 + j]!;
      const init = carried[j]!;
      const shape: Dim[] = init.shape.map((d, i) => (dimEqual(bi.shape[i]!, o.shape[i]!) && dimEqual(d, bi.shape[i]!) ? d : outer.freshDim(`${body.name}.out${j}.d${i}`)));
      return { dtype: o.dtype, shape };
    }
    return { dtype: o.dtype, shape: [outer.freshDim(`${body.name}.trips`), ...o.shape] };
  });
  return outer.node('Loop', [maxTrips, cond, ...carried], specs, { body: { g: body } }, a.meta ? { ...a.meta } : {});
}
defineVjp('Loop', (args) => {
  const rule = args.node.meta.vjp as VjpRule | undefined;
  if (!rule) throw new GraphBuildError(`Loop: no gradient through loop '${args.node.name}' (only loops built with a VJP, like the chunked LM head, are differentiable)`);
  return rule(args);
});
