/**
 * Several optimizer steps in one `session.run` (issue 15, item 5; docs/decisions/0036): an ONNX
 * `Loop` whose trips are optimizer steps, with every parameter and both AdamW moments as
 * loop-carried state. On a CUDA device onnxruntime-node copies every input to the device and
 * every output back on each run (no IO binding), so the trainable state then crosses the host
 * once per call instead of once per step.
 *
 *   inputs:  steps int64 [] (trips this run), lr / adam.bc1 / adam.bc2 float32 [steps],
 *            <p>, adam.m.<p>, adam.v.<p> (as the step graph),
 *            every data input of the loss builder stacked: [steps·N, ...its shape]
 *   outputs: new.<p>, new.adam.m.<p>, new.adam.v.<p> after the last step,
 *            loss [steps, N], grad_norm [steps], each extra output [steps, N, ...]
 *
 * With gradient accumulation (N micro-batches per step) a second Loop inside each step runs the
 * N forward/backward passes and carries the gradient sum, in the order the accumulate graph
 * adds them ((0 + g₁) + g₂ …), then scales by 1/N once: the same float operations as N − 1
 * accumulate runs and one step run, so the two paths agree to rounding.
 *
 * The loss builder is the one compileTrainStep takes, unchanged: it is handed a body graph whose
 * `input()` makes the stacked input in the main graph and returns this micro-batch's slice of it
 * (Gather at trip·N + j), so builders that add their data with `g.input` need no loop variant.
 */
import { Graph, grad, op, type DType, type Shape, type Tensor } from '../onnx';
import { adamwUpdate, clipByGlobalNorm } from './adamw';
import type { TrainStepSpec } from './trainStep';

export const loopNames = {
  steps: 'steps',
  /** The symbolic leading dim of every stacked data input (steps × micro-batches per step). */
  microBatches: 'micro_batches',
} as const;

/**
 * A Loop body in which, while `dataIndex` is set, `input()` adds a stacked input to the main
 * graph and returns its slice `dataIndex` instead of adding a body input.
 */
class MicroBatchBody extends Graph {
  dataIndex: Tensor | null = null;

  constructor(name: string, parent: Graph) {
    super(parent.uniqueName(name), {}, parent);
  }

  override input(name: string, dtype: DType, shape: Shape): Tensor {
    if (!this.dataIndex) return super.input(name, dtype, shape);
    const all = this.root.input(name, dtype, [loopNames.microBatches, ...shape]);
    return op.gather(all, this.dataIndex, 0);
  }
}

export interface LossOf {
  loss: Tensor;
  outputs: Record<string, Tensor>;
}

export interface BuiltLoop {
  graph: Graph;
  extraOutputs: string[];
}

/**
 * The looped training graph for `spec` (see the file comment). `runLoss` calls the spec's loss
 * builder on a graph with the given parameter tensors and checks its result (trainStep.ts).
 */
