/**
 * The one Llama-family decoder layer every graph builder uses — training and scoring
 * (decoder.ts), prefill, per-token decode and the in-graph decode loop (generate/kvDecoder.ts,
 * generate/loopDecoder.ts) — and the weight reader that decides, per HF tensor, whether a graph
 * stores it (frozen initializer), is fed it each run (trainable state: graph input), or reads a
 * tensor the caller made (compileTrainStep's parameters). LoRA side paths, Qwen2 q/k/v biases,
 * Qwen3 per-head q/k norms and pruned layer lists therefore behave the same in all of them.
 *
 *   a = RMSNorm(x) ; q, k, v = a·Wqᵀ (+bq), a·Wkᵀ (+bk), a·Wvᵀ (+bv)   (+ LoRA on each target)
 *   q, k = RMSNorm per head (Qwen3) ; q, k = RoPE(q, k) ; k, v = concat(past, new) when cached
 *   x = x + Attention(q, k, v; mask, GQA)·Woᵀ
 *   m = RMSNorm(x) ; x = x + (SiLU(m·Wgateᵀ) ⊙ m·Wupᵀ)·Wdownᵀ
 *
 * The cache holds keys after RoPE, so a cached key is never rotated again.
 */
import { nn, op, type Dim, type Graph, type Tensor } from '../onnx';
import type { DecoderConfig } from './config';
import { checkLoraAdapters, loraTensorNames, loraTensorShapes, type LoraAdapters, type LoraSpec, type LoraTarget } from './lora';
import { tensorsFromWeights, type DecoderWeights, type Tensor32 } from './weights';

export type TrainableSelection = 'none' | 'all' | readonly string[] | ((name: string) => boolean);

export interface WeightReaderOptions {
  /** Which base weights are graph inputs instead of initializers (default 'none'). */
  trainable?: TrainableSelection;
  /** Tensors already in the graph to read by HF (or PEFT adapter) name; see BuildDecoderOptions. */
  weightTensors?: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;
  /**
   * LoRA on the spec's targets: with `adapters` they are stored in the graph, without they are
   * graph inputs named by their PEFT names (trainable state).
   */
  lora?: LoraSpec & { adapters?: LoraAdapters };
  /** Names the builder in error messages. */
  who?: string;
}

export interface WeightReader {
  /** The tensor for an HF weight name (made on first use, in the main graph). */
  w(name: string): Tensor;
  /** nn.linear(x, W, b) plus the LoRA side path when layer `layer`'s `target` is adapted. */
  proj(layer: number, target: LoraTarget, x: Tensor, weight: string, bias: string | null): Tensor;
  /** Graph inputs made for trainable weights and adapters, in the order they were first read. */
  readonly trainable: Map<string, Tensor>;
  /** Names read so far. */
  readonly read: Set<string>;
  /** The ready-made tensors the caller passed (validated). */
  readonly given: ReadonlyMap<string, Tensor>;
  /**
   * A reader for a Loop body (or any subgraph) of the main graph: the same weights, each read
   * through an Identity inside `body`. Without it an op on a weight alone (the Transpose of
   * nn.linear) lands in the main graph, and onnxruntime would compute it once before the loop
   * and hold it for the loop's life: a transposed copy of every weight the body reads
   * (docs/decisions/0047).
   */
  within(body: Graph): WeightReader;
}

