/**
 * The optimizer update of an accumulated step as graphs of their own (docs/decisions/0047):
 * with gradient accumulation on CPU the trainer runs every micro-batch — the last one too —
 * through the accumulate graph (gradient sums written in place), then
 *
 *   norm    (acc.<p>…, grad_scale)                                → grad_norm
 *   update  (p, adam.m, adam.v, acc, grad_scale, grad_norm, lr, adam.bc1, adam.bc2)
 *                                                                  → new.p, new.adam.m, new.adam.v
 *
 * `update` takes one parameter at a time, flattened to [n] (a symbolic length, so one session
 * serves every parameter; two graphs: with and without weight decay). A step then never holds the
 * update's temporaries of all parameters at once, and onnxruntime-node's JS copy of every output
 * written in place (decision 0045, Costs) is one parameter's worth per run instead of the whole
 * model's at the end of the step.
 *
 * The nodes are those of the fused step graph (trainStep.ts): (acc + g)·scale there is acc'·scale
 * here with acc' = acc + g from the accumulate graph (IEEE addition commutes), the same global
 * norm, clipping coefficient and AdamW, so the two paths agree to rounding.
 */
import { Graph, op, serialize, type SerializedModel, type SerializeOptions } from '../onnx';
import { adamwUpdate, globalNorm, type AdamWHyper } from './adamw';
import type { TrainableParam } from './trainStep';

export interface OptimizerSpec extends AdamWHyper {
  maxGradNorm: number;
}

/** Input and output names of the update graph (one parameter, flattened). */
export const applyNames = {
  p: 'p',
  m: 'adam.m',
  v: 'adam.v',
  acc: 'acc',
  length: 'n',
} as const;

export interface CompiledApply {
  norm: SerializedModel;
  /** By weight decay: the update graph with decay (true) and without (false). */
  update: { decay: SerializedModel; noDecay: SerializedModel };
  graphs: { norm: Graph; decay: Graph; noDecay: Graph };
}

export function buildApply(
  params: readonly TrainableParam[],
  optimizer: OptimizerSpec,
  names: { acc: (p: string) => string; out: (s: string) => string; gradScale: string; gradNorm: string; lr: string; bc1: string; bc2: string },
  opts: { name: string; opset?: number; serialize?: SerializeOptions },
): CompiledApply {
  // ---- the global norm of the averaged gradient, as clipByGlobalNorm computes it
  const gn = new Graph(`${opts.name}_norm`, { opset: opts.opset });
  const scale = gn.input(names.gradScale, 'float32', []);
  const totals = params.map((p) => op.mul(gn.input(names.acc(p.name), 'float32', p.shape), scale));
  gn.output(globalNorm(totals), names.gradNorm);

  const update = (decay: boolean): Graph => {
    const g = new Graph(`${opts.name}_update${decay ? '' : '_no_decay'}`, { opset: opts.opset });
    const shape = [applyNames.length];
    const p = g.input(applyNames.p, 'float32', shape);
    const acc = g.input(applyNames.acc, 'float32', shape);
    const m = g.input(applyNames.m, 'float32', shape);
    const v = g.input(applyNames.v, 'float32', shape);
    const s = g.input(names.gradScale, 'float32', []);
    const norm = g.input(names.gradNorm, 'float32', []);
    const lr = g.input(names.lr, 'float32', []);
    const bc1 = g.input(names.bc1, 'float32', []);
    const bc2 = g.input(names.bc2, 'float32', []);
    const total = op.mul(acc, s);
    // min(1, maxNorm / (‖g‖ + 1e-6)), as clipByGlobalNorm
    const clipped = optimizer.maxGradNorm > 0 ? op.mul(total, op.minimum(op.div(optimizer.maxGradNorm, op.add(norm, 1e-6)), 1)) : total;
    const u = adamwUpdate(p, clipped, m, v, optimizer, { lr, bc1, bc2 }, decay);
    g.output(u.p, names.out(applyNames.p));
    g.output(u.m, names.out(applyNames.m));
    g.output(u.v, names.out(applyNames.v));
    return g;
  };
  const decay = update(true);
  const noDecay = update(false);
  return {
    norm: serialize(gn, opts.serialize),
    update: { decay: serialize(decay, opts.serialize), noDecay: serialize(noDecay, opts.serialize) },
    graphs: { norm: gn, decay, noDecay },
  };
}
