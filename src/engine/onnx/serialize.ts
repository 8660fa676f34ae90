/**
 * Graph → ONNX ModelProto bytes, for the subset of onnx.proto the builder uses (field numbers
 * from onnx/onnx.proto). Nodes that reach no output and initializers nobody reads are dropped.
 * Weights are raw_data initializers; with external data they become data_location = EXTERNAL
 * entries, one in-memory "file" per tensor, handed to onnxruntime-node through the session
 * option `externalData` — the way past protobuf's 2 GB limit (ARCHITECTURE.md).
 *
 * Large float32 initializers (≥ 1 MiB by default: the weights) do not go into the model at all:
 * they become graph inputs whose values the SerializedModel keeps as `bound` (the caller's own
 * arrays, not copies), and openSession feeds them on every run. onnxruntime copies every
 * initializer into each session, inline or external, while it reads an input's buffer in place;
 * so weights bound this way are held once per process however many sessions read them, and no
 * serialized copy of them exists (docs/decisions/0013-weights-bound-as-inputs.md).
 */
import { createHash } from 'node:crypto';
import type { Attr, ConstData, Graph, Node } from './graph';
import { ProtoWriter } from './protobuf';
import { GraphBuildError, ONNX_DTYPE, type DType, type Dim, type Tensor } from './tensor';

export interface SerializeOptions {
  /** 'auto' (default): external only when initializers exceed `autoLimitBytes`. */
  externalData?: 'auto' | 'always' | 'never';
  /**
   * When external, initializers smaller than this stay inline (default 1024 bytes). Small
   * builder constants (shapes, axes) always stay inline: ORT's shape inference must read them.
   */
  externalMinBytes?: number;
  /** 'auto' switches to external data above this many initializer bytes (default 1.5 GiB). */
  autoLimitBytes?: number;
  /** 'auto' (default): float32 initializers of at least `bindMinBytes` become bound inputs; 'never' keeps them in the model. */
  bindWeights?: 'auto' | 'never';
  /** Smallest initializer bound as an input under 'auto' (default 1 MiB). */
  bindMinBytes?: number;
}

/** A weight that left the model: an input of this name, fed from `data` (shared, not copied). */
export interface BoundValue {
  data: Float32Array;
  dims: readonly number[];
}

export interface IOSpec {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export interface SerializedModel {
  /** ModelProto bytes. */
  bytes: Uint8Array;
  /** In-memory external data files (empty unless external data is on). */
  externalData: { path: string; data: Uint8Array }[];
  /** Caller inputs (what `run` must be fed); bound weights are not among them. */
  inputs: IOSpec[];
  /** Initializers turned into inputs, fed by openSession on every run. */
  bound: Map<string, BoundValue>;
  outputs: IOSpec[];
  /** Nodes after pruning. */
  nodeCount: number;
  /** sha256 of the model bytes, external data and bound values: the session cache key (computed when first read). */
  readonly hash: string;
}

const PROTO_LIMIT = 2 ** 31 - 1;

/** IR version that goes with an opset (onnx/docs/Versioning.md). */
function irVersionFor(opset: number): number {
  if (opset >= 23) return 11;
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  return 8;
}

function rawBytes(c: ConstData): Uint8Array {
  return new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
}

function tensorProto(name: string, c: ConstData, external: string | null): ProtoWriter {
  const w = new ProtoWriter();
  if (c.shape.length) w.packedVarints(1, c.shape);
  w.varint(2, ONNX_DTYPE[c.dtype]);
  w.string(8, name);
  if (external === null) {
    w.bytes(9, rawBytes(c));
  } else {
    const entry = (k: string, v: string): ProtoWriter => new ProtoWriter().string(1, k).string(2, v);
    w.message(13, entry('location', external));
    w.message(13, entry('offset', '0'));
    w.message(13, entry('length', String(c.data.byteLength)));
    w.varint(14, 1); // data_location = EXTERNAL
  }
  return w;
}

function valueInfo(t: Tensor): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of t.shape) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().varint(1, ONNX_DTYPE[t.dtype]).message(2, shape);
  return new ProtoWriter().string(1, t.name).message(2, new ProtoWriter().message(1, tensorType));
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_GRAPH = 5;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function attribute(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('i' in a) w.varint(3, a.i).varint(20, ATTR_INT);
  else if ('f' in a) w.float(2, a.f).varint(20, ATTR_FLOAT);
  else if ('s' in a) w.string(4, a.s).varint(20, ATTR_STRING);
  else if ('ints' in a) w.packedVarints(8, a.ints).varint(20, ATTR_INTS);
  else if ('floats' in a) w.packedFloats(7, a.floats).varint(20, ATTR_FLOATS);
  else if ('t' in a) w.message(5, tensorProto('', a.t, null)).varint(20, ATTR_TENSOR);
  else if ('g' in a) w.message(6, subgraphProto(a.g)).varint(20, ATTR_GRAPH);
  else throw new GraphBuildError(`serialize: attribute '${name}' has an unsupported kind`);
  return w;
}

function nodeProto(n: Node): ProtoWriter {
  const w = new ProtoWriter();
  for (const t of n.inputs) w.string(1, t ? t.name : '');
  for (const t of n.outputs) w.string(2, t.name);
  w.string(3, n.name);
  w.string(4, n.op);
  if (n.domain) w.string(7, n.domain);
  for (const [k, a] of Object.entries(n.attrs)) w.message(5, attribute(k, a));
  return w;
}

function subgraphsOf(n: Node): Graph[] {
  return Object.values(n.attrs).flatMap((a) => ('g' in a ? [a.g] : []));
}

