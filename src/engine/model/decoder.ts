/**
 * The Llama-family decoder as one ONNX graph, built top to bottom with the graph builder
 * (src/engine/onnx). One function serves Llama, Mistral, Qwen2 and Qwen3; the differences are
 * switches read from the DecoderConfig:
 *
 *   x = embed_tokens[input_ids]
 *   for each kept layer:
 *     a = RMSNorm(x) ; q, k, v = a·Wqᵀ (+bq), a·Wkᵀ (+bk), a·Wvᵀ (+bv)      (bias: Qwen2)
 *     q, k = RMSNorm per head (Qwen3) ; q, k = RoPE(q, k, positions)
 *     x = x + Attention(q, k, v; causal ∧ attention_mask, GQA)·Woᵀ
 *     m = RMSNorm(x) ; x = x + (SiLU(m·Wgateᵀ) ⊙ m·Wupᵀ)·Wdownᵀ
 *   h = RMSNorm(x) ; logits = h·(lm_head or embed_tokens)ᵀ
 *
 * Mode 'train/score' only: the whole sequence at once, causal. Weights are either frozen
 * (initializers stored in the model), trainable (graph inputs named by their HF tensor name,
 * so gradients and updates line up with the checkpoint), or tensors the caller already made in
 * the graph (`weightTensors`: e.g. compileTrainStep's parameter inputs). Training graphs use the builder's
 * primitive ops (nn.*) so every piece has a tested VJP (ARCHITECTURE.md, "The compute engine").
 */
import { Graph, nn, op, type Dim, type Tensor } from '../onnx';
import type { DecoderConfig } from './config';
import { ropeInverseFrequencies } from './rope';
import { tensorsFromWeights, type DecoderWeights, type Tensor32 } from './weights';
import { checkLoraAdapters, loraTensorNames, loraTensorShapes, type LoraAdapters, type LoraSpec, type LoraTarget } from './lora';

export interface DecoderOutputs {
  /** 'logits' [B, T, vocab]. */
  logits?: boolean;
  /** 'target_logprobs' [B, T]: log p(target_ids[b, t] | prefix up to t); adds input 'target_ids'. */
  targetLogProbs?: boolean;
  /** 'entropy' [B, T]: entropy of the next-token distribution, in nats. */
  entropy?: boolean;
  /** 'hidden_states.embed' and 'hidden_states.<i>' [B, T, d]: residual stream before layer 0 and after each kept layer i. */
  hiddenStates?: boolean;
  /** 'normed_hidden' [B, T, d]: the final RMSNorm output (what the LM head reads). */
  normedHidden?: boolean;
}

export interface BuildDecoderOptions {
  /** Build into this graph (to add a loss head and gradients after); default a new one. */
  graph?: Graph;
  /** Indices of the layers to keep, in order (layer pruning). Default: all. */
  layers?: readonly number[];
  /** Which tensors become graph outputs. Default: logits only. */
  outputs?: DecoderOutputs;
  /**
   * Which weights are graph inputs (trainable) instead of initializers (frozen): 'none'
   * (default), 'all', a list of HF tensor names, or a predicate on the name.
   */
  trainable?: 'none' | 'all' | readonly string[] | ((name: string) => boolean);
  /**
   * Ready-made tensors of `graph` to read instead of making an input or initializer, by HF tensor
   * name (or, with LoRA, PEFT adapter name): e.g. the parameter inputs compileTrainStep made, so
   * the decoder reads exactly the tensors the gradient is taken of. Each must be float32 with the
   * weight's shape. They are not listed in `DecoderGraph.trainable` (the caller owns them).
   */
  weightTensors?: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;
  /** Batch and sequence dims: numbers fix them, strings are symbolic. Default 'B', 'T'. */
  batch?: Dim;
  seqLen?: Dim;
  /** Add the int64 input 'attention_mask' [B, T] (1 = token, 0 = padding). Default true. */
  attentionMask?: boolean;
  /** Add the int64 input 'position_ids' [B, T] (needed with left padding). Default: 0 … T−1. */
  positionIds?: boolean;
  /**
   * LoRA on the spec's target projections: y = x·Wᵀ (+b) + (alpha/r)·(x·Aᵀ)·Bᵀ (src/engine/model/lora.ts).
   * With `adapters` the A/B tensors are frozen initializers; without, they are trainable graph
   * inputs named by their PEFT names (listed in `trainable` after the base weights' inputs).
   */
  lora?: LoraSpec & { adapters?: LoraAdapters };
}