export function buildLoopedStep(
  spec: TrainStepSpec,
  names: { m: (p: string) => string; v: (p: string) => string; out: (s: string) => string; lr: string; bc1: string; bc2: string; loss: string; gradNorm: string },
  runLoss: (g: Graph, params: Record<string, Tensor>) => LossOf,
): BuiltLoop {
  const N = spec.accumulationSteps ?? 1;
  const ps = spec.params;
  const g = new Graph(`${spec.name ?? 'train'}_loop`, { opset: spec.opset });
  const steps = g.input(loopNames.steps, 'int64', []);
  const lrs = g.input(names.lr, 'float32', [loopNames.steps]);
  const bc1s = g.input(names.bc1, 'float32', [loopNames.steps]);
  const bc2s = g.input(names.bc2, 'float32', [loopNames.steps]);
  const carriedIn = [
    ...ps.map((p) => g.input(p.name, 'float32', p.shape)),
    ...ps.map((p) => g.input(names.m(p.name), 'float32', p.shape)),
    ...ps.map((p) => g.input(names.v(p.name), 'float32', p.shape)),
  ];

  // ---- one optimizer step per trip
  const body = new MicroBatchBody('optimizer_step', g);
  const trip = body.input('loop.step', 'int64', []);
  const condIn = body.input('loop.step_cond', 'bool', []);
  const state = [
    ...ps.map((p) => body.input(`loop.${p.name}`, 'float32', p.shape)),
    ...ps.map((p) => body.input(`loop.${names.m(p.name)}`, 'float32', p.shape)),
    ...ps.map((p) => body.input(`loop.${names.v(p.name)}`, 'float32', p.shape)),
  ];
  const bp = state.slice(0, ps.length);

  let total: Tensor[];
  let losses: Tensor; // [N] per trip (a scalar when N = 1, made [1] below)
  let extras: [string, Tensor][];
  if (N === 1) {
    body.dataIndex = trip;
    const f = runLoss(body, Object.fromEntries(ps.map((p, i) => [p.name, bp[i]!])));
    body.dataIndex = null;
    total = grad(f.loss, bp);
    losses = op.unsqueeze(f.loss, [0]);
    extras = Object.entries(f.outputs).map(([k, t]) => [k, op.unsqueeze(t, [0])]);
  } else {
    // ---- N micro-batches per step: an inner Loop carries the gradient sum
    const inner = new MicroBatchBody('micro_batch', body);
    const j = inner.input('loop.micro', 'int64', []);
    const innerCond = inner.input('loop.micro_cond', 'bool', []);
    const acc = ps.map((p) => inner.input(`loop.acc.${p.name}`, 'float32', p.shape));
    // The parameters as tensors of the inner body, so every node of the forward pass — also one
    // that reads a parameter alone — is in the graph `grad` walks.
    const view = bp.map((t) => inner.node('Identity', [t], [{ dtype: t.dtype, shape: t.shape }])[0]!);
    inner.dataIndex = op.add(op.mul(trip, N), j);
    const f = runLoss(inner, Object.fromEntries(ps.map((p, i) => [p.name, view[i]!])));
    inner.dataIndex = null;
    const grads = grad(f.loss, view);
    inner.output(innerCond, 'loop.micro_cond_out');
    ps.forEach((p, i) => inner.output(op.add(acc[i]!, grads[i]!), `loop.new.acc.${p.name}`));
    inner.output(f.loss, 'loop.micro_loss');
    const extraKeys = Object.keys(f.outputs);
    for (const k of extraKeys) inner.output(f.outputs[k]!, `loop.micro.${k}`);
    const zeros = bp.map((t) => op.zerosLike(t));
    const innerShapes: (Shape | undefined)[] = [...ps.map(() => undefined), [N], ...extraKeys.map((k) => [N, ...f.outputs[k]!.shape])];
    const outs = op.loop({ body: inner, carried: zeros, maxTrips: N, cond: true, shapes: innerShapes });
    total = outs.slice(0, ps.length).map((s) => op.mul(s, 1 / N));
    losses = outs[ps.length]!;
    extras = extraKeys.map((k, i) => [k, outs[ps.length + 1 + i]!]);
  }

  const at = (t: Tensor) => op.gather(t, trip, 0);
  const scalars = { lr: at(lrs), bc1: at(bc1s), bc2: at(bc2s) };
  const { grads: clipped, norm } = clipByGlobalNorm(total, spec.optimizer.maxGradNorm);
  const updated = ps.map((p, i) => adamwUpdate(bp[i]!, clipped[i]!, state[ps.length + i]!, state[2 * ps.length + i]!, spec.optimizer, scalars, p.weightDecay ?? true));
  body.output(condIn, 'loop.step_cond_out');
  updated.forEach((u, i) => body.output(u.p, `loop.new.${ps[i]!.name}`));
  updated.forEach((u, i) => body.output(u.m, `loop.new.${names.m(ps[i]!.name)}`));
  updated.forEach((u, i) => body.output(u.v, `loop.new.${names.v(ps[i]!.name)}`));
  body.output(losses, 'loop.losses');
  body.output(norm, 'loop.grad_norm');
  for (const [k, t] of extras) body.output(t, `loop.${k}`);

  const scan = (t: Tensor): Shape => [loopNames.steps, ...t.shape];
  const scanShapes: (Shape | undefined)[] = [...carriedIn.map(() => undefined), [loopNames.steps, N], [loopNames.steps], ...extras.map(([, t]) => scan(t))];
  const outs = op.loop({ body, carried: carriedIn, maxTrips: steps, cond: true, shapes: scanShapes });
  const P = ps.length;
  ps.forEach((p, i) => {
    g.output(outs[i]!, names.out(p.name));
    g.output(outs[P + i]!, names.out(names.m(p.name)));
    g.output(outs[2 * P + i]!, names.out(names.v(p.name)));
  });
  g.output(outs[3 * P]!, names.loss);
  g.output(outs[3 * P + 1]!, names.gradNorm);
  extras.forEach(([k], i) => g.output(outs[3 * P + 2 + i]!, k));
  return { graph: g, extraOutputs: extras.map(([k]) => k) };
}
