/**
 * HF tensor names ↔ a typed DecoderWeights. Linear weights keep HF's [out_features, in_features]
 * layout; the decoder graph decides how to multiply. Loading checks that every tensor the config
 * implies exists with the right shape, and names the file it came from when one does not.
 */
import type { DecoderConfig } from './config';
import { ModelFileError } from './errors';
import type { LoadedTensor } from './safetensors';

export interface Tensor32 {
  shape: number[];
  data: Float32Array;
}

export interface LayerWeights {
  inputNorm: Tensor32;
  q: Tensor32;
  k: Tensor32;
  v: Tensor32;
  o: Tensor32;
  qBias?: Tensor32;
  kBias?: Tensor32;
  vBias?: Tensor32;
  oBias?: Tensor32;
  qNorm?: Tensor32;
  kNorm?: Tensor32;
  postAttentionNorm: Tensor32;
  gate: Tensor32;
  up: Tensor32;
  down: Tensor32;
  gateBias?: Tensor32;
  upBias?: Tensor32;
  downBias?: Tensor32;
}

export interface DecoderWeights {
  embed: Tensor32;
  layers: LayerWeights[];
  finalNorm: Tensor32;
  /** Absent when the embeddings are tied. */
  lmHead?: Tensor32;
}

type LayerKey = keyof LayerWeights;

/** Every tensor of one layer: weights key, HF name suffix, expected shape, when present. */
function layerSpec(c: DecoderConfig): { key: LayerKey; name: string; shape: number[]; when: boolean }[] {
  const d = c.hidden_size;
  const q = c.num_attention_heads * c.head_dim;
  const kv = c.num_key_value_heads * c.head_dim;
  const f = c.intermediate_size;
  return [
    { key: 'inputNorm', name: 'input_layernorm.weight', shape: [d], when: true },
    { key: 'q', name: 'self_attn.q_proj.weight', shape: [q, d], when: true },
    { key: 'k', name: 'self_attn.k_proj.weight', shape: [kv, d], when: true },
    { key: 'v', name: 'self_attn.v_proj.weight', shape: [kv, d], when: true },
    { key: 'o', name: 'self_attn.o_proj.weight', shape: [d, q], when: true },
    { key: 'qBias', name: 'self_attn.q_proj.bias', shape: [q], when: c.qkv_bias },
    { key: 'kBias', name: 'self_attn.k_proj.bias', shape: [kv], when: c.qkv_bias },
    { key: 'vBias', name: 'self_attn.v_proj.bias', shape: [kv], when: c.qkv_bias },
    { key: 'oBias', name: 'self_attn.o_proj.bias', shape: [d], when: c.o_bias },
    { key: 'qNorm', name: 'self_attn.q_norm.weight', shape: [c.head_dim], when: c.qk_norm },
    { key: 'kNorm', name: 'self_attn.k_norm.weight', shape: [c.head_dim], when: c.qk_norm },
    { key: 'postAttentionNorm', name: 'post_attention_layernorm.weight', shape: [d], when: true },
    { key: 'gate', name: 'mlp.gate_proj.weight', shape: [f, d], when: true },
    { key: 'up', name: 'mlp.up_proj.weight', shape: [f, d], when: true },
    { key: 'down', name: 'mlp.down_proj.weight', shape: [d, f], when: true },
    { key: 'gateBias', name: 'mlp.gate_proj.bias', shape: [f], when: c.mlp_bias },
    { key: 'upBias', name: 'mlp.up_proj.bias', shape: [f], when: c.mlp_bias },
    { key: 'downBias', name: 'mlp.down_proj.bias', shape: [d], when: c.mlp_bias },
  ];
}

