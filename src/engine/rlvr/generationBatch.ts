/**
 * One generation batch, ready to train on for num_iterations steps (ALGORITHMS.md §1.1–1.2,
 * §1.5): prompts → G sampled completions each (policy of the moment, seeded per batch) → verifier
 * rewards → advantages (GRPO §1.2, or Pass@k §5) → training rows with π_old and (β ≠ 0)
 * reference log-probs, THR token weights (§4, when on), and the loss head's feeds.
 */
import type { Feed } from '../onnx';
import type { MixtureStream } from '../data/batches';
import type { InferenceModel } from '../generate/inferenceModel';
import { lldsAnswerWeights } from './answerSpan';
import { groupAdvantages, type GroupAdvantages, type ScaleRewards } from './advantages';
import { passAtKMethodAdvantages, type PassAtKMethod } from './pkpo';
import { thrTokenWeights, tokenHiddenRewards, type ThrSpec } from './thr';
import { applyRewardFunctions, type RewardFunction } from './rewardFunctions';
import { POLICY_INPUTS, type LossType } from './policyLoss';
import type { PolicyTrainer } from './policyTrainer';
import { drawPrompts, packRows, sampleCompletions, sliceRows, type Completion, type PromptItem, type SamplingSpec, type TrainRows } from './rollout';

export interface GenerationSettings extends Omit<SamplingSpec, 'seed'> {
  promptsPerStep: number;
  maxPromptTokens: number;
  seqLen: number;
  padId: number;
  scaleRewards: ScaleRewards;
  /** 0 = GRPO advantages; k ≥ 1 = Pass@k advantages on binary correctness (§5, by passAtKMethod). */
  passAtK: number;
  passAtKMethod?: PassAtKMethod;
  /** Weighted reward functions (§1.2); unset = the verifier's reward alone. */
  rewardFunctions?: readonly RewardFunction[];
  maskTruncated: boolean;
  lossType: LossType;
  beta: number;
  /**
   * Mini-batching (ALGORITHMS.md §1.1, §1.4; shared/config/grpoBatches.ts): rows per micro-batch
   * and micro-batches per optimizer step. Default: the whole batch is one micro-batch.
   */
  microRows?: number;
  accumulation?: number;
  /**
   * THR on (§4): token weights 1 + p·sign(THR) from the π_old scoring pass's hidden states;
   * `lmHead` gives the policy's LM head [vocab, hidden] of the moment. null = off (weights 1).
   */
  thr?: { spec: ThrSpec; hiddenSize: number; lmHead: () => Float32Array } | null;
  /** LLDS on: feed its MA weights (answerWeight on each completion's answer span, answerSpan.ts); null = off. */
  llds: { answerWeight: number; decode: (ids: readonly number[]) => string } | null;
}

export interface GenerationBatch {
  prompts: PromptItem[];
  completions: Completion[];
  group: GroupAdvantages;
  /** The advantages trained on (GRPO's, or Pass@k's). */
  advantages: number[];
  rows: TrainRows;
  /** π_old log-probs [batch·seqLen] (temperature-scaled, position t = log p(target t)). */
  oldLogprobs: Float32Array;
  /** Token weights fed to the loss head [batch·seqLen] (THR's, else 1). */
  tokenWeights: Float32Array;
  /** Loss-head inputs (POLICY_INPUTS) for every step on this batch. */
  head: Feed;
  /** The batch as micro-batches, in order: rows and head inputs of each (one part when not mini-batched). */
  micro: { rows: TrainRows; head: Feed }[];
  /** Prompts skipped as longer than max_prompt_length. */
  skippedPrompts: number;
  /** Per reward function: its value for every completion (rewards/<name>/…); empty without reward functions. */
  rewardsByFunction: Record<string, number[]>;
  /** THR on: THR per row position [batch·seqLen], the token weights fed to the loss head, token entropies. */
  thr: { values: Float64Array; weights: Float32Array; entropy: Float32Array } | null;
}

/** A seed for batch `index` of a run seeded `seed` (distinct streams per batch, reproducible on resume). */
export function batchSeed(seed: number, index: number): number {
  return (seed * 1_000_003 + index * 7919 + 17) % 2 ** 31;
}

