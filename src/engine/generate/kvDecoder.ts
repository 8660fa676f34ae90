/**
 * Cache-aware decoder graphs for generation, built from the same decoder layer as training
 * (src/engine/model/decoderLayer.ts: same HF weight names, LoRA, biases, q/k norms, RoPE tables):
 *
 *   prefill: input_ids [B, T], attention_mask [B, T], position_ids [B, T]
 *            → logits [B, V] (last position), present.<i>.key / .value [B, Hkv, T, hd]
 *   decode:  input_ids [B, 1], attention_mask [B, P+1], position_ids [B, 1],
 *            past.<i>.key / .value [B, Hkv, P, hd]
 *            → logits [B, V], present.<i>.key / .value [B, Hkv, P+1, hd]
 *
 * plus, as graph inputs, the trainable state (`GenerationWeights`): every weight in full
 * finetuning, or the LoRA adapters on a frozen base — fed each run, so a policy update never
 * rebuilds a session. Prompts are left-padded, so the last column is every row's newest token.
 * The cache is passed back as the ort.Tensors the previous run returned (no copy through JS
 * arrays). Batch, T and P are symbolic, so one session per mode serves every batch size and length.
 */
import { Graph, nn, op, type Dim, type Tensor } from '../onnx';
import type { DecoderConfig } from '../model/config';
import { checkLayers, decoderLayer, lmHead, weightReader, type KvPair, type WeightReader } from '../model/decoderLayer';
import type { LoraSpec } from '../model/lora';
import { ropeFactors, ropeTableRows } from '../model/rope';
import type { DecoderWeights } from '../model/weights';

export type KvMode = 'prefill' | 'decode';

/** What a generation graph stores and what it is fed. */
export interface GenerationWeights {
  /** Base weights: stored in the graph unless `trainable` is 'all'. */
  weights: DecoderWeights;
  /** Kept layers (pruning); default all. */
  layers?: readonly number[];
  /**
   * Trainable state fed as graph inputs: 'all' = every base weight (full finetuning), 'lora' =
   * the adapters of `lora` by PEFT name. Default 'none' (everything stored).
   */
  trainable?: 'none' | 'all' | 'lora';
  lora?: LoraSpec;
}

export interface KvDecoderGraph {
  graph: Graph;
  /** Layer indices, in order; cache tensors are named past.<k>.key … by position k in this list. */
  layers: number[];
  /** Names of the trainable-state inputs. */
  stateInputs: string[];
}

export const pastName = (k: number, kv: 'key' | 'value') => `past.${k}.${kv}`;
export const presentName = (k: number, kv: 'key' | 'value') => `present.${k}.${kv}`;

/** The weight reader of a generation graph (state as inputs of the main graph). */
export function generationReader(g: Graph, c: DecoderConfig, src: GenerationWeights): WeightReader {
  const t = src.trainable ?? 'none';
  if (t === 'lora' && !src.lora) throw new Error('generation graph: trainable "lora" needs the LoRA spec');
  return weightReader(g, c, src.weights, {
    trainable: t === 'all' ? 'all' : 'none',
    ...(t === 'lora' ? { lora: { r: src.lora!.r, alpha: src.lora!.alpha, targets: src.lora!.targets } } : {}),
    who: 'generation graph',
  });
}

export function buildKvDecoder(c: DecoderConfig, src: GenerationWeights, mode: KvMode): KvDecoderGraph {
  const g = new Graph(`${c.model_type}-${mode}`);
  const layers = checkLayers(c, src.layers, 'generation graph');
  const r = generationReader(g, c, src);
  const T: number | string = mode === 'decode' ? 1 : 'T';
  const S = mode === 'decode' ? 'P+1' : T; // keys seen: past + this step
  const inputIds = g.input('input_ids', 'int64', ['B', T]);
  const attentionMask = g.input('attention_mask', 'int64', ['B', S]);
  const positionIds = g.input('position_ids', 'int64', ['B', T]);
  const past =
    mode === 'decode'
      ? layers.map((_, k) => ({
          key: g.input(pastName(k, 'key'), 'float32', ['B', c.num_key_value_heads, 'P', c.head_dim]),
          value: g.input(pastName(k, 'value'), 'float32', ['B', c.num_key_value_heads, 'P', c.head_dim]),
        }))
      : null;
  const { logits, present } = decoderStep(g, c, r, layers, { inputIds, attentionMask, positionIds, past });
  present.forEach((p, k) => {
    g.output(p.key, presentName(k, 'key'));
    g.output(p.value, presentName(k, 'value'));
  });
  g.output(logits, 'logits');
  return { graph: g, layers, stateInputs: [...r.trainable.keys()] };
}

export interface StepInputs {
  /** int64 [B, T] */
  inputIds: Tensor;
  /** int64 [B, P+T]: 1 = real token (past and present). */
  attentionMask: Tensor;
  /** int64 [B, T] */
  positionIds: Tensor;
  /** Per kept layer, keys (after RoPE) and values [B, Hkv, P, hd]; null = no past (prefill). */
  past: KvPair[] | null;
}

/**
 * One forward over T new tokens with an optional cache, built into `g` (the main graph or a Loop
 * body): logits of the last position [B, V] and the grown cache [B, Hkv, P+T, hd] per layer.
 */
export function decoderStep(g: Graph, c: DecoderConfig, r: WeightReader, layers: readonly number[], inp: StepInputs): { logits: Tensor; present: KvPair[] } {
  const [, T] = inp.inputIds.shape as [Dim, Dim];
  const S = inp.attentionMask.shape[1]!;
  // Finished rows ride along in a batch and may step past the model's positions (fitToLimit);
  // their outputs are ignored, so their positions are clamped to the table rather than refused.
  const rope = ropeFactors(g, c, op.minimum(inp.positionIds, ropeTableRows(c) - 1));
  // Query t sits at key index S − T + t: causal over [T, S] (all keys when T = 1), padding keys masked per row.
  const keys = op.unsqueeze(op.greater(inp.attentionMask, 0), [1, 2]);
  const mask = T === 1 ? keys : op.and(nn.causalMask(g, T, S), keys);
  const ctx = { config: c, weights: r, rope, mask };
  let x = op.gather(r.w('model.embed_tokens.weight'), inp.inputIds);
  const present: KvPair[] = [];
  layers.forEach((i, k) => {
    const out = decoderLayer(ctx, i, x, inp.past ? inp.past[k]! : null);
    x = out.x;
    present.push(out.present);
  });
  // Only the last position's logits leave (left padding: the same column for every row).
  const last = op.squeeze(op.sliceAxis(x, 1, -1), [1]);
  return { logits: lmHead(c, r, last).logits, present };
}