/** Every (HF name, expected shape) the config implies, in a stable order. */
export function expectedTensors(c: DecoderConfig): { name: string; shape: number[] }[] {
  const out = [{ name: 'model.embed_tokens.weight', shape: [c.vocab_size, c.hidden_size] }];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    for (const s of layerSpec(c)) if (s.when) out.push({ name: `model.layers.${i}.${s.name}`, shape: s.shape });
  }
  out.push({ name: 'model.norm.weight', shape: [c.hidden_size] });
  if (!c.tie_word_embeddings) out.push({ name: 'lm_head.weight', shape: [c.vocab_size, c.hidden_size] });
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Tensors some checkpoints carry that are not weights (old Llama exports store RoPE frequencies). */
const IGNORED = /(^|\.)rotary_emb\.inv_freq$/;

/**
 * Build DecoderWeights from loaded tensors; `where` names the checkpoint for missing tensors.
 * Tensors the config does not explain are an error too (they mean config.json and the weights
 * disagree, e.g. more layers in the file than num_hidden_layers), except `lm_head.weight` next
 * to tied embeddings (transformers ignores it) and stored RoPE frequencies.
 */
export function weightsFromTensors(c: DecoderConfig, tensors: Map<string, LoadedTensor>, where: string): DecoderWeights {
  const expected = new Set(expectedTensors(c).map((t) => t.name));
  for (const [name, t] of tensors) {
    if (expected.has(name) || IGNORED.test(name) || (name === 'lm_head.weight' && c.tie_word_embeddings)) continue;
    throw new ModelFileError(
      t.file,
      `unexpected tensor '${name}': config.json describes a ${c.model_type} decoder with ${c.num_hidden_layers} layers` +
        `${c.qkv_bias ? '' : ', no q/k/v bias'}${c.qk_norm ? '' : ', no q/k norm'}; config and weights disagree`,
    );
  }
  const take = (name: string, shape: number[]): Tensor32 => {
    const t = tensors.get(name);
    if (!t) throw new ModelFileError(where, `missing tensor '${name}' (expected shape [${shape.join(', ')}])`);
    if (!sameShape(t.shape, shape)) {
      throw new ModelFileError(t.file, `tensor '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`);
    }
    if (!(t.data instanceof Float32Array)) throw new ModelFileError(t.file, `tensor '${name}' has integer dtype ${t.dtype}, expected a float dtype`);
    return { shape: [...t.shape], data: t.data };
  };
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const lw: Partial<LayerWeights> = {};
    for (const s of layerSpec(c)) if (s.when) lw[s.key] = take(`model.layers.${i}.${s.name}`, s.shape);
    layers.push(lw as LayerWeights);
  }
  const w: DecoderWeights = {
    embed: take('model.embed_tokens.weight', [c.vocab_size, c.hidden_size]),
    layers,
    finalNorm: take('model.norm.weight', [c.hidden_size]),
  };
  if (!c.tie_word_embeddings) w.lmHead = take('lm_head.weight', [c.vocab_size, c.hidden_size]);
  return w;
}

/** HF names → tensors, for saving. */
export function tensorsFromWeights(c: DecoderConfig, w: DecoderWeights): [string, Tensor32][] {
  const out: [string, Tensor32][] = [['model.embed_tokens.weight', w.embed]];
  w.layers.forEach((lw, i) => {
    for (const s of layerSpec(c)) {
      if (!s.when) continue;
      const t = lw[s.key];
      if (!t) throw new Error(`layer ${i} has no '${s.key}' weights but the config requires ${s.name}`);
      out.push([`model.layers.${i}.${s.name}`, t]);
    }
  });
  out.push(['model.norm.weight', w.finalNorm]);
  if (!c.tie_word_embeddings) {
    if (!w.lmHead) throw new Error('untied config but the weights have no lm_head');
    out.push(['lm_head.weight', w.lmHead]);
  }
  return out;
}

/**
 * Every weight as a feed by its HF name, sharing the arrays (no copy): bind it to the sessions
 * of graphs that take weights as inputs (`withBoundInputs` in src/engine/onnx/session.ts) and
 * the whole run holds one copy of the weights however many graphs read them.
 */
export function weightFeeds(c: DecoderConfig, w: DecoderWeights): Map<string, { data: Float32Array; dims: readonly number[] }> {
  return new Map(tensorsFromWeights(c, w).map(([name, t]) => [name, { data: t.data, dims: t.shape }]));
}
