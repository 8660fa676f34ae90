/**
 * Which graph outputs may be written into the buffer of a graph input (issue 10: a training
 * step otherwise holds the parameters, both moments and the accumulators twice — the inputs and
 * the new outputs — while it runs).
 *
 * onnxruntime writes a pre-allocated output (`GraphSession.run`'s `into`) from the node that
 * computes it, when that node runs. The input's old values are therefore safe to overwrite iff
 * every node that reads the input has run by then: each reader must be the producer itself or
 * one of its ancestors (onnxruntime runs nodes in a topological order, one at a time on the
 * sequential executor). The producer itself may read the input only element by element at the
 * same index (a same-shape elementwise op), so that writing output element i never clobbers an
 * input element still to be read. Readers inside Loop/If bodies count as their node's reads, and
 * so do readers of the input's rearranged or scaled copies (LAYOUT below), which onnxruntime may
 * alias to the input's buffer or rewrite into direct reads of the input.
 *
 * The test is on the graph as built. onnxruntime's other fusions merge neighbouring nodes, which
 * keeps these ancestor relations. In practice the parameters pass when the update waits for the
 * global gradient norm (clipping on: every gradient, hence every read of a weight, comes first).
 */
import type { Graph, Node, Tensor } from '../onnx';

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);
/**
 * Ops whose output is the input's values rearranged or scaled. onnxruntime may alias such an
 * output to the input's buffer (Reshape and kin), or rewrite a later reader of the output to
 * read the input itself (a Transpose of a Transpose cancels; MatMul absorbs a Transpose or a
 * scale): a reader of such an output counts as a reader of the input.
 */
const LAYOUT = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Transpose', 'Cast']);

function derivesValues(n: Node, from: Tensor): boolean {
  if (n.domain !== '') return false;
  if (LAYOUT.has(n.op)) return n.inputs[0] === from;
  // x·c or x/c with a constant or scalar c
  if (n.op === 'Mul' || n.op === 'Div') {
    const other = n.inputs.find((t) => t !== from);
    return !!other && (other.kind === 'initializer' || other.rank === 0);
  }
  return false;
}

/** Outer tensors a node reads: its inputs and whatever its subgraphs (recursively) read. */
function reads(node: Node, out: Set<Tensor> = new Set()): Set<Tensor> {
  for (const t of node.inputs) if (t) out.add(t);
  for (const a of Object.values(node.attrs)) {
    if ('g' in a) for (const n of a.g.nodes) reads(n, out);
  }
  return out;
}

export class InPlaceAnalysis {
  private readonly readers = new Map<Tensor, Node[]>();
  private readonly nodeReads = new Map<Node, Set<Tensor>>();

  constructor(private readonly graph: Graph) {
    for (const n of graph.nodes) {
      const r = reads(n);
      this.nodeReads.set(n, r);
      for (const t of r) {
        const list = this.readers.get(t);
        if (list) list.push(n);
        else this.readers.set(t, [n]);
      }
    }
  }

  /** Nodes `node` depends on (not itself). */
  private ancestors(node: Node): Set<Node> {
    const seen = new Set<Node>();
    const stack = [node];
    while (stack.length) {
      const n = stack.pop()!;
      for (const t of this.nodeReads.get(n) ?? reads(n)) {
        const p = t.producer;
        if (p && !seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
    }
    return seen;
  }

  /** True when output `outputName` may be written into input `inputName`'s buffer (see above). */
  safe(inputName: string, outputName: string): boolean {
    const input = this.graph.inputs.find((t) => t.name === inputName);
    const output = this.graph.outputs.find((t) => t.name === outputName);
    if (!input || !output || !output.producer) return false;
    if (input.dtype !== output.dtype || input.shape.join() !== output.shape.join()) return false;
    const producer = output.producer;
    const before = this.ancestors(producer);
    // the input and every tensor that may share its buffer
    const views = new Set<Tensor>([input]);
    const readers = new Set<Node>();
    for (const stack = [input]; stack.length; ) {
      const t = stack.pop()!;
      for (const r of this.readers.get(t) ?? []) {
        readers.add(r);
        if (r !== producer && derivesValues(r, t)) for (const o of r.outputs) if (!views.has(o)) (views.add(o), stack.push(o));
      }
    }
    if (views.has(output)) return false;
    for (const r of readers) {
      if (r === producer) {
        const sameShape = producer.inputs.every((t) => !t || !views.has(t) || t.shape.join() === output.shape.join());
        if (!ELEMENTWISE.has(producer.op) || producer.domain !== '' || !sameShape || producer.outputs.length !== 1) return false;
        // a subgraph attribute would read the input by other means
        if (Object.values(producer.attrs).some((a) => 'g' in a)) return false;
      } else if (!before.has(r)) {
        return false;
      }
    }
    return true;
  }
}

/** The (input → output) pairs of `pairs` that are safe in place in `graph`. */
export function inPlacePairs(graph: Graph, pairs: readonly (readonly [string, string])[]): Map<string, string> {
  const a = new InPlaceAnalysis(graph);
  return new Map(pairs.filter(([i, o]) => a.safe(i, o)));
}
