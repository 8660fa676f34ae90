import { z } from 'zod';

/**
 * Fields of the `grpo` run kind added for the RLVR-science methods (THR §4, Pass@k methods §5,
 * weighted reward functions §1.2, LLDS normalisation §2.2, failure-prefix robustness evals §3.5).
 * Kept apart from grpo.ts so that file only merges them in, one line each.
 */

export const LLDS_NORMALIZATIONS = ['paper', 'response_tokens'] as const;

/** llds.normalization (ALGORITHMS.md §2.2). */
export const lldsNormalizationField = z
  .enum(LLDS_NORMALIZATIONS)
  .default('paper')
  .meta({
    description:
      "How L_LLDS is normalised (ALGORITHMS.md §2.2): 'paper' = Eq. 4 (action gate: per completion, mean over Y_pre) or Eq. 9/10 (over Y_pre's tokens); " +
      "'response_tokens' = the released code's masked mean over every response token of the batch (weaker by the share of Y_pre tokens, drifting with accuracy).",
  });

export const PASS_AT_K_METHODS = ['chen', 'pkpo', 'pkpo_loo', 'surrogate', 'surrogate_std'] as const;
export type PassAtKMethod = (typeof PASS_AT_K_METHODS)[number];

/** pass_at_k_method (ALGORITHMS.md §5.2–5.4); used when pass_at_k ≥ 1. */
export const passAtKMethodField = z
  .enum(PASS_AT_K_METHODS)
  .default('chen')
  .meta({
    description:
      'Pass@k advantage when pass_at_k ≥ 1: chen = Chen et al. analytic (§5.3); pkpo = PKPO transformed rewards minus the group mean (§5.2); ' +
      'pkpo_loo = the same with a leave-one-out baseline; surrogate = g(p̂)(r − p̂) with g = k(1 − p̂)^(k−1), the gradient of 1 − (1 − p)^k (§5.4); ' +
      'surrogate_std = that divided by √(p̂(1 − p̂)).',
  });

export const THR_NORMALIZATIONS = ['length', 'none'] as const;

/** thr (ALGORITHMS.md §4): Token Hidden Reward reweighting of token advantages. A reconstruction (§4 marks the formula unverified). */
export const grpoThrSchema = z
  .object({
    enabled: z.boolean().default(false).meta({ description: 'THR-guided token advantages A·(1 + p·sign(THR)) (ALGORITHMS.md §4.2). Reconstruction: §4 marks the exact THR formula unverified.' }),
    p: z
      .number()
      .gt(-1, 'expected −1 < p < 1')
      .lt(1, 'expected −1 < p < 1')
      .default(0.2)
      .meta({ description: 'p in w = 1 + p·sign(THR) (§4.2): p > 0 favours exploitation (greedy / pass@1), p < 0 exploration (pass@K); the paper sweeps about ±0.1–0.5.' }),
    normalization: z
      .enum(THR_NORMALIZATIONS)
      .default('length')
      .meta({ description: "'length' = §4.1: THR_{i,t} = (A_i/|y_i|)·Σ_{j∈C}(1/|y_j|)Σ_s K; 'none' = §4.3's recommended A_j·s_{j,k} (no length factors). Constants unverified either way." }),
    top_fraction: z
      .number()
      .gt(0, 'expected 0 < top_fraction ≤ 1')
      .max(1, 'expected 0 < top_fraction ≤ 1')
      .default(1)
      .meta({ description: 'Reweight only this share of the batch’s completion tokens, those with the largest |THR| (§4.2); the rest keep weight 1. 1 = every token with THR ≠ 0.' }),
  })
  .strict()
  .meta({ description: 'Token Hidden Reward (ALGORITHMS.md §4): per-token influence on the correct responses’ likelihood from final hidden states and prediction errors; reweights token advantages.' });

export const REWARD_FUNCTIONS = ['correctness', 'format'] as const;

/** One weighted reward function (ALGORITHMS.md §1.2: r_i = Σ_k w_k r_{i,k}, NaN = not applicable). */
export const rewardFunctionSchema = z
  .object({
    name: z.enum(REWARD_FUNCTIONS).meta({
      description: "correctness = the task verifier's reward; format = 1 when the completion contains the task's answer marker (e.g. K&K's <answer>, arithmetic's 'answer:'), else 0 (not applicable, NaN, for tasks without a marker).",
    }),
    weight: z.number().refine(Number.isFinite, 'expected a finite number').default(1).meta({ description: 'w_k in r = Σ_k w_k r_k (TRL reward_weights; default 1).' }),
  })
  .strict();

/** reward_functions (§1.2): the rewards summed into each completion's reward; default the verifier alone. */
export const rewardFunctionsField = z
  .array(rewardFunctionSchema)
  .min(1, 'expected at least one reward function')
  .default(() => [{ name: 'correctness' as const, weight: 1 }])
  .superRefine((fns, ctx) => {
    fns.forEach((f, i) => {
      const j = fns.findIndex((g) => g.name === f.name);
      if (j !== i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `expected each reward function once (reward_functions[${j}] is the same)` });
    });
  })
  .meta({
    description:
      'Weighted reward functions summed into the reward (ALGORITHMS.md §1.2, TRL reward_funcs + reward_weights; NaN = not applicable, left out of the sum; all NaN = unscorable). Each logs rewards/<name>/mean and /std.',
  });
export type RewardFunctionName = (typeof REWARD_FUNCTIONS)[number];

/** prefix_eval (ALGORITHMS.md §3.5): failure-prefix robustness evals on held-out problems. */
export const grpoPrefixEvalSchema = z
  .object({
    enabled: z.boolean().default(false).meta({
      description:
        'Log eval/<task>/misleading_prefix_accuracy (recovery from a prefix of one of the policy’s own incorrect responses) and eval/<task>/correct_prefix_accuracy (adherence to a correct prefix) at step 0, every eval and the end (ALGORITHMS.md §3.5). Prefixes are built once at run start; scoring follows failure_prefix.reward_text.',
    }),
    problems: z.number().int('expected a whole number').positive('expected ≥ 1 problem').max(10_000).default(32).meta({ description: 'Held-out (test-split) problems per task the prefixes come from.' }),
    samples_per_problem: z.number().int('expected a whole number').min(2, 'expected ≥ 2 samples').max(1024).default(16).meta({ description: 'Responses sampled per problem (run temperature) to find one incorrect and one correct response.' }),
    prefix_fraction: z.number().gt(0, 'expected 0 < prefix_fraction < 1').lt(1, 'expected 0 < prefix_fraction < 1').default(0.5).meta({ description: 'Prefix length as a fraction of the response (cut at floor(f·L) tokens).' }),
  })
  .strict();
