/**
 * Reverse-mode autodiff over the builder's own ops. The backward pass is emitted into the same
 * graph as ordinary ONNX ops: walk the nodes in reverse creation order (a valid reverse
 * topological order, since a node's inputs exist before it), and for every node between `wrt`
 * and `loss` call its VJP rule (vjp.ts, registered beside each op) with the gradients of its
 * outputs, summing contributions per tensor.
 */
import { shapesEqual } from './dims';
import type { Node } from './graph';
import * as op from './ops';
import { GraphBuildError, Tensor, formatShape, isFloat } from './tensor';
import { isNonDifferentiable, vjpRule } from './vjp';

export interface GradOptions {
  /** Gradient of the objective w.r.t. `loss` (default 1; required when loss is not a scalar). */
  seed?: Tensor;
}

/** d loss / d wrt[i] for each i, as tensors of wrt[i]'s shape (zeros when wrt[i] does not reach loss). */
export function grad(loss: Tensor, wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  const g = loss.graph;
  if (!isFloat(loss.dtype)) throw new GraphBuildError(`grad: loss '${loss.name}' must be a float tensor, got ${loss.dtype}`);
  for (const w of wrt) {
    g.own(w, 'grad');
    if (!isFloat(w.dtype)) throw new GraphBuildError(`grad: cannot differentiate w.r.t. '${w.name}' of dtype ${w.dtype}`);
  }
  let seed = opts.seed;
  if (!seed) {
    if (loss.rank !== 0) {
      throw new GraphBuildError(`grad: loss '${loss.name}' has shape ${formatShape(loss.shape)}; reduce it to a scalar or pass a seed`);
    }
    seed = g.constant(1, loss.dtype);
  } else if (!shapesEqual(seed.shape, loss.shape)) {
    throw new GraphBuildError(`grad: seed ${formatShape(seed.shape)} does not match loss ${formatShape(loss.shape)}`);
  }

  const nodes = [...g.nodes];
  // A node whose subgraph reads outer tensors (a differentiable Loop) lists them in meta.implicitInputs;
  // its VJP gives gradients for its inputs followed by those.
  const inputsOf = (n: Node): readonly (Tensor | null)[] => {
    const extra = n.meta.implicitInputs as readonly Tensor[] | undefined;
    return extra ? [...n.inputs, ...extra] : n.inputs;
  };
  // forward: tensors that depend on some wrt through differentiable float ops
  const depends = new Set<Tensor>(wrt);
  for (const n of nodes) {
    if (isNonDifferentiable(n.op)) continue;
    if (inputsOf(n).some((t) => t && depends.has(t))) for (const o of n.outputs) if (isFloat(o.dtype)) depends.add(o);
  }

  const pending = new Map<Tensor, Tensor[]>([[loss, [seed]]]);
  const total = (t: Tensor): Tensor | null => {
    const parts = pending.get(t);
    if (!parts || parts.length === 0) return null;
    const sum = parts.reduce((acc, p) => op.add(acc, p));
    pending.set(t, [sum]);
    return sum;
  };

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const outGrads = node.outputs.map(total);
    if (outGrads.every((x) => x === null)) continue;
    const inputs = inputsOf(node);
    const needs = inputs.map((t) => t !== null && depends.has(t));
    if (!needs.some(Boolean)) continue;
    const rule = vjpRule(node.op);
    if (!rule) throw new GraphBuildError(`grad: op ${node.op} (node '${node.name}') has no VJP, but the loss depends on its input through it`);
    const inGrads = rule({ node, grads: outGrads, needs });
    inputs.forEach((t, k) => {
      const gk = inGrads[k];
      if (!t || !needs[k] || !gk) return;
      check(node, t, gk);
      const list = pending.get(t);
      if (list) list.push(gk);
      else pending.set(t, [gk]);
    });
  }
  return wrt.map((w) => total(w) ?? op.zerosLike(w));
}

function check(node: Node, input: Tensor, gradient: Tensor): void {
  if (gradient.dtype !== input.dtype || !shapesEqual(gradient.shape, input.shape)) {
    throw new GraphBuildError(
      `grad: VJP of ${node.op} (node '${node.name}') gave ${gradient.dtype}${formatShape(gradient.shape)} for input '${input.name}' of ${input.dtype}${formatShape(input.shape)}`,
    );
  }
}
