/**
 * Which nodes of a built graph a provider has no kernel for (so ORT would run them on the host),
 * from the kernel registration lists in resources/ort-kernels/ (provenance in its README).
 *
 * A node matches a registration when the op and domain agree, the node's resolved opset version
 * lies in the registration's range, and its element type satisfies the type constraint. The
 * resolved version is what ORT matches on: the op's newest schema version ≤ the model's opset,
 * taken here as the newest registration start ≤ opset over all three lists (registrations start
 * at schema versions). The element type is that of the input the kernel is typed by: input 0 for
 * most ops, the value inputs for Where, the output for ConstantOfShape/Cast. Multi-type entries
 * ('int64_t_float_int64_t') match when every named type occurs among the node's inputs/outputs.
 * Nodes inside Loop/If bodies are walked too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Node } from '../../../src/engine/onnx/graph';
import type { DType } from '../../../src/engine/onnx/tensor';

export type Provider = 'cpu' | 'cuda' | 'webgpu';
export const PROVIDERS: readonly Provider[] = ['cpu', 'cuda', 'webgpu'];

interface Registration {
  domain: string;
  op: string;
  start: number;
  end: number;
  type: string;
}

const KERNEL_DIR = join(import.meta.dirname, '../../../resources/ort-kernels');

/** ORT's C++ type names for the builder's dtypes. */
const ORT_TYPE: Record<DType, string> = {
  float32: 'float',
  float64: 'double',
  float16: 'MLFloat16',
  int64: 'int64_t',
  int32: 'int32_t',
  bool: 'bool',
  uint8: 'uint8_t',
};

export function loadKernels(p: Provider): Registration[] {
  const file = join(KERNEL_DIR, `${p}.json`);
  const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of kernel registrations`);
  return data as Registration[];
}

const ONNX_DOMAIN: Record<string, string> = { '': 'kOnnxDomain', 'ai.onnx': 'kOnnxDomain', 'com.microsoft': 'kMSDomain' };

export interface Fallback {
  graph: string;
  node: string;
  op: string;
  version: number;
  type: string;
  /** Nesting: 'main' or the Loop/If node whose body holds it. */
  inBody: string;
}

export class KernelTable {
  private readonly byProvider = new Map<Provider, Registration[]>();
  /** Schema version starts per domain/op over all lists. */
  private readonly starts = new Map<string, number[]>();

  constructor() {
    for (const p of PROVIDERS) {
      const regs = loadKernels(p);
      this.byProvider.set(p, regs);
      for (const r of regs) {
        const k = `${r.domain}:${r.op}`;
        const s = this.starts.get(k) ?? [];
        if (!s.includes(r.start)) s.push(r.start);
        this.starts.set(k, s);
      }
    }
  }

  /** The op's schema version a model at `opset` uses; null when no list knows the op. */
  resolvedVersion(domain: string, opName: string, opset: number): number | null {
    const s = (this.starts.get(`${domain}:${opName}`) ?? []).filter((v) => v <= opset);
    return s.length ? Math.max(...s) : null;
  }

  has(p: Provider, n: Node, opset: number): { ok: boolean; version: number; type: string } {
    const domain = ONNX_DOMAIN[n.domain] ?? n.domain;
    const version = this.resolvedVersion(domain, n.op, opset) ?? opset;
    const type = keyType(n);
    const present = new Set([...n.inputs, ...n.outputs].flatMap((t) => (t ? [ORT_TYPE[t.dtype]] : [])));
    const ok = this.byProvider.get(p)!.some(
      (r) =>
        r.domain === domain &&
        r.op === n.op &&
        r.start <= version &&
        version <= r.end &&
        (r.type === '*' || r.type === type || (r.type.includes('_') && multiType(r.type).every((t) => present.has(t)))),
    );
    return { ok, version, type };
  }
}

/** 'int64_t_float_int64_t' → ['int64_t', 'float', 'int64_t'] (names themselves may hold '_t'). */
function multiType(s: string): string[] {
  const known = ['int64_t', 'int32_t', 'int16_t', 'int8_t', 'uint64_t', 'uint32_t', 'uint16_t', 'uint8_t', 'float', 'double', 'MLFloat16', 'BFloat16', 'bool', 'string', 'double_t'];
  const out: string[] = [];
  let rest = s;
  while (rest.length) {
    const k = known.filter((t) => rest === t || rest.startsWith(`${t}_`)).sort((a, b) => b.length - a.length)[0];
    if (!k) return [s];
    out.push(k === 'double_t' ? 'double' : k);
    rest = rest.slice(k.length + 1);
  }
  return out;
}

function keyType(n: Node): string {
  const first = n.inputs.find((t) => t !== null);
  let t = first ?? n.outputs[0]!;
  if (n.op === 'Where') t = n.inputs[1]!;
  if (n.op === 'ConstantOfShape' || n.op === 'Cast') t = n.outputs[0]!;
  return ORT_TYPE[t.dtype];
}

function subgraphs(n: Node): Graph[] {
  return Object.values(n.attrs).flatMap((a) => ('g' in a ? [a.g] : []));
}

/** Tensors a node reads, including (over-approximated) everything its bodies read. */
function reads(n: Node): unknown[] {
  return [...n.inputs.filter((t) => t !== null), ...subgraphs(n).flatMap((s) => [...s.outputs, ...s.nodes.flatMap(reads)])];
}

/** The nodes serialization keeps: those an output depends on. */
function liveNodes(g: Graph): Node[] {
  const needed = new Set<unknown>(g.outputs);
  const live = new Set<Node>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    live.add(n);
    for (const t of reads(n)) needed.add(t);
  }
  return g.nodes.filter((n) => live.has(n));
}

/** Every live node of `g` and of the bodies nested in it, with the body that holds it. */
export function allNodes(g: Graph, inBody = 'main'): { node: Node; inBody: string }[] {
  return liveNodes(g).flatMap((node) => [{ node, inBody }, ...subgraphs(node).flatMap((s) => allNodes(s, node.name))]);
}

/** The nodes of `g` (and its bodies) `p` has no kernel for. */
export function fallbacks(table: KernelTable, p: Provider, g: Graph, graphName: string): Fallback[] {
  const opset = g.root.opset;
  return allNodes(g).flatMap(({ node, inBody }) => {
    const r = table.has(p, node, opset);
    return r.ok ? [] : [{ graph: graphName, node: node.name, op: node.op, version: r.version, type: r.type, inBody }];
  });
}