export function weightReader(g: Graph, c: DecoderConfig, weights: DecoderWeights, o: WeightReaderOptions = {}): WeightReader {
  const who = o.who ?? 'decoder';
  const root = g.root;
  const byName = new Map<string, Tensor32>(tensorsFromWeights(c, weights));
  const sel = o.trainable;
  const isTrainable =
    sel === undefined || sel === 'none'
      ? () => false
      : sel === 'all'
        ? () => true
        : typeof sel === 'function'
          ? sel
          : ((set: Set<string>) => (n: string) => set.has(n))(new Set(sel));
  if (Array.isArray(sel)) {
    const unknown = sel.filter((n) => !byName.has(n));
    if (unknown.length) throw new Error(`${who}: trainable names no tensor of this model: ${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''}`);
  }
  const lora = o.lora;
  if (lora?.adapters) checkLoraAdapters(c, lora, lora.adapters);
  const given = readyMadeTensors(root, c, byName, o.weightTensors, lora, who);
  const trainable = new Map<string, Tensor>();
  const made = new Map<string, Tensor>(given);
  const read = new Set<string>();

  const w = (name: string): Tensor => {
    read.add(name);
    const hit = made.get(name);
    if (hit) return hit;
    const t = byName.get(name);
    if (!t) throw new Error(`${who}: the weights have no tensor '${name}'`);
    let tensor: Tensor;
    if (isTrainable(name)) {
      tensor = root.input(name, 'float32', t.shape);
      trainable.set(name, tensor);
    } else tensor = root.initializer(name, t.data, t.shape);
    made.set(name, tensor);
    return tensor;
  };
  const adapter = (name: string, shape: number[]): Tensor => {
    read.add(name);
    const hit = made.get(name);
    if (hit) return hit;
    let t: Tensor;
    if (lora!.adapters) t = root.initializer(name, lora!.adapters.get(name)!.data, shape);
    else {
      t = root.input(name, 'float32', shape);
      trainable.set(name, t);
    }
    made.set(name, t);
    return t;
  };
  const targets = new Set<LoraTarget>(lora?.targets ?? []);
  /** The reader that hands out `local(t)` for every main-graph tensor t (identity in the main graph). */
  const readerWith = (local: (t: Tensor) => Tensor): WeightReader => {
    const wl = (name: string): Tensor => local(w(name));
    const proj = (layer: number, target: LoraTarget, x: Tensor, weight: string, bias: string | null): Tensor => {
      const W = wl(weight);
      const y = nn.linear(x, W, bias === null ? null : wl(bias));
      if (!lora || !targets.has(target)) return y;
      const [out, inn] = W.shape as [number, number];
      const names = loraTensorNames(layer, target);
      const A = local(adapter(names.a, [lora.r, inn]));
      const Bm = local(adapter(names.b, [out, lora.r]));
      return op.add(y, op.mul(nn.linear(nn.linear(x, A), Bm), lora.alpha / lora.r));
    };
    const within = (body: Graph): WeightReader => {
      const views = new Map<Tensor, Tensor>();
      return readerWith((t) => {
        const outer = local(t);
        let v = views.get(outer);
        if (!v) {
          v = body.node('Identity', [outer], [{ dtype: outer.dtype, shape: outer.shape }])[0]!;
          views.set(outer, v);
        }
        return v;
      });
    };
    return { w: wl, proj, trainable, read, given, within };
  };
  return readerWith((t) => t);
}

/**
 * Validate `weightTensors`: every name is a tensor of the model (or a LoRA adapter of the spec)
 * and every tensor is a float32 of `graph` with exactly that weight's shape.
 */
