/**
 * The GRPO-family loss head, in-graph (ALGORITHMS.md §1.3–1.4; TRL GRPOTrainer._compute_loss):
 *
 *   ρ        = exp(l − l_old)                        token level, or per sequence (GSPO):
 *            = exp(Σ_t m (l − l_old) / max(1, |o_i|))
 *   L_{i,t}  = −min(min(ρ, δ)·A_i, clip(ρ, 1−ε, 1+ε_high)·A_i) · w_{i,t}     (δ optional)
 *            + β·(exp(l_ref − l) − (l_ref − l) − 1)                           (k3 KL, only β ≠ 0,
 *                                                                               added after clipping)
 *   loss     = grpo:    mean_i Σ_t m L / max(1, |o_i|)
 *              bnpo:    Σ m L / max(1, Σ m)
 *              dr_grpo: Σ m L / (|B| · max_completion_length)
 *              dapo:    Σ m L / num_items_in_batch    (global active-token count, fed as a scalar)
 *            + λ·L_LLDS                               (optional, §2.2; lldsLoss.ts)
 *            − c·E                                    (optional entropy bonus; entropyTerms.ts)
 *
 * l are the policy's log-probs of the sampled tokens (from temperature-scaled logits, §1.1),
 * m the completion mask, A the sequence advantages (broadcast over tokens), w per-token weights
 * (1 by default; THR reweighting), times the entropy mask M of top_entropy_quantile when set
 * (entropyTerms.ts; TRL multiplies its entropy mask before the KL is added). The old and
 * reference log-probs are graph inputs, so they carry no gradient (TRL: `.detach()`); with
 * old = current the ratio is 1 and the gradient is −A·w·∇l, the REINFORCE direction (§1.1).
 *
 * Besides the loss the head outputs the metrics TRL logs from the same forward (§1.8): the
 * policy log-probs, masked token means of entropy and KL, and clipped fractions — low
 * (ρ < 1−ε and A < 0), high (ρ > 1+ε_high and A > 0), region (either) — as batch means and
 * per completion (for the min/max over completions).
 */
import { GraphBuildError, op, type Tensor } from '../onnx';
import { advantageLogprobMean, checkLldsSpec, lldsTerms, type LldsSpec } from './lldsLoss';
import { entropyBonusTerm, highEntropyMask } from './entropyTerms';
import { GRPO_IS_LEVELS, GRPO_LOSS_TYPES } from '../../shared/config/grpo';

/** The config's lists (src/shared/config/grpo.ts), under the engine's names. */
export const LOSS_TYPES = GRPO_LOSS_TYPES;
export type LossType = (typeof LOSS_TYPES)[number];
export const IMPORTANCE_SAMPLING_LEVELS = GRPO_IS_LEVELS;
export type ImportanceSamplingLevel = (typeof IMPORTANCE_SAMPLING_LEVELS)[number];

export interface PolicyLossSpec {
  lossType: LossType;
  importanceSamplingLevel: ImportanceSamplingLevel;
  /** Lower clip ε (ρ ≥ 1 − ε). */
  epsilon: number;
  /** Upper clip ε_high (ρ ≤ 1 + ε_high); TRL defaults it to ε. */
  epsilonHigh: number;
  /** INTELLECT-2 two-sided clipping: ρ in the unclipped term capped at δ; null = off. */
  delta: number | null;
  /** KL coefficient; 0 adds no reference input and no KL term. */
  beta: number;
  /** dr_grpo's constant normaliser. */
  maxCompletionLength: number;
  /** LLDS regulariser (§2.2): loss += λ·L_LLDS; unset = off (no `llds_weights` input). */
  llds?: LldsSpec;
  /** Entropy bonus coefficient c (loss −= c·E, entropyTerms.ts); unset or 0 = off. */
  entropyCoef?: number;
  /** ρ: only completion tokens in the top ρ entropy quantile of the micro-batch train the policy term; unset or 1 = all. */
  topEntropyQuantile?: number;
}

/** The head's data inputs (fed per micro-batch). */
export const POLICY_INPUTS = {
  /** float32 [B, T]: log-probs of the same tokens under the rollout policy π_old. */
  oldLogprobs: 'old_logprobs',
  /** float32 [B, T]: log-probs under the frozen reference policy (only when β ≠ 0). */
  refLogprobs: 'ref_logprobs',
  /** float32 [B]: sequence advantages. */
  advantages: 'advantages',
  /** float32 [B, T]: 1 where position t predicts a completion token that counts. */
  completionMask: 'completion_mask',
  /** float32 [B, T]: per-token weights on the policy term (1 = plain GRPO). */
  tokenWeights: 'token_weights',
  /** float32 scalar (dapo only): active tokens of the whole generation batch / processes. */
  numItemsInBatch: 'num_items_in_batch',
  /** float32 [B, T] (LLDS only): LLDS-MA weights on max(0, Δ) — answer_weight on the answer span, else 1. */
  lldsWeights: 'llds_weights',
} as const;

