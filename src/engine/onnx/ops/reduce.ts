/**
 * Reductions (opset ≥ 18: axes are an input), Softmax/LogSoftmax, and `unbroadcast`, which sums
 * a broadcast gradient back to an operand's shape — the one place broadcasting is undone.
 */
import { dimEqual, dimProduct } from '../dims';
import { GraphBuildError, Tensor, formatShape, normalizeAxis, type Dim, type Shape } from '../tensor';
import { defineVjp, markNonDifferentiable } from '../vjp';
import { FLOATS, requireDtype } from './common';
import { cast, div, equal, exp, mul, sub } from './elementwise';
import { expand, squeeze, unsqueeze } from './shape';

function normAxes(op: string, x: Tensor, axes: number | readonly number[] | undefined): number[] {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => normalizeAxis(op, a, x.rank));
  if (new Set(out).size !== out.length) throw new GraphBuildError(`${op}: repeated axis in [${list.join(', ')}] for shape ${formatShape(x.shape)}`);
  return out.sort((a, b) => a - b);
}

function reduce(op: string, x: Tensor, axes: number | readonly number[] | undefined, keepdims: boolean): Tensor {
  const ax = normAxes(op, x, axes);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!ax.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  const g = x.graph;
  // all axes: omit the axes input (ONNX then reduces everything); a rank-0 input reduces nothing
  const axesInput = ax.length === x.rank ? null : g.constant(ax, 'int64');
  const inputs = axesInput ? [x, axesInput] : [x];
  return g.node(op, inputs, [{ dtype: x.dtype, shape }], { keepdims: { i: keepdims ? 1 : 0 } }, { axes: ax, keepdims })[0]!;
}

/** A reduced gradient with the reduced axes put back as size-1 dims (so it broadcasts against x). */
function keepDims(gy: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  return keepdims || axes.length === 0 ? gy : unsqueeze(gy, axes);
}

export function reduceSum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return reduce('ReduceSum', x, axes, keepdims);
}
defineVjp('ReduceSum', ({ node, grads: [g] }) => {
  const x = node.inputs[0]!;
  const { axes, keepdims } = node.meta as { axes: number[]; keepdims: boolean };
  return [expand(keepDims(g!, axes, keepdims), x.shape), null];
});

export function reduceMean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  requireDtype('ReduceMean', x, FLOATS);
  return reduce('ReduceMean', x, axes, keepdims);
}
defineVjp('ReduceMean', ({ node, grads: [g] }) => {
  const x = node.inputs[0]!;
  const { axes, keepdims } = node.meta as { axes: number[]; keepdims: boolean };
  const count = dimProduct(axes.map((a) => x.shape[a]!));
  const n = typeof count === 'number' ? count : cast(x.graph.dim(count), x.dtype);
  return [expand(div(keepDims(g!, axes, keepdims), n), x.shape), null];
});

export function reduceMax(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  return reduce('ReduceMax', x, axes, keepdims);
}
// The gradient goes to the maximal elements, split evenly between ties.
defineVjp('ReduceMax', ({ node, grads: [g] }) => {
  const x = node.inputs[0]!;
  const { axes, keepdims } = node.meta as { axes: number[]; keepdims: boolean };
  const y = keepDims(node.outputs[0]!, axes, keepdims);
  const mask = cast(equal(x, y), x.dtype);
  const count = reduce('ReduceSum', mask, axes, true);
  return [mul(mask, div(keepDims(g!, axes, keepdims), count)), null];
});

// ---- softmax ---------------------------------------------------------------------------------

export function softmax(x: Tensor, axis = -1): Tensor {
  requireDtype('Softmax', x, FLOATS);
  const a = normalizeAxis('Softmax', axis, x.rank);
  return x.graph.node('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis: { i: a } }, { axis: a })[0]!;
}
// dx = y ⊙ (g − Σ g⊙y)
defineVjp('Softmax', ({ node, grads: [g] }) => {
  const y = node.outputs[0]!;
  const axis = node.meta.axis as number;
  return [mul(y, sub(g!, reduceSum(mul(g!, y), axis, true)))];
});

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  requireDtype('LogSoftmax', x, FLOATS);
  const a = normalizeAxis('LogSoftmax', axis, x.rank);
  return x.graph.node('LogSoftmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis: { i: a } }, { axis: a })[0]!;
}
// dx = g − softmax(x) · Σ g
defineVjp('LogSoftmax', ({ node, grads: [g] }) => {
  const y = node.outputs[0]!;
  const axis = node.meta.axis as number;
  return [sub(g!, mul(exp(y), reduceSum(g!, axis, true)))];
});

// ---- broadcasting undone -----------------------------------------------------------------------

/** Sum `g` over the axes along which an operand of shape `shape` was broadcast to g's shape. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  const lead = g.rank - shape.length;
  if (lead < 0) throw new GraphBuildError(`unbroadcast: gradient ${formatShape(g.shape)} has lower rank than operand ${formatShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  shape.forEach((d, i) => {
    if (dimEqual(d, 1) && !dimEqual(g.shape[lead + i]!, 1)) axes.push(lead + i);
  });
  if (axes.length === 0) return g;
  let out = reduce('ReduceSum', g, axes, true);
  if (lead > 0) out = squeeze(out, axes.slice(0, lead));
  return out;
}

/** Index of the largest element along `axis` (first on ties), int64. */
export function argMax(x: Tensor, axis = -1, keepdims = false): Tensor {
  const a = normalizeAxis('ArgMax', axis, x.rank);
  const shape = x.shape.flatMap((d, i) => (i !== a ? [d] : keepdims ? [1] : []));
  return x.graph.node('ArgMax', [x], [{ dtype: 'int64', shape }], { axis: { i: a }, keepdims: { i: keepdims ? 1 : 0 } })[0]!;
}
markNonDifferentiable('ArgMax');

/**
 * The k largest (or smallest) values along `axis`, sorted, and their int64 indices (ONNX TopK).
 * No VJP: used to pick order statistics (e.g. a quantile threshold) that feed comparisons only;
 * differentiating through it is an error.
 */
export function topK(x: Tensor, k: number, axis = -1, largest = true): { values: Tensor; indices: Tensor } {
  requireDtype('TopK', x, FLOATS);
  const a = normalizeAxis('TopK', axis, x.rank);
  const n = x.shape[a]!;
  if (!Number.isInteger(k) || k < 1 || (typeof n === 'number' && k > n)) throw new GraphBuildError(`TopK: k must be a whole number in [1, ${n}], got ${k}`);
  const shape = x.shape.map((d, i) => (i === a ? k : d));
  const [values, indices] = x.graph.node('TopK', [x, x.graph.constant([k], 'int64')], [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }], {
    axis: { i: a },
    largest: { i: largest ? 1 : 0 },
    sorted: { i: 1 },
  });
  return { values: values!, indices: indices! };
}