/** Tensors a node reads: its inputs, plus whatever its subgraphs read from enclosing scopes. */
function reads(n: Node): Tensor[] {
  const out = n.inputs.filter((t): t is Tensor => t !== null);
  for (const sub of subgraphsOf(n)) {
    const inner = new Set<Tensor>([...sub.inputs]);
    for (const m of liveNodes(sub)) m.outputs.forEach((o) => inner.add(o));
    for (const m of liveNodes(sub)) for (const t of reads(m)) if (!inner.has(t)) out.push(t);
    for (const t of sub.outputs) if (!inner.has(t)) out.push(t);
  }
  return out;
}

/** Nodes needed for the outputs, in creation (topological) order. */
function liveNodes(g: Graph): Node[] {
  const needed = new Set<Tensor>(g.outputs);
  const live = new Set<Node>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    live.add(n);
    for (const t of reads(n)) needed.add(t);
  }
  return g.nodes.filter((n) => live.has(n));
}

/** A Loop/If body: nodes, inputs, outputs; its constants live in the main graph. */
function subgraphProto(g: Graph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of liveNodes(g)) w.message(1, nodeProto(n));
  w.string(2, g.name);
  for (const t of g.inputs) w.message(11, valueInfo(t));
  for (const t of g.outputs) w.message(12, valueInfo(t));
  return w;
}

/** Graphs serialized in this process and the time it took (the scale bench reads it). */
const serializing = { graphs: 0, ms: 0 };
export function serializeStats(): { graphs: number; ms: number } {
  return { ...serializing };
}

export function serialize(g: Graph, opts: SerializeOptions = {}): SerializedModel {
  const started = performance.now();
  try {
    return serializeGraph(g, opts);
  } finally {
    serializing.graphs++;
    serializing.ms += performance.now() - started;
  }
}

function serializeGraph(g: Graph, opts: SerializeOptions): SerializedModel {
  if (g.parent) throw new GraphBuildError(`serialize: '${g.name}' is a subgraph; serialize the main graph '${g.root.name}'`);
  if (g.outputs.length === 0) throw new GraphBuildError(`serialize: graph '${g.name}' has no outputs`);
  const nodes = liveNodes(g);
  const used = new Set<string>(g.outputs.map((t) => t.name));
  for (const n of nodes) for (const t of reads(n)) used.add(t.name);
  const inits = [...g.initializers.values()].filter(({ tensor }) => used.has(tensor.name));
  const initBytes = inits.reduce((s, { data }) => s + data.data.byteLength, 0);

  const mode = opts.externalData ?? 'auto';
  const external = mode === 'always' || (mode === 'auto' && initBytes > (opts.autoLimitBytes ?? 1.5 * 2 ** 30));
  const minBytes = opts.externalMinBytes ?? 1024;

  const graph = new ProtoWriter();
  for (const n of nodes) graph.message(1, nodeProto(n));
  graph.string(2, g.name);
  const externalData: { path: string; data: Uint8Array }[] = [];
  const bound = new Map<string, BoundValue>();
  const bindMin = opts.bindWeights === 'never' ? Infinity : (opts.bindMinBytes ?? 2 ** 20);
  const boundSpecs: Tensor[] = [];
  for (const { tensor, data } of inits) {
    if (data.dtype === 'float32' && data.data instanceof Float32Array && data.data.byteLength >= bindMin && !g.builderConstants.has(tensor.name)) {
      bound.set(tensor.name, { data: data.data, dims: [...data.shape] });
      boundSpecs.push(tensor);
      continue;
    }
    let loc: string | null = null;
    const small = g.builderConstants.has(tensor.name) && data.data.byteLength < 4096;
    if (external && !small && data.data.byteLength >= minBytes) {
      loc = `ext${externalData.length}.bin`;
      externalData.push({ path: loc, data: rawBytes(data) });
    }
    graph.message(5, tensorProto(tensor.name, data, loc));
  }
  for (const t of g.inputs) graph.message(11, valueInfo(t));
  for (const t of boundSpecs) graph.message(11, valueInfo(t));
  for (const t of g.outputs) graph.message(12, valueInfo(t));

  const model = new ProtoWriter();
  model.varint(1, irVersionFor(g.opset));
  model.string(2, 'benchtop');
  model.string(3, '0.1');
  model.message(7, graph);
  model.message(8, new ProtoWriter().string(1, '').varint(2, g.opset));
  for (const [domain, version] of g.domains) model.message(8, new ProtoWriter().string(1, domain).varint(2, version));

  if (model.length > PROTO_LIMIT) {
    throw new GraphBuildError(
      `serialize: graph '${g.name}' is ${(model.length / 2 ** 30).toFixed(2)} GiB inline, past protobuf's 2 GiB limit; use externalData: 'always'`,
    );
  }
  const bytes = model.finish();
  // The hash reads every weight byte (seconds for a real model), and only the session cache
  // needs it: computed on first use.
  let hash: string | null = null;
  return {
    bytes,
    externalData,
    bound,
    inputs: g.inputs.map(spec),
    outputs: g.outputs.map(spec),
    nodeCount: nodes.length,
    get hash(): string {
      if (hash === null) {
        const h = createHash('sha256').update(bytes);
        for (const e of externalData) h.update(e.path).update(e.data);
        for (const [name, b] of bound) h.update(name).update(new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength));
        hash = h.digest('hex');
      }
      return hash;
    },
  };
}

function spec(t: Tensor): IOSpec {
  return { name: t.name, dtype: t.dtype, shape: [...t.shape] };
}
