/**
 * Rotary position embeddings (RoFormer, arXiv:2104.09864) as the Llama family applies them in
 * `transformers`: inverse frequencies inv_freq[i] = θ^(−2i/d) for i < d/2, angles
 * position · inv_freq, and the "rotate half" layout — the first and second halves of a head
 * form the rotated pairs, so cos/sin tables are the d/2 angles written twice.
 *
 *   rope(x) = x · cos + rotate_half(x) · sin,   rotate_half([x1, x2]) = [−x2, x1]
 *
 * Scaling (config.rope_scaling): 'linear' divides every frequency by `factor` (position
 * interpolation, arXiv:2306.15595); 'llama3' divides only the low frequencies (wavelength above
 * original_max_position_embeddings / low_freq_factor), keeps the high ones (wavelength below
 * original / high_freq_factor) and blends in between — transformers `_compute_llama3_parameters`.
 * Neither changes the attention scale.
 */
import { op, type Graph, type Tensor } from '../onnx';
import type { DecoderConfig } from './config';

export type RopeShape = Pick<DecoderConfig, 'head_dim' | 'rope_theta' | 'rope_scaling'>;

export function ropeInverseFrequencies(c: RopeShape): Float64Array {
  const half = c.head_dim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(c.rope_theta, (2 * i) / c.head_dim);
  const s = c.rope_scaling;
  if (!s) return inv;
  if (s.rope_type === 'linear') return inv.map((f) => f / s.factor);
  const lowWavelen = s.original_max_position_embeddings / s.low_freq_factor;
  const highWavelen = s.original_max_position_embeddings / s.high_freq_factor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / s.factor;
    const smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    return (1 - smooth) * (f / s.factor) + smooth * f;
  });
}

/**
 * cos and sin tables, each [positions, head_dim] row-major, for positions start … start+count−1.
 * Angles are computed in float64 and rounded once.
 */
export function ropeTables(c: RopeShape, count: number, start = 0): { cos: Float32Array; sin: Float32Array } {
  const inv = ropeInverseFrequencies(c);
  const d = c.head_dim;
  const half = d / 2;
  const cos = new Float32Array(count * d);
  const sin = new Float32Array(count * d);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < half; i++) {
      const a = (start + p) * inv[i]!;
      const ca = Math.cos(a);
      const sa = Math.sin(a);
      cos[p * d + i] = ca;
      cos[p * d + half + i] = ca;
      sin[p * d + i] = sa;
      sin[p * d + half + i] = sa;
    }
  }
  return { cos, sin };
}

/**
 * Longest rotary table a graph stores: positions past it are refused by Gather at run time
 * (an error, never a silently wrong angle). Covers every model this workbench trains; a larger
 * max_position_embeddings only costs the table's memory (2 × rows × head_dim floats).
 */
export const MAX_ROPE_TABLE_ROWS = 32768;

/** Rows of the rotary tables a graph for `c` stores: one per position the model can see. */
export function ropeTableRows(c: RopeShape & Pick<DecoderConfig, 'max_position_embeddings' | 'sliding_window'>): number {
  return Math.min(c.sliding_window ?? c.max_position_embeddings, c.max_position_embeddings, MAX_ROPE_TABLE_ROWS);
}

const graphTables = new WeakMap<Graph, Map<string, { cos: Tensor; sin: Tensor }>>();

/**
 * The cos/sin factors for the positions a graph's tokens sit at, read from tables computed once
 * on the host (ropeTables above, float64 angles rounded once): no Sin/Cos node runs on a device.
 *   - `positions` a number T: positions 0 … T−1 as constants [T, head_dim];
 *   - `positions` an int64 tensor [T] or [B, T]: rows of the stored [rows, head_dim] tables,
 *     gathered ([T, head_dim] or [B, T, head_dim]); one pair of tables per model, shared by a Loop
 *     body and its graph.
 */
export function ropeFactors(
  g: Graph,
  c: RopeShape & Pick<DecoderConfig, 'max_position_embeddings' | 'sliding_window'>,
  positions: number | Tensor,
): { cos: Tensor; sin: Tensor } {
  const root = g.root;
  let cache = graphTables.get(root);
  if (!cache) graphTables.set(root, (cache = new Map()));
  const rows = typeof positions === 'number' ? positions : ropeTableRows(c);
  const key = typeof positions === 'number' ? `first_${rows}` : 'table';
  let tables = cache.get(key);
  if (!tables) {
    const t = ropeTables(c, rows);
    tables = {
      cos: root.initializer(`rope.cos.${key}`, t.cos, [rows, c.head_dim]),
      sin: root.initializer(`rope.sin.${key}`, t.sin, [rows, c.head_dim]),
    };
    cache.set(key, tables);
  }
  if (typeof positions === 'number') return tables;
  return { cos: op.gather(tables.cos, positions), sin: op.gather(tables.sin, positions) };
}