export async function makeGenerationBatch(
  s: GenerationSettings,
  stream: MixtureStream,
  sampler: InferenceModel,
  policy: PolicyTrainer,
  seed: number,
  warn: (message: string) => void,
  /** Prompts chosen by the caller (failure-prefix conditioning, §3); default: drawn from `stream`. */
  drawn?: { items: PromptItem[]; skipped: number },
): Promise<GenerationBatch> {
  const { items, skipped } = drawn ?? drawPrompts(stream, s.promptsPerStep, (t) => sampler.encodePrompt(t), s.maxPromptTokens);
  const sampled = await sampleCompletions(sampler, items, { ...s, seed }, warn);
  const scored = s.rewardFunctions ? applyRewardFunctions(sampled, items, s.rewardFunctions) : null;
  const completions = scored ? scored.completions : sampled;
  const G = s.numGenerations;
  const group = groupAdvantages(completions.map((c) => c.reward), G, s.scaleRewards);
  // Pass@k shaping reads binary correctness; an unscorable completion counts as incorrect.
  const advantages = s.passAtK > 0 ? passAtKMethodAdvantages(completions.map((c) => c.correct), G, s.passAtK, s.passAtKMethod ?? 'chen') : group.advantages;
  const rows = packRows(items.map((i) => i.ids), completions, s.seqLen, s.padId, completions.map((c) => !(s.maskTruncated && c.truncated)));
  let old: Float32Array;
  let thr: GenerationBatch['thr'] = null;
  if (s.thr) {
    const scored = await policy.scorePolicyWithHidden(rows);
    old = scored.logprobs;
    const values = tokenHiddenRewards(
      {
        G, batch: rows.batch, seqLen: rows.seqLen, hiddenSize: s.thr.hiddenSize, hidden: scored.hidden, targets: rows.targetIds, logprobs: old,
        mask: rows.mask, advantages, correct: completions.map((c) => c.correct), lmHead: s.thr.lmHead(), temperature: s.temperature,
      },
      s.thr.spec.normalization,
    );
    thr = { values, weights: thrTokenWeights(values, rows.mask, s.thr.spec), entropy: scored.entropy };
  } else {
    old = await policy.scorePolicy(rows);
  }
  const dims = [rows.batch, rows.seqLen];
  const tokenWeights = thr ? thr.weights : new Float32Array(rows.batch * rows.seqLen).fill(1);
  const head: Feed = {
    [POLICY_INPUTS.oldLogprobs]: { data: old, dims },
    [POLICY_INPUTS.advantages]: { data: Float32Array.from(advantages), dims: [rows.batch] },
    [POLICY_INPUTS.completionMask]: { data: rows.mask, dims },
    [POLICY_INPUTS.tokenWeights]: { data: tokenWeights, dims },
  };
  if (s.llds) {
    const spans = completions.map((c) => ({ tokens: c.tokens, text: c.text, task: items[c.group]!.example.task, promptLength: items[c.group]!.ids.length }));
    head[POLICY_INPUTS.lldsWeights] = { data: lldsAnswerWeights(rows, spans, s.llds.answerWeight, s.llds.decode), dims };
  }
  if (s.beta !== 0) head[POLICY_INPUTS.refLogprobs] = { data: await policy.scoreReference(rows), dims };
  if (s.lossType === 'dapo') {
    // the generation batch is one micro-batch on one process: N_tokens_global / n_procs = its tokens
    head[POLICY_INPUTS.numItemsInBatch] = Math.max(1, rows.maskedTokens.reduce((a, b) => a + b, 0));
  }
  const micro = splitMicroBatches(rows, head, s.microRows ?? rows.batch, s.accumulation ?? 1);
  return { prompts: items, completions, group, advantages, rows, oldLogprobs: old, tokenWeights, head, micro, skippedPrompts: skipped, thr, rewardsByFunction: scored?.byFunction ?? {} };
}

/**
 * The batch's rows and head inputs cut into micro-batches of `microRows` rows (in order). Per-row
 * inputs are sliced; dapo's normaliser becomes the active tokens of the micro-batch's accumulation
 * window (its `accumulation` consecutive micro-batches) divided by `accumulation`, so the step's
 * gradient average is the exact token mean over the window (§1.4: no division by the steps).
 */
export function splitMicroBatches(rows: TrainRows, head: Feed, microRows: number, accumulation: number): { rows: TrainRows; head: Feed }[] {
  if (microRows === rows.batch && accumulation === 1) return [{ rows, head }];
  const B = rows.batch;
  if (B % microRows !== 0 || (B / microRows) % accumulation !== 0) {
    throw new Error(`generation batch: ${B} rows do not split into micro-batches of ${microRows} in windows of ${accumulation}`);
  }
  const parts: { rows: TrainRows; head: Feed }[] = [];
  for (let start = 0; start < B; start += microRows) {
    const part: Feed = {};
    for (const [k, v] of Object.entries(head)) {
      const fed = typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && 'dims' in v ? (v as { data: Float32Array | BigInt64Array; dims: readonly number[] }) : null;
      if (fed && fed.dims[0] === B) {
        const per = fed.dims.slice(1).reduce((a, b) => a * b, 1);
        part[k] = { data: fed.data.slice(start * per, (start + microRows) * per), dims: [microRows, ...fed.dims.slice(1)] };
      } else if (k !== POLICY_INPUTS.numItemsInBatch) {
        throw new Error(`generation batch: head input '${k}' is not per-row, cannot split it into micro-batches`);
      }
    }
    if (POLICY_INPUTS.numItemsInBatch in head) {
      const window = Math.floor(start / (microRows * accumulation)) * microRows * accumulation;
      const tokens = rows.maskedTokens.slice(window, window + microRows * accumulation).reduce((a, b) => a + b, 0);
      part[POLICY_INPUTS.numItemsInBatch] = Math.max(1, tokens) / accumulation;
    }
    parts.push({ rows: sliceRows(rows, start, microRows), head: part });
  }
  return parts;
}