function readyMadeTensors(
  g: Graph,
  c: DecoderConfig,
  byName: ReadonlyMap<string, Tensor32>,
  given: WeightReaderOptions['weightTensors'],
  lora: WeightReaderOptions['lora'],
  who: string,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>(given instanceof Map ? given : Object.entries(given ?? {}));
  if (out.size === 0) return out;
  const adapterShapes = new Map(lora ? loraTensorShapes(c, lora).map((a) => [a.name, a.shape]) : []);
  for (const [name, t] of out) {
    const want = byName.get(name)?.shape ?? adapterShapes.get(name);
    if (!want) throw new Error(`${who}: weightTensors names '${name}', which is no tensor of this model${lora ? ' nor a LoRA adapter of the spec' : ''}`);
    if (t.graph.root !== g.root) throw new Error(`${who}: weightTensors '${name}' belongs to another graph than the one being built`);
    if (t.dtype !== 'float32' || t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${who}: weightTensors '${name}' is ${t.dtype} [${t.shape.join(', ')}], the weight is float32 [${want.join(', ')}]`);
    }
  }
  return out;
}

/** Check a kept-layer list against the config (each layer once, in range). */
export function checkLayers(c: DecoderConfig, layers: readonly number[] | undefined, who: string): number[] {
  const out = [...(layers ?? Array.from({ length: c.num_hidden_layers }, (_, i) => i))];
  for (const i of out) {
    if (!Number.isInteger(i) || i < 0 || i >= c.num_hidden_layers) {
      throw new Error(`${who}: layer ${i} does not exist (the model has layers 0–${c.num_hidden_layers - 1})`);
    }
  }
  if (new Set(out).size !== out.length) throw new Error(`${who}: layers [${out.join(', ')}] lists a layer twice`);
  return out;
}

export interface LayerContext {
  config: DecoderConfig;
  weights: WeightReader;
  /** RoPE factors for the new tokens: [T, hd] or [B, T, hd] (model/rope.ts ropeFactors). */
  rope: { cos: Tensor; sin: Tensor };
  /** Bool, true = may attend; broadcastable to [B, H, T, S]. */
  mask: Tensor;
}

export interface KvPair {
  key: Tensor;
  value: Tensor;
}

/**
 * Layer `i` on the residual stream x [B, T, d]; `past` keys (after RoPE) and values
 * [B, Hkv, P, hd] are prepended when given. Returns the new stream and the layer's keys/values
 * over all S = P + T positions (the cache to carry).
 */
export function decoderLayer(ctx: LayerContext, i: number, x: Tensor, past: KvPair | null): { x: Tensor; present: KvPair } {
  const c = ctx.config;
  const { w, proj } = ctx.weights;
  const H = c.num_attention_heads;
  const KV = c.num_key_value_heads;
  const hd = c.head_dim;
  const eps = c.rms_norm_eps;
  const [B, T] = x.shape as [Dim, Dim];
  const p = `model.layers.${i}.`;
  const bias = (name: string, present: boolean): string | null => (present ? `${p}${name}` : null);
  return x.graph.scope(`layers.${i}`, () => {
    const a = nn.rmsNorm(x, w(`${p}input_layernorm.weight`), eps);
    const heads = (t: Tensor, n: number, norm: string | null): Tensor => {
      let r = op.reshape(t, [B, T, n, hd]);
      if (norm) r = nn.rmsNorm(r, w(norm), eps); // Qwen3: RMSNorm over each head before RoPE
      return op.transpose(r, [0, 2, 1, 3]); // [B, n, T, hd]
    };
    const q = heads(proj(i, 'q', a, `${p}self_attn.q_proj.weight`, bias('self_attn.q_proj.bias', c.qkv_bias)), H, c.qk_norm ? `${p}self_attn.q_norm.weight` : null);
    const kNew = heads(proj(i, 'k', a, `${p}self_attn.k_proj.weight`, bias('self_attn.k_proj.bias', c.qkv_bias)), KV, c.qk_norm ? `${p}self_attn.k_norm.weight` : null);
    const vNew = heads(proj(i, 'v', a, `${p}self_attn.v_proj.weight`, bias('self_attn.v_proj.bias', c.qkv_bias)), KV, null);
    const kRot = nn.applyRope(kNew, ctx.rope.cos, ctx.rope.sin);
    const key = past ? op.concat([past.key, kRot], 2) : kRot;
    const value = past ? op.concat([past.value, vNew], 2) : vNew;
    const attn = nn.causalAttention(nn.applyRope(q, ctx.rope.cos, ctx.rope.sin), key, value, { mask: ctx.mask }); // [B, H, T, hd]
    const merged = op.reshape(op.transpose(attn, [0, 2, 1, 3]), [B, T, H * hd]);
    const h = op.add(x, proj(i, 'o', merged, `${p}self_attn.o_proj.weight`, bias('self_attn.o_proj.bias', c.o_bias)));
    const m = nn.rmsNorm(h, w(`${p}post_attention_layernorm.weight`), eps);
    const gate = nn.silu(proj(i, 'gate', m, `${p}mlp.gate_proj.weight`, bias('mlp.gate_proj.bias', c.mlp_bias)));
    const up = proj(i, 'up', m, `${p}mlp.up_proj.weight`, bias('mlp.up_proj.bias', c.mlp_bias));
    const out = op.add(h, proj(i, 'down', op.mul(gate, up), `${p}mlp.down_proj.weight`, bias('mlp.down_proj.bias', c.mlp_bias)));
    return { x: out, present: { key, value } };
  });
}

/** The final RMSNorm and the LM head (tied to the embedding when the config says so). */
export function lmHead(c: DecoderConfig, r: WeightReader, x: Tensor): { normed: Tensor; logits: Tensor; weight: Tensor } {
  const normed = nn.rmsNorm(x, r.w('model.norm.weight'), c.rms_norm_eps);
  const weight = r.w(c.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  return { normed, logits: nn.linear(normed, weight), weight };
}
