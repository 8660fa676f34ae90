/**
 * The decoder as a policy: per-token log-probs of given completion tokens from temperature-
 * scaled logits (ALGORITHMS.md §1.1: TRL divides the logits by the sampling temperature before
 * the log-softmax, so training log-probs match the sampling distribution), as
 *   - the GRPO training step's loss builder (decoder + policyLossHead), for compileTrainStep;
 *   - a forward-only scoring graph (old-policy and reference log-probs), with the weights either
 *     graph inputs (the policy of the moment: every weight, or the LoRA adapters on a frozen
 *     base) or initializers (the frozen reference model).
 *
 * Rows are right-padded `<bos> prompt completion pad…` of static length T; position t scores
 * `target_ids[t]` (= the token at t+1). A causal mask needs no attention mask for right padding.
 */
import { Graph, chunkedTokenStats, nn, op, type Tensor } from '../onnx';
import type { LossBuilder } from '../optim';
import { buildDecoder, type DecoderGraph } from '../model/decoder';
import type { DecoderConfig } from '../model/config';
import type { DecoderWeights } from '../model/weights';
import type { LoraSpec } from '../model/lora';
import { policyLossHead, type PolicyLossSpec } from './policyLoss';

export const POLICY_DATA = {
  inputIds: 'input_ids',
  targetIds: 'target_ids',
  /** Scoring graph output: float32 [B, T]. */
  logprobs: 'logprobs',
  /** Scoring graph output with `hidden`: float32 [B, T, d], the final hidden states (LM head input; THR §4). */
  hidden: 'normed_hidden',
  /** Scoring graph output with `hidden`: float32 [B, T], entropy of softmax(logits / T) (THR's entropy overlap). */
  entropy: 'entropy',
} as const;

export interface PolicyShape {
  config: DecoderConfig;
  /** The base weights: frozen under LoRA, the starting point (or the reference) otherwise. */
  weights: DecoderWeights;
  batch: number;
  seqLen: number;
  /** Sampling temperature (> 0): the logits are divided by it. */
  temperature: number;
  /** Train / score LoRA adapters on the frozen `weights`. */
  lora?: LoraSpec;
}

/** log p_T(target) and the entropy of softmax(logits / T), both [B, T]. */
export function scaledTokenStats(logits: Tensor, targets: Tensor, temperature: number, entropy: boolean): { logprobs: Tensor; entropy: Tensor | null } {
  if (!(temperature > 0)) throw new Error(`temperature: expected > 0 for training log-probs, got ${temperature}`);
  const scaled = temperature === 1 ? logits : op.div(logits, temperature);
  return { logprobs: nn.tokenLogProbs(scaled, targets), entropy: entropy ? nn.entropy(scaled) : null };
}

/**
 * scaledTokenStats through the chunked LM head (src/engine/onnx/chunkedHead.ts): the same values
 * from the decoder's final hidden states, without the [B, T, vocab] logits (forward and backward).
 */
export function chunkedScaledTokenStats(d: DecoderGraph, targets: Tensor, temperature: number, entropy: boolean): { logprobs: Tensor; entropy: Tensor | null } {
  if (!(temperature > 0)) throw new Error(`temperature: expected > 0 for training log-probs, got ${temperature}`);
  return chunkedTokenStats(d.tensors.normedHidden, d.tensors.headWeight, targets, { temperature, entropy });
}

/** Loss builder for compileTrainStep: params are every decoder weight, or the LoRA adapters. */
export function grpoLossBuilder(shape: PolicyShape, loss: PolicyLossSpec): LossBuilder {
  return (g, params) => {
    const d = buildDecoder(shape.config, shape.weights, {
      graph: g,
      weightTensors: params,
      ...(shape.lora ? { lora: { r: shape.lora.r, alpha: shape.lora.alpha, targets: shape.lora.targets } } : {}),
      batch: shape.batch,
      seqLen: shape.seqLen,
      attentionMask: false,
      outputs: {},
    });
    const targets = g.input(POLICY_DATA.targetIds, 'int64', [shape.batch, shape.seqLen]);
    const s = chunkedScaledTokenStats(d, targets, shape.temperature, true);
    return policyLossHead(s.logprobs, s.entropy, loss);
  };
}

/**
 * Forward-only log-probs graph (with `hidden`, also the final hidden states and token entropies). `weightsAsInputs`: the policy's weights are fed each run (every
 * HF tensor, or with `lora` the adapters by PEFT name); otherwise `weights` are frozen in it.
 */
export function buildScoreGraph(shape: PolicyShape, weightsAsInputs: boolean, opts: { hidden?: boolean } = {}): Graph {
  const g = new Graph('policy_score');
  const d = buildDecoder(shape.config, shape.weights, {
    graph: g,
    trainable: weightsAsInputs && !shape.lora ? 'all' : 'none',
    ...(shape.lora && weightsAsInputs ? { lora: { r: shape.lora.r, alpha: shape.lora.alpha, targets: shape.lora.targets } } : {}),
    batch: shape.batch,
    seqLen: shape.seqLen,
    attentionMask: false,
    outputs: {},
  });
  const targets = g.input(POLICY_DATA.targetIds, 'int64', [shape.batch, shape.seqLen]);
  const stats = chunkedScaledTokenStats(d, targets, shape.temperature, opts.hidden === true);
  g.output(stats.logprobs, POLICY_DATA.logprobs);
  if (opts.hidden) {
    g.output(d.tensors.normedHidden, POLICY_DATA.hidden);
    g.output(stats.entropy!, POLICY_DATA.entropy);
  }
  return g;
}
