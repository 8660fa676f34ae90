/**
 * compileTrainStep: a loss builder + trainable parameters → ONNX graphs where one session.run is
 * one training step (forward, loss, reverse-mode backward, global-norm clipping, AdamW).
 *
 * Gradient accumulation over N micro-batches uses two graphs sharing the same loss builder:
 *   accumulate  (params, acc.*, data)                         → loss, new.acc.*  = acc + ∇loss
 *   step        (params, adam.*, lr, adam.bc1/bc2, [acc.*, grad_scale], data)
 *                                                             → loss, grad_norm, new.<p>, new.adam.*
 * The optimizer step runs `accumulate` N−1 times and `step` once on the last micro-batch; step
 * averages (acc + ∇loss)·grad_scale with grad_scale = 1/N. With N = 1 there is no accumulator and
 * `step` alone is the whole training step. Accumulators are plain inputs/outputs, so nothing is
 * hidden in a session and a step is reproducible from its feeds. With accumulation a third pair
 * of graphs, `apply`, does the update on its own (applyStep.ts, docs/decisions/0047): the trainer
 * runs it after N accumulate runs on CPU, where the sums and the update are written in place.
 *
 * With stepsPerCall K > 1 a third graph, `loop`, takes up to K optimizer steps per run: an ONNX
 * Loop over steps with parameters and moments carried (loopStep.ts, docs/decisions/0036).
 *
 * Naming (inputs → outputs): param `<p>` → `new.<p>`; `adam.m.<p>` → `new.adam.m.<p>`;
 * `adam.v.<p>` → `new.adam.v.<p>`; `acc.<p>` → `new.acc.<p>`; scalars `lr`, `adam.bc1`,
 * `adam.bc2`, `grad_scale`; outputs `loss`, `grad_norm`, plus any extra outputs the builder asks for.
 */
import { Graph, GraphBuildError, Tensor, grad, op, serialize, type IOSpec, type SerializeOptions, type SerializedModel } from '../onnx';
import { adamwUpdate, clipByGlobalNorm, type AdamWHyper } from './adamw';
import { buildApply, type CompiledApply } from './applyStep';
import { buildLoopedStep } from './loopStep';

export interface TrainableParam {
  name: string;
  shape: number[];
  /** Apply decoupled weight decay (default true; HF Trainer exempts biases and norm weights). */
  weightDecay?: boolean;
}

export interface OptimizerSettings extends AdamWHyper {
  /** Global-norm clipping threshold; 0 disables. */
  maxGradNorm: number;
}

export type LossBuilder = (g: Graph, params: Readonly<Record<string, Tensor>>) => Tensor | { loss: Tensor; outputs?: Record<string, Tensor> };

export interface TrainStepSpec {
  name?: string;
  params: readonly TrainableParam[];
  /** Adds data inputs, frozen initializers and the forward pass; returns the scalar loss. */
  buildLoss: LossBuilder;
  optimizer: OptimizerSettings;
  /** Micro-batches per optimizer step (default 1). */
  accumulationSteps?: number;
  /**
   * Optimizer steps one `session.run` may take (default 1). Above 1 a third graph, `loop`, runs
   * up to this many steps per call as an ONNX Loop with the parameters and moments carried
   * (loopStep.ts, docs/decisions/0036); the trainer then trains through it alone.
   */
  stepsPerCall?: number;
  opset?: number;
  serialize?: SerializeOptions;
}

export interface CompiledTrainStep {
  step: SerializedModel;
  /** null when accumulationSteps = 1. */
  accumulate: SerializedModel | null;
  /** Several steps per run (stepsPerCall > 1), else null. */
  loop: SerializedModel | null;
  /**
   * With accumulation (else null): the optimizer update as graphs of their own — the global norm
   * of the summed gradients, and AdamW one parameter per run (applyStep.ts, decision 0047).
   */
  apply: CompiledApply | null;
  params: readonly TrainableParam[];
  accumulationSteps: number;
  stepsPerCall: number;
  /** Inputs the loss builder added (batch data): what the caller feeds per micro-batch. */
  dataInputs: IOSpec[];
  /** Extra outputs requested by the builder (same names in both graphs). */
  extraOutputs: string[];
  /** The graphs before serialization (node-level checks such as provider kernel coverage). */
  graphs: { step: Graph; accumulate: Graph | null; loop: Graph | null };
}

export const names = {
  m: (p: string): string => `adam.m.${p}`,
  v: (p: string): string => `adam.v.${p}`,
  acc: (p: string): string => `acc.${p}`,
  out: (input: string): string => `new.${input}`,
  lr: 'lr',
  bc1: 'adam.bc1',
  bc2: 'adam.bc2',
  gradScale: 'grad_scale',
  loss: 'loss',
  gradNorm: 'grad_norm',
} as const;