/** Extra graph outputs for the metrics (§1.8). */
export const POLICY_OUTPUTS = {
  /** [B, T] the policy's log-probs (before the update). */
  logprobs: 'grpo.logprobs',
  entropyMean: 'grpo.entropy_mean',
  /** Only when β ≠ 0. */
  klMean: 'grpo.kl_mean',
  clipLowMean: 'grpo.clip_low_mean',
  clipHighMean: 'grpo.clip_high_mean',
  clipRegionMean: 'grpo.clip_region_mean',
  /** [B] fraction of each completion's tokens clipped low / high (sequence level: 0 or 1). */
  clipLowPerSequence: 'grpo.clip_low_seq',
  clipHighPerSequence: 'grpo.clip_high_seq',
  /** §2.1 monitors: masked token mean log-prob of A > 0 / A < 0 completions (NaN if none). */
  logprobPosMean: 'grpo.logprob_pos_mean',
  logprobNegMean: 'grpo.logprob_neg_mean',
  /** LLDS only: L_LLDS before λ, and the fraction of Y_pre tokens penalised. */
  lldsLoss: 'grpo.llds_loss',
  lldsGatedFraction: 'grpo.llds_gated_fraction',
  /** Entropy bonus on: the loss before the bonus (TRL's policy_loss). */
  policyLoss: 'grpo.policy_loss',
  /** Entropy mask on: the fraction of completion tokens it keeps. */
  entropyMaskKept: 'grpo.entropy_mask_kept',
} as const;

export function checkPolicyLossSpec(s: PolicyLossSpec): void {
  if (!(LOSS_TYPES as readonly string[]).includes(s.lossType)) throw new GraphBuildError(`loss_type: expected one of ${LOSS_TYPES.join(', ')}, got '${s.lossType}'`);
  if (!(IMPORTANCE_SAMPLING_LEVELS as readonly string[]).includes(s.importanceSamplingLevel)) {
    throw new GraphBuildError(`importance_sampling_level: expected token or sequence, got '${s.importanceSamplingLevel}'`);
  }
  if (!(s.epsilon >= 0 && s.epsilon < 1)) throw new GraphBuildError(`epsilon: expected 0 ≤ ε < 1, got ${s.epsilon}`);
  if (!(s.epsilonHigh >= 0)) throw new GraphBuildError(`epsilon_high: expected ≥ 0, got ${s.epsilonHigh}`);
  if (s.delta !== null && !(s.delta > 0)) throw new GraphBuildError(`delta: expected > 0, got ${s.delta}`);
  if (!(s.beta >= 0)) throw new GraphBuildError(`beta: expected ≥ 0, got ${s.beta}`);
  if (!(Number.isInteger(s.maxCompletionLength) && s.maxCompletionLength >= 1)) {
    throw new GraphBuildError(`max_completion_length: expected a whole number ≥ 1, got ${s.maxCompletionLength}`);
  }
  if (s.llds) checkLldsSpec(s.llds);
  if (s.entropyCoef !== undefined && !Number.isFinite(s.entropyCoef)) throw new GraphBuildError(`entropy_coef: expected a finite number, got ${s.entropyCoef}`);
  if (s.topEntropyQuantile !== undefined && !(s.topEntropyQuantile >= 0 && s.topEntropyQuantile <= 1)) {
    throw new GraphBuildError(`top_entropy_quantile: expected 0 ≤ ρ ≤ 1, got ${s.topEntropyQuantile}`);
  }
}

/**
 * Add the head on top of the policy's per-token log-probs `logprobs` [B, T] (static B, T) and,
 * when given, its per-token entropy [B, T]. Adds the POLICY_INPUTS it needs to the graph.
 */
