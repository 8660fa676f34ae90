/**
 * LLDS — Lazy Likelihood Displacement Suppression (ALGORITHMS.md §2.2), in-graph, plus the §2.1
 * monitors (mean token log-prob of positive- vs negative-advantage completions).
 *
 *   Δ_{i,k}  = l_old − l            (> 0: the token's likelihood went DOWN since the rollout policy;
 *                                     l_old is a graph input, so it carries no gradient)
 *   Y_pre    = completions with A_i ≥ 0 and a non-empty mask (a masked-out completion is not
 *              trained on, so it neither counts in |Y_pre| nor in the token totals)
 *   pen_i    = Σ_k m·w·max(0, Δ)      (w = the LLDS-MA weight: answer_weight on the answer span, else 1)
 *   gate_i   = 1[Σ_k m·Δ > 0]         response / action gate (token gate: 1)
 *   action   (Eq. 4): L = (1/|Y_pre|) Σ_{Y_pre} gate_i · pen_i / |y_i|
 *   response (Eq. 10): L = Σ_{Y_pre} gate_i · pen_i / Σ_{Y_pre} |y_i|
 *   token    (Eq. 9):  L = Σ_{Y_pre} pen_i / Σ_{Y_pre} |y_i|
 * normalization 'response_tokens' (the released code's reduction, §2.2): any gate, then
 *   L = Σ_{Y_pre} gate_i · pen_i / Σ_{all completions} |y_i|   (masked mean over every response token)
 * which is weaker than the paper's by the share of Y_pre tokens and drifts with accuracy.
 * A single-turn completion is one action, so the action gate equals the response gate; the two
 * differ only in normalisation (per completion vs over Y_pre's tokens). Empty Y_pre: L = 0.
 * The head adds λ·L to the GRPO loss (Eq. 6).
 */
import { LLDS_NORMALIZATIONS } from '../../shared/config/grpoScience';
import { GraphBuildError, op, type Tensor } from '../onnx';

export const LLDS_GATES = ['action', 'response', 'token'] as const;
export type LldsGate = (typeof LLDS_GATES)[number];
export { LLDS_NORMALIZATIONS };
export type LldsNormalization = (typeof LLDS_NORMALIZATIONS)[number];

export interface LldsSpec {
  gate: LldsGate;
  /** λ in L_total = L_GRPO + λ·L_LLDS. */
  lambda: number;
  /** 'paper' (Eq. 4/9/10, default) | 'response_tokens' (released code: over all response tokens). */
  normalization?: LldsNormalization;
}

export function checkLldsSpec(s: LldsSpec): void {
  if (!(LLDS_GATES as readonly string[]).includes(s.gate)) throw new GraphBuildError(`llds.gate: expected one of ${LLDS_GATES.join(', ')}, got '${s.gate}'`);
  if (s.normalization !== undefined && !(LLDS_NORMALIZATIONS as readonly string[]).includes(s.normalization)) {
    throw new GraphBuildError(`llds.normalization: expected one of ${LLDS_NORMALIZATIONS.join(', ')}, got '${s.normalization}'`);
  }
  if (!(s.lambda >= 0 && Number.isFinite(s.lambda))) throw new GraphBuildError(`llds.lambda: expected a finite number ≥ 0, got ${s.lambda}`);
}

export interface LldsTerms {
  /** L_LLDS (before λ). */
  loss: Tensor;
  /** Fraction of Y_pre's masked tokens that are penalised (gate open and Δ > 0); 0 if Y_pre is empty. */
  gatedFraction: Tensor;
}

/**
 * `logprobs` [B, T] current policy, `old` [B, T] rollout policy, `A` [B, 1], `m` [B, T] mask,
 * `w` [B, T] LLDS-MA weights.
 */
export function lldsTerms(logprobs: Tensor, old: Tensor, A: Tensor, m: Tensor, w: Tensor, spec: LldsSpec): LldsTerms {
  checkLldsSpec(spec);
  const delta = op.sub(old, logprobs); // [B, T]
  const len = op.reduceSum(m, [1], true); // |y_i|, [B, 1]
  const pre = op.cast(op.and(op.greaterOrEqual(A, 0), op.greater(len, 0)), 'float32'); // [B, 1]
  const gate = spec.gate === 'token' ? pre : op.mul(pre, op.cast(op.greater(op.reduceSum(op.mul(delta, m), [1], true), 0), 'float32'));
  const penTok = op.mul(op.mul(op.relu(delta), m), w); // [B, T]
  const pen = op.mul(op.reduceSum(penTok, [1], true), gate); // [B, 1]
  const preTokens = op.reduceSum(op.mul(len, pre));
  const loss =
    spec.normalization === 'response_tokens'
      ? op.div(op.reduceSum(pen), op.maximum(op.reduceSum(len), 1))
      : spec.gate === 'action'
      ? op.div(op.reduceSum(op.div(pen, op.maximum(len, 1))), op.maximum(op.reduceSum(pre), 1))
      : op.div(op.reduceSum(pen), op.maximum(preTokens, 1));
  const hit = op.mul(op.mul(op.cast(op.greater(delta, 0), 'float32'), m), gate);
  return { loss, gatedFraction: op.div(op.reduceSum(hit), op.maximum(preTokens, 1)) };
}

/**
 * §2.1 monitors: masked token mean of `logprobs` over completions with A > 0 (`sign` +1) or
 * A < 0 (−1); NaN when there is none (the metric window skips it).
 */
export function advantageLogprobMean(logprobs: Tensor, A: Tensor, m: Tensor, sign: 1 | -1): Tensor {
  const rows = op.cast(sign > 0 ? op.greater(A, 0) : op.less(A, 0), 'float32'); // [B, 1]
  const sel = op.mul(m, rows);
  const n = op.reduceSum(sel);
  return op.where(op.greater(n, 0), op.div(op.reduceSum(op.mul(logprobs, sel)), op.maximum(n, 1)), Number.NaN);
}