/** The spec's loss builder on `g` with these parameter tensors, its result checked. */
function lossOf(g: Graph, spec: TrainStepSpec, byName: Record<string, Tensor>): { loss: Tensor; outputs: Record<string, Tensor> } {
  const built = spec.buildLoss(g, byName);
  const { loss, outputs = {} } = built instanceof Tensor ? { loss: built } : built;
  if (loss.rank !== 0 || loss.dtype !== 'float32') {
    throw new GraphBuildError(`compileTrainStep: the loss must be a float32 scalar, got ${loss.toString()}`);
  }
  return { loss, outputs };
}

function forward(g: Graph, spec: TrainStepSpec): { params: Tensor[]; loss: Tensor; outputs: Record<string, Tensor>; data: Set<Tensor> } {
  const params = spec.params.map((p) => g.input(p.name, 'float32', p.shape));
  const before = new Set(g.inputs);
  const { loss, outputs } = lossOf(g, spec, Object.fromEntries(spec.params.map((p, i) => [p.name, params[i]!])));
  return { params, loss, outputs, data: new Set(g.inputs.filter((t) => !before.has(t))) };
}

export function compileTrainStep(spec: TrainStepSpec): CompiledTrainStep {
  const n = spec.accumulationSteps ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new GraphBuildError(`compileTrainStep: accumulationSteps must be a whole number ≥ 1, got ${n}`);
  if (spec.params.length === 0) throw new GraphBuildError('compileTrainStep: no trainable parameters');
  const k = spec.stepsPerCall ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new GraphBuildError(`compileTrainStep: stepsPerCall must be a whole number ≥ 1, got ${k}`);
  const base = spec.name ?? 'train';

  // ---- step graph: forward, backward, (+ accumulated), clip, AdamW
  const g = new Graph(`${base}_step`, { opset: spec.opset });
  const f = forward(g, spec);
  const grads = grad(f.loss, f.params);
  let total = grads;
  if (n > 1) {
    const scale = g.input(names.gradScale, 'float32', []);
    total = grads.map((gr, i) => op.mul(op.add(gr, g.input(names.acc(spec.params[i]!.name), 'float32', spec.params[i]!.shape)), scale));
  }
  const lr = g.input(names.lr, 'float32', []);
  const bc1 = g.input(names.bc1, 'float32', []);
  const bc2 = g.input(names.bc2, 'float32', []);
  const { grads: clipped, norm } = clipByGlobalNorm(total, spec.optimizer.maxGradNorm);
  g.output(f.loss, names.loss);
  g.output(norm, names.gradNorm);
  spec.params.forEach((p, i) => {
    const m = g.input(names.m(p.name), 'float32', p.shape);
    const v = g.input(names.v(p.name), 'float32', p.shape);
    const upd = adamwUpdate(f.params[i]!, clipped[i]!, m, v, spec.optimizer, { lr, bc1, bc2 }, p.weightDecay ?? true);
    g.output(upd.p, names.out(p.name));
    g.output(upd.m, names.out(names.m(p.name)));
    g.output(upd.v, names.out(names.v(p.name)));
  });
  for (const [k, t] of Object.entries(f.outputs)) g.output(t, k);

  // ---- accumulate graph: forward, backward, acc + grad
  let accumulate: SerializedModel | null = null;
  let accumulateGraph: Graph | null = null;
  if (n > 1) {
    const ga = new Graph(`${base}_accumulate`, { opset: spec.opset });
    const fa = forward(ga, spec);
    const ag = grad(fa.loss, fa.params);
    ga.output(fa.loss, names.loss);
    spec.params.forEach((p, i) => {
      const acc = ga.input(names.acc(p.name), 'float32', p.shape);
      ga.output(op.add(acc, ag[i]!), names.out(names.acc(p.name)));
    });
    for (const [k, t] of Object.entries(fa.outputs)) ga.output(t, k);
    accumulate = serialize(ga, spec.serialize);
    accumulateGraph = ga;
  }

  const loopGraph = k > 1 ? buildLoopedStep(spec, names, (lg, byName) => lossOf(lg, spec, byName)).graph : null;

  return {
    step: serialize(g, spec.serialize),
    accumulate,
    loop: loopGraph ? serialize(loopGraph, spec.serialize) : null,
    apply: n > 1 ? buildApply(spec.params, spec.optimizer, names, { name: base, opset: spec.opset, serialize: spec.serialize }) : null,
    params: spec.params,
    accumulationSteps: n,
    stepsPerCall: k,
    dataInputs: [...f.data].map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })),
    extraOutputs: Object.keys(f.outputs),
    graphs: { step: g, accumulate: accumulateGraph, loop: loopGraph },
  };
}