export interface DecoderGraph {
  graph: Graph;
  inputs: { inputIds: Tensor; attentionMask: Tensor | null; positionIds: Tensor | null; targetIds: Tensor | null };
  /** Always the logits tensor (also when it is not a graph output), plus every requested output. */
  tensors: {
    logits: Tensor;
    targetLogProbs: Tensor | null;
    entropy: Tensor | null;
    /** [embedding output, after kept layer 0, after kept layer 1, …] */
    hiddenStates: Tensor[];
    normedHidden: Tensor;
  };
  /** Trainable weights: HF name → graph input, in build order (feed these each run). */
  trainable: Map<string, Tensor>;
  /** The layer indices that were kept. */
  layers: number[];
}

/** Build the decoder for `config` with `weights` (see DecoderOutputs for the graph's outputs). */
export function buildDecoder(config: DecoderConfig, weights: DecoderWeights, opts: BuildDecoderOptions = {}): DecoderGraph {
  const c = config;
  const g = opts.graph ?? new Graph(`${c.model_type}-decoder`);
  const B = opts.batch ?? 'B';
  const T = opts.seqLen ?? 'T';
  const H = c.num_attention_heads;
  const KV = c.num_key_value_heads;
  const hd = c.head_dim;
  const eps = c.rms_norm_eps;
  const want = opts.outputs ?? { logits: true };
  const layers = [...(opts.layers ?? Array.from({ length: c.num_hidden_layers }, (_, i) => i))];
  for (const i of layers) {
    if (!Number.isInteger(i) || i < 0 || i >= c.num_hidden_layers) {
      throw new Error(`buildDecoder: layer ${i} does not exist (the model has layers 0–${c.num_hidden_layers - 1})`);
    }
  }
  if (new Set(layers).size !== layers.length) throw new Error(`buildDecoder: layers [${layers.join(', ')}] lists a layer twice`);
  if (c.sliding_window !== null && typeof T === 'number' && T > c.sliding_window) {
    throw new Error(`buildDecoder: sequence length ${T} exceeds sliding_window ${c.sliding_window}, which this build does not apply`);
  }

  // Weights: each HF tensor becomes an initializer (frozen) or an input (trainable), once.
  const byName = new Map<string, Tensor32>(tensorsFromWeights(c, weights));
  const isTrainable =
    opts.trainable === undefined || opts.trainable === 'none'
      ? () => false
      : opts.trainable === 'all'
        ? () => true
        : typeof opts.trainable === 'function'
          ? opts.trainable
          : ((set: Set<string>) => (n: string) => set.has(n))(new Set(opts.trainable));
  if (Array.isArray(opts.trainable)) {
    const unknown = opts.trainable.filter((n) => !byName.has(n));
    if (unknown.length) throw new Error(`buildDecoder: trainable names no tensor of this model: ${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''}`);
  }
  const lora = opts.lora;
  const given = readyMadeTensors(g, c, byName, opts.weightTensors, lora);
  const trainable = new Map<string, Tensor>();
  const made = new Map<string, Tensor>(given);
  const read = new Set<string>();
  const w = (name: string): Tensor => {
    read.add(name);
    const hit = made.get(name);
    if (hit) return hit;
    const t = byName.get(name);
    if (!t) throw new Error(`buildDecoder: the weights have no tensor '${name}'`);
    const tensor = isTrainable(name) ? g.input(name, 'float32', t.shape) : g.initializer(name, t.data, t.shape);
    if (isTrainable(name)) trainable.set(name, tensor);
    made.set(name, tensor);
    return tensor;
  };
  const wOpt = (name: string, present: boolean): Tensor | null => (present ? w(name) : null);

  // LoRA: the targeted projections get a low-rank side path.
  if (lora?.adapters) checkLoraAdapters(c, lora, lora.adapters);
  const loraTargets = new Set<LoraTarget>(lora?.targets ?? []);
  const adapter = (name: string, shape: number[]): Tensor => {
    read.add(name);
    const hit = made.get(name);
    if (hit) return hit;
    let t: Tensor;
    if (lora!.adapters) t = g.initializer(name, lora!.adapters.get(name)!.data, shape);
    else {
      t = g.input(name, 'float32', shape);
      trainable.set(name, t);
    }
    made.set(name, t);
    return t;
  };
  /** nn.linear plus the LoRA path when layer i's `target` is adapted. */
  const proj = (i: number, target: LoraTarget, x: Tensor, weight: Tensor, bias: Tensor | null): Tensor => {
    const y = nn.linear(x, weight, bias);
    if (!lora || !loraTargets.has(target)) return y;
    const [out, inn] = weight.shape as [number, number];
    const names = loraTensorNames(i, target);
    const A = adapter(names.a, [lora.r, inn]);
    const Bm = adapter(names.b, [out, lora.r]);
    return op.add(y, op.mul(nn.linear(nn.linear(x, A), Bm), lora.alpha / lora.r));
  };

  // Inputs.
  const inputIds = g.input('input_ids', 'int64', [B, T]);
  const attentionMask = opts.attentionMask === false ? null : g.input('attention_mask', 'int64', [B, T]);
  const positionIds = opts.positionIds ? g.input('position_ids', 'int64', [B, T]) : null;
  const targetIds = want.targetLogProbs ? g.input('target_ids', 'int64', [B, T]) : null;

  // RoPE tables: [T, hd] from 0…T−1, or [B, T, hd] from position_ids.
  const positions =
    positionIds ??
    (typeof T === 'number'
      ? g.constant(Array.from({ length: T }, (_, i) => i), 'int64', [T])
      : op.rangeDynamic(g.constant(0, 'int64'), op.squeeze(g.dim(T), [0]), g.constant(1, 'int64'), T));
  const { cos, sin } = nn.ropeTables(positions, Float32Array.from(ropeInverseFrequencies(c)));

  // Mask: causal [T, T] and, with padding, keys that are real tokens → bool [B, 1, T, T].
  let mask = nn.causalMask(g, T);
  if (attentionMask) mask = op.and(mask, op.unsqueeze(op.greater(attentionMask, 0), [1, 2]));

  let x = op.gather(w('model.embed_tokens.weight'), inputIds); // [B, T, d]
  const hiddenStates: Tensor[] = [x];
  for (const i of layers) {
    x = g.scope(`layers.${i}`, () => {
      const p = `model.layers.${i}.`;
      const a = nn.rmsNorm(x, w(`${p}input_layernorm.weight`), eps);
      const heads = (t: Tensor, n: number, norm: Tensor | null): Tensor => {
        let r = op.reshape(t, [B, T, n, hd]);
        if (norm) r = nn.rmsNorm(r, norm, eps); // Qwen3: RMSNorm over each head before RoPE
        return op.transpose(r, [0, 2, 1, 3]); // [B, n, T, hd]
      };
      const q = heads(proj(i, 'q', a, w(`${p}self_attn.q_proj.weight`), wOpt(`${p}self_attn.q_proj.bias`, c.qkv_bias)), H, wOpt(`${p}self_attn.q_norm.weight`, c.qk_norm));
      const k = heads(proj(i, 'k', a, w(`${p}self_attn.k_proj.weight`), wOpt(`${p}self_attn.k_proj.bias`, c.qkv_bias)), KV, wOpt(`${p}self_attn.k_norm.weight`, c.qk_norm));
      const v = heads(proj(i, 'v', a, w(`${p}self_attn.v_proj.weight`), wOpt(`${p}self_attn.v_proj.bias`, c.qkv_bias)), KV, null);
      const attn = nn.causalAttention(nn.applyRope(q, cos, sin), nn.applyRope(k, cos, sin), v, { mask }); // [B, H, T, hd]
      const merged = op.reshape(op.transpose(attn, [0, 2, 1, 3]), [B, T, H * hd]);
      const h = op.add(x, proj(i, 'o', merged, w(`${p}self_attn.o_proj.weight`), wOpt(`${p}self_attn.o_proj.bias`, c.o_bias)));
      const m = nn.rmsNorm(h, w(`${p}post_attention_layernorm.weight`), eps);
      const gate = nn.silu(proj(i, 'gate', m, w(`${p}mlp.gate_proj.weight`), wOpt(`${p}mlp.gate_proj.bias`, c.mlp_bias)));
      const up = proj(i, 'up', m, w(`${p}mlp.up_proj.weight`), wOpt(`${p}mlp.up_proj.bias`, c.mlp_bias));
      return op.add(h, proj(i, 'down', op.mul(gate, up), w(`${p}mlp.down_proj.weight`), wOpt(`${p}mlp.down_proj.bias`, c.mlp_bias)));
    });
    hiddenStates.push(x);
  }
  const normedHidden = nn.rmsNorm(x, w('model.norm.weight'), eps);
  const logits = nn.linear(normedHidden, w(c.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'));
  const targetLogProbs = targetIds ? nn.tokenLogProbs(logits, targetIds) : null;
  const entropy = want.entropy ? nn.entropy(logits) : null;

  if (want.logits) g.output(logits, 'logits');
  if (targetLogProbs) g.output(targetLogProbs, 'target_logprobs');
  if (entropy) g.output(entropy, 'entropy');
  if (want.hiddenStates) hiddenStates.forEach((h, k) => g.output(h, k === 0 ? 'hidden_states.embed' : `hidden_states.${layers[k - 1]}`));
  if (want.normedHidden) g.output(normedHidden, 'normed_hidden');

  // A ready-made tensor the build never read is a caller mistake (a pruned layer's weight, …).
  const unread = [...given.keys()].filter((n) => !read.has(n));
  if (unread.length) throw new Error(`buildDecoder: weightTensors ${unread.slice(0, 3).map((n) => `'${n}'`).join(', ')}${unread.length > 3 ? ', …' : ''} are not read by this build (layers [${layers.join(', ')}])`);

  return {
    graph: g,
    inputs: { inputIds, attentionMask, positionIds, targetIds },
    tensors: { logits, targetLogProbs, entropy, hiddenStates, normedHidden },
    trainable,
    layers,
  };
}

/**
 * Validate `weightTensors`: every name is a tensor of the model (or a LoRA adapter of the spec)
 * and every tensor is a float32 of `graph` with exactly that weight's shape.
 */
function readyMadeTensors(
  g: Graph,
  c: DecoderConfig,
  byName: ReadonlyMap<string, Tensor32>,
  given: BuildDecoderOptions['weightTensors'],
  lora: BuildDecoderOptions['lora'],
): Map<string, Tensor> {
  const out = new Map<string, Tensor>(given instanceof Map ? given : Object.entries(given ?? {}));
  if (out.size === 0) return out;
  const adapterShapes = new Map(lora ? loraTensorShapes(c, lora).map((a) => [a.name, a.shape]) : []);
  for (const [name, t] of out) {
    const want = byName.get(name)?.shape ?? adapterShapes.get(name);
    if (!want) throw new Error(`buildDecoder: weightTensors names '${name}', which is no tensor of this model${lora ? ' nor a LoRA adapter of the spec' : ''}`);
    if (t.graph.root !== g.root) throw new Error(`buildDecoder: weightTensors '${name}' belongs to another graph than the one being built`);
    if (t.dtype !== 'float32' || t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new Error(`buildDecoder: weightTensors '${name}' is ${t.dtype} [${t.shape.join(', ')}], the weight is float32 [${want.join(', ')}]`);
    }
  }
  return out;
}
