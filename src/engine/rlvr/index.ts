/**
 * RLVR: GRPO exactly as TRL's GRPOTrainer (ALGORITHMS.md §1), on the engine's compiled training
 * steps, with LLDS (§2) in the loss head, failure-prefix conditioning (§3), THR token weights (§4)
 * and the Pass@k advantage methods (§5) as host-side computations feeding the loss head's inputs
 * — see docs/dev/GRPO-CONTRACT.md.
 *
 *   policyLoss.ts       the in-graph loss head (ratio, clipping, δ, k3 KL, loss types, metrics)
 *   lldsLoss.ts         LLDS regulariser (§2.2, three gates) and the §2.1 pos/neg log-prob monitors
 *   answerSpan.ts       LLDS-MA answer spans from each task's answer marker
 *   policyGraph.ts      decoder → temperature-scaled token log-probs; loss builder; scoring graph
 *   policyTrainer.ts    compiled step + policy / reference scorers for one batch shape
 *   advantages.ts       group advantages (scale_rewards, NaN), Chen's Pass@k advantages
 *   pkpo.ts             the pass_at_k_method choices: PKPO (mean / LOO baseline), §5.4 surrogates
 *   thr.ts, thrRun.ts   Token Hidden Reward (§4, reconstruction) → token weights, metrics, histograms
 *   rewardFunctions.ts  weighted reward functions (§1.2) and rewards/<name>/ metrics
 *   prefixRobustness.ts, prefixEvalRun.ts  failure-prefix robustness evals (§3.5)
 *   runWarnings.ts      run-start warnings (LLDS inert, sequence ratio + token-sum loss, …)
 *   rollout.ts          prompts → sampled completions → verifier rewards → training rows
 *   generationBatch.ts  one generation batch with every loss-head feed
 *   metrics.ts          §1.8 metrics and the logging window
 *   run.ts              the `grpo` run kind's executor
 */
export {
  LOSS_TYPES,
  IMPORTANCE_SAMPLING_LEVELS,
  POLICY_INPUTS,
  POLICY_OUTPUTS,
  policyLossHead,
  checkPolicyLossSpec,
  type LossType,
  type ImportanceSamplingLevel,
  type PolicyLossSpec,
} from './policyLoss';
export { LLDS_GATES, lldsTerms, advantageLogprobMean, checkLldsSpec, type LldsGate, type LldsSpec, type LldsTerms } from './lldsLoss';
export { hasAnswerMarker, answerSpanStart, lldsAnswerWeights } from './answerSpan';
export { POLICY_DATA, scaledTokenStats, grpoLossBuilder, buildScoreGraph, type PolicyShape } from './policyGraph';
export { PolicyTrainer, scalarOf, type PolicyTrainerSpec } from './policyTrainer';
export {
  SCALE_REWARDS,
  ADVANTAGE_EPS,
  groupAdvantages,
  nanMeanStd,
  incorrectMissShare,
  passAtKAdvantages,
  type ScaleRewards,
  type GroupAdvantages,
} from './advantages';
export { drawPrompts, sampleCompletions, sampleFromIds, packRows, type PromptItem, type Completion, type SamplingSpec, type TrainRows } from './rollout';
export { makeGenerationBatch, batchSeed, type GenerationBatch, type GenerationSettings } from './generationBatch';
export { rolloutMetrics, clipExtremes, policyMonitorMetrics, MetricWindow } from './metrics';
export { runGrpo, lossSpecOf, lldsWarnings } from './run';
export { grpoWarnings, sequenceRatioWarnings, passAtKWarnings } from './runWarnings';
export { PASS_AT_K_METHODS, passAtKMethodAdvantages, pkpoTransformedRewards, type PassAtKMethod } from './pkpo';
export {
  buildFailurePrefixPrompts,
  prefixCuts,
  failurePrefixMetrics,
  inferencePrefixSampler,
  verifierCorrectness,
  type PrefixSampler,
  type SampledResponse,
  type CorrectnessOf,
  type FailurePrefixSpec,
  type ConditionedPrompt,
  type FailurePrefixStats,
} from './failurePrefix';
export { PrefixPool, conditionedItems, type PoolSampling } from './prefixPool';
export {
  THR_NORMALIZATIONS,
  tokenHiddenRewards,
  thrTokenWeights,
  thrMetrics,
  thrHistogram,
  rowThr,
  checkThrSpec,
  type ThrSpec,
  type ThrInput,
  type ThrNormalization,
  type ThrHistogram,
} from './thr';
export { lmHeadOf, thrNotice, ThrHistogramLog, THR_HISTOGRAM_FILE } from './thrRun';
export { applyRewardFunctions, rewardFunctionMetrics, rewardFunctionValue, weightedReward, type RewardFunction, type ScoredRewards } from './rewardFunctions';
export { buildRobustnessSet, evaluateRobustness, robustnessSetMetrics, type RobustnessPrompt, type RobustnessSpec, type PrefixKind } from './prefixRobustness';
export { PrefixRobustnessEval } from './prefixEvalRun';
