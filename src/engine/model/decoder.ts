/**
 * The Llama-family decoder as one ONNX graph, built top to bottom with the graph builder
 * (src/engine/onnx). One function serves Llama, Mistral, Qwen2 and Qwen3; the differences are
 * switches read from the DecoderConfig:
 *
 *   x = embed_tokens[input_ids]
 *   for each kept layer: x = decoderLayer(x)      (decoderLayer.ts: the one layer every graph uses)
 *   h = RMSNorm(x) ; logits = h·(lm_head or embed_tokens)ᵀ
 *
 * RoPE factors come from tables precomputed on the host (rope.ts ropeFactors), so no graph
 * computes Sin/Cos.
 *
 * Mode 'train/score' only: the whole sequence at once, causal. Weights are either frozen
 * (initializers stored in the model), trainable (graph inputs named by their HF tensor name,
 * so gradients and updates line up with the checkpoint), or tensors the caller already made in
 * the graph (`weightTensors`: e.g. compileTrainStep's parameter inputs). Training graphs use the builder's
 * primitive ops (nn.*) so every piece has a tested VJP (ARCHITECTURE.md, "The compute engine").
 */
import { Graph, chunkedTokenStats, nn, op, type Dim, type Tensor } from '../onnx';
import type { DecoderConfig } from './config';
import { checkLayers, decoderLayer, lmHead, weightReader, type TrainableSelection } from './decoderLayer';
import { ropeFactors } from './rope';
import type { DecoderWeights } from './weights';
import type { LoraAdapters, LoraSpec } from './lora';

export interface DecoderOutputs {
  /** 'logits' [B, T, vocab]. */
  logits?: boolean;
  /**
   * 'target_logprobs' [B, T]: log p(target_ids[b, t] | prefix up to t); adds input 'target_ids'.
   * Computed by the chunked LM head (src/engine/onnx/chunkedHead.ts), as is 'entropy': neither
   * materialises the [B, T, vocab] logits.
   */
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
  trainable?: TrainableSelection;
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
  /** Rows per chunk of the LM head for target_logprobs / entropy (default: headChunkRows(vocab)). */
  headChunkRows?: number;
}

export interface DecoderGraph {
  graph: Graph;
  inputs: { inputIds: Tensor; attentionMask: Tensor | null; positionIds: Tensor | null; targetIds: Tensor | null };
  /**
   * Always the logits tensor (also when it is not a graph output: nodes no output reads are not
   * serialized, so an unused one costs nothing), plus every requested output.
   */
  tensors: {
    logits: Tensor;
    /** The LM head weight [vocab, d] (lm_head, or the embeddings when tied): for chunkedTokenStats. */
    headWeight: Tensor;
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
  const want = opts.outputs ?? { logits: true };
  const layers = checkLayers(c, opts.layers, 'buildDecoder');
  if (c.sliding_window !== null && typeof T === 'number' && T > c.sliding_window) {
    throw new Error(`buildDecoder: sequence length ${T} exceeds sliding_window ${c.sliding_window}, which this build does not apply`);
  }
  // Weights: each HF tensor becomes an initializer (frozen) or an input (trainable), once.
  const r = weightReader(g, c, weights, { trainable: opts.trainable, weightTensors: opts.weightTensors, lora: opts.lora, who: 'buildDecoder' });

  // Inputs.
  const inputIds = g.input('input_ids', 'int64', [B, T]);
  const attentionMask = opts.attentionMask === false ? null : g.input('attention_mask', 'int64', [B, T]);
  const positionIds = opts.positionIds ? g.input('position_ids', 'int64', [B, T]) : null;
  const targetIds = want.targetLogProbs ? g.input('target_ids', 'int64', [B, T]) : null;

  // RoPE factors from precomputed tables: [T, hd] for 0…T−1, or [B, T, hd] gathered by position_ids.
  const positions = positionIds ?? (typeof T === 'number' ? T : op.rangeDynamic(g.constant(0, 'int64'), op.squeeze(g.dim(T), [0]), g.constant(1, 'int64'), T));
  const rope = ropeFactors(g, c, positions);

  // Mask: causal [T, T] and, with padding, keys that are real tokens → bool [B, 1, T, T].
  let mask = nn.causalMask(g, T);
  if (attentionMask) mask = op.and(mask, op.unsqueeze(op.greater(attentionMask, 0), [1, 2]));

  const ctx = { config: c, weights: r, rope, mask };
  let x = op.gather(r.w('model.embed_tokens.weight'), inputIds); // [B, T, d]
  const hiddenStates: Tensor[] = [x];
  for (const i of layers) {
    x = decoderLayer(ctx, i, x, null).x;
    hiddenStates.push(x);
  }
  const { normed: normedHidden, logits, weight: headWeight } = lmHead(c, r, x);
  const stats =
    targetIds || want.entropy
      ? chunkedTokenStats(normedHidden, headWeight, targetIds ?? op.zerosLike(inputIds), { entropy: want.entropy === true, ...(opts.headChunkRows ? { chunkRows: opts.headChunkRows } : {}) })
      : null;
  const targetLogProbs = targetIds ? stats!.logprobs : null;
  const entropy = want.entropy ? stats!.entropy : null;

  if (want.logits) g.output(logits, 'logits');
  if (targetLogProbs) g.output(targetLogProbs, 'target_logprobs');
  if (entropy) g.output(entropy, 'entropy');
  if (want.hiddenStates) hiddenStates.forEach((h, k) => g.output(h, k === 0 ? 'hidden_states.embed' : `hidden_states.${layers[k - 1]}`));
  if (want.normedHidden) g.output(normedHidden, 'normed_hidden');

  // A ready-made tensor the build never read is a caller mistake (a pruned layer's weight, …).
  const unread = [...r.given.keys()].filter((n) => !r.read.has(n));
  if (unread.length) throw new Error(`buildDecoder: weightTensors ${unread.slice(0, 3).map((n) => `'${n}'`).join(', ')}${unread.length > 3 ? ', …' : ''} are not read by this build (layers [${layers.join(', ')}])`);

  return {
    graph: g,
    inputs: { inputIds, attentionMask, positionIds, targetIds },
    tensors: { logits, headWeight, targetLogProbs, entropy, hiddenStates, normedHidden },
    trainable: r.trainable,
    layers,
  };
}