export function policyLossHead(logprobs: Tensor, entropy: Tensor | null, spec: PolicyLossSpec): { loss: Tensor; outputs: Record<string, Tensor> } {
  checkPolicyLossSpec(spec);
  const g = logprobs.graph;
  const [B, T] = logprobs.shape;
  if (logprobs.rank !== 2 || typeof B !== 'number' || typeof T !== 'number') {
    throw new GraphBuildError(`policyLossHead: log-probs must be [B, T] with static dims, got [${logprobs.shape.join(', ')}]`);
  }
  const m = g.input(POLICY_INPUTS.completionMask, 'float32', [B, T]);
  const w = g.input(POLICY_INPUTS.tokenWeights, 'float32', [B, T]);
  const old = g.input(POLICY_INPUTS.oldLogprobs, 'float32', [B, T]);
  const A = op.unsqueeze(g.input(POLICY_INPUTS.advantages, 'float32', [B]), 1); // [B, 1]

  const seqTokens = op.reduceSum(m, [1], true); // |o_i|, [B, 1]
  const seqDenom = op.maximum(seqTokens, 1);
  const batchDenom = op.maximum(op.reduceSum(m), 1);
  const maskedMean = (x: Tensor): Tensor => op.div(op.reduceSum(op.mul(x, m)), batchDenom);

  // importance ratio: per token, or one per sequence (GSPO) of shape [B, 1]
  const logRatio = op.sub(logprobs, old);
  const logWeight = spec.importanceSamplingLevel === 'sequence' ? op.div(op.reduceSum(op.mul(logRatio, m), [1], true), seqDenom) : logRatio;
  const ratio = op.exp(logWeight);
  const clipped = op.clip(ratio, 1 - spec.epsilon, 1 + spec.epsilonHigh);
  // δ caps ρ only in the unclipped term (TRL clamps coef_1 after coef_2 is taken)
  const capped = spec.delta !== null ? op.clip(ratio, undefined, spec.delta) : ratio;
  let perToken = op.mul(op.neg(op.minimum(op.mul(capped, A), op.mul(clipped, A))), w); // [B, T]

  const outputs: Record<string, Tensor> = { [POLICY_OUTPUTS.logprobs]: logprobs };
  const bonus = (spec.entropyCoef ?? 0) !== 0;
  const rho = spec.topEntropyQuantile ?? 1;
  if ((bonus || rho < 1) && !entropy) throw new GraphBuildError('policyLossHead: entropy_coef / top_entropy_quantile need the token entropies');
  const entMask = rho < 1 ? highEntropyMask(entropy!, m, rho) : null;
  if (entMask) {
    perToken = op.mul(perToken, entMask);
    outputs[POLICY_OUTPUTS.entropyMaskKept] = op.div(op.reduceSum(entMask), batchDenom);
  }
  if (spec.beta !== 0) {
    const ref = g.input(POLICY_INPUTS.refLogprobs, 'float32', [B, T]);
    const d = op.sub(ref, logprobs);
    const kl = op.sub(op.sub(op.exp(d), d), 1); // k3, ≥ 0
    perToken = op.add(perToken, op.mul(kl, spec.beta));
    outputs[POLICY_OUTPUTS.klMean] = maskedMean(kl);
  }

  const masked = op.mul(perToken, m);
  const numItems = spec.lossType === 'dapo' ? g.input(POLICY_INPUTS.numItemsInBatch, 'float32', []) : null;
  let loss: Tensor;
  switch (spec.lossType) {
    case 'grpo':
      loss = op.reduceMean(op.div(op.reduceSum(masked, [1], true), seqDenom));
      break;
    case 'bnpo':
      loss = op.div(op.reduceSum(masked), batchDenom);
      break;
    case 'dr_grpo':
      loss = op.div(op.reduceSum(masked), B * spec.maxCompletionLength);
      break;
    case 'dapo':
      loss = op.div(op.reduceSum(masked), numItems!);
      break;
  }

  if (bonus) {
    outputs[POLICY_OUTPUTS.policyLoss] = loss;
    loss = op.sub(loss, op.mul(entropyBonusTerm(entropy!, entMask ? op.mul(m, entMask) : m, numItems), spec.entropyCoef!));
  }
  if (spec.llds) {
    const ll = lldsTerms(logprobs, old, A, m, g.input(POLICY_INPUTS.lldsWeights, 'float32', [B, T]), spec.llds);
    loss = op.add(loss, op.mul(ll.loss, spec.llds.lambda));
    outputs[POLICY_OUTPUTS.lldsLoss] = ll.loss;
    outputs[POLICY_OUTPUTS.lldsGatedFraction] = ll.gatedFraction;
  }
  outputs[POLICY_OUTPUTS.logprobPosMean] = advantageLogprobMean(logprobs, A, m, 1);
  outputs[POLICY_OUTPUTS.logprobNegMean] = advantageLogprobMean(logprobs, A, m, -1);

  if (entropy) outputs[POLICY_OUTPUTS.entropyMean] = maskedMean(entropy);
  // Clipped fractions (TRL: is_low_clipped / is_high_clipped on the δ-capped ρ). A sequence-level
  // ratio is one value per completion: its batch mean is over completions (TRL masked_batch_mean).
  const low = op.cast(op.and(op.less(capped, 1 - spec.epsilon), op.less(A, 0)), 'float32');
  const high = op.cast(op.and(op.greater(capped, 1 + spec.epsilonHigh), op.greater(A, 0)), 'float32');
  const region = op.cast(op.or(op.greater(low, 0), op.greater(high, 0)), 'float32');
  const batchMean = (x: Tensor): Tensor => (spec.importanceSamplingLevel === 'sequence' ? op.reduceMean(x) : maskedMean(x));
  const perSequence = (x: Tensor): Tensor =>
    spec.importanceSamplingLevel === 'sequence' ? op.squeeze(x, [1]) : op.div(op.reduceSum(op.mul(x, m), [1]), op.squeeze(seqDenom, [1]));
  outputs[POLICY_OUTPUTS.clipLowMean] = batchMean(low);
  outputs[POLICY_OUTPUTS.clipHighMean] = batchMean(high);
  outputs[POLICY_OUTPUTS.clipRegionMean] = batchMean(region);
  outputs[POLICY_OUTPUTS.clipLowPerSequence] = perSequence(low);
  outputs[POLICY_OUTPUTS.clipHighPerSequence] = perSequence(high);
  return { loss, outputs };
}
