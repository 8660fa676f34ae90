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
