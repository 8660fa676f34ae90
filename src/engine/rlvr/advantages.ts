/**
 * Rewards → sequence advantages, pure functions over plain arrays.
 *
 * GRPO (ALGORITHMS.md §1.2, TRL v0.22+): rewards come in consecutive groups of G completions of
 * the same prompt; with the group mean μ_g and the unbiased (Bessel, /(n−1)) group std σ_g,
 *   scale_rewards 'group': A_i = (r_i − μ_g) / (σ_g + 1e-4)
 *                 'batch': A_i = (r_i − μ_g) / (σ_batch + 1e-4)   (σ over the whole batch)
 *                 'none' : A_i = r_i − μ_g                          (Dr.GRPO)
 * A NaN reward means "unscorable": it is left out of every mean and std (TRL's nanmean /
 * nanstd) and its advantage is 0. A std over fewer than two rewards is taken as 0. Groups whose
 * std is 0 (all right or all wrong) carry no signal: their advantages are exactly 0 and they
 * count in frac_reward_zero_std.
 *
 * Pass@k (§5.3, Chen et al. arXiv:2508.10751): the analytic advantage for binary rewards that
 * optimises pass@k instead of pass@1.
 */
import { GRPO_SCALE_REWARDS } from '../../shared/config/grpo';

import { passAtK } from '../tasks/metrics';

/** The config's list (src/shared/config/grpo.ts), under the engine's name. */
export const SCALE_REWARDS = GRPO_SCALE_REWARDS;
export type ScaleRewards = (typeof SCALE_REWARDS)[number];

/** TRL's divisor guard (not 1e-8). */
export const ADVANTAGE_EPS = 1e-4;
/** torch.isclose(std, 0) with its default atol. */
const ZERO_STD_ATOL = 1e-8;

export interface GroupAdvantages {
  advantages: number[];
  /** Per group: mean and Bessel std of its scorable rewards (std 0 with fewer than two). */
  groupMean: number[];
  groupStd: number[];
  /** Per group: std ≈ 0 (no learning signal). */
  zeroStd: boolean[];
}

/** Mean and Bessel std of the non-NaN values (std 0 when fewer than two). */
export function nanMeanStd(values: readonly number[]): { mean: number; std: number; count: number } {
  let n = 0;
  let sum = 0;
  for (const v of values) if (!Number.isNaN(v)) { n++; sum += v; }
  if (n === 0) return { mean: Number.NaN, std: 0, count: 0 };
  const mean = sum / n;
  if (n < 2) return { mean, std: 0, count: n };
  let ss = 0;
  for (const v of values) if (!Number.isNaN(v)) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (n - 1)), count: n };
}

function checkGroups(n: number, G: number): void {
  if (!(Number.isInteger(G) && G >= 2)) throw new Error(`num_generations: expected a whole number ≥ 2, got ${G}`);
  if (n % G !== 0) throw new Error(`advantages: ${n} rewards do not split into groups of num_generations = ${G}`);
}

/** GRPO advantages (§1.2) for rewards laid out as consecutive groups of G. */
export function groupAdvantages(rewards: readonly number[], G: number, scale: ScaleRewards): GroupAdvantages {
  checkGroups(rewards.length, G);
  const groups = rewards.length / G;
  const batchStd = nanMeanStd(rewards).std;
  const out: GroupAdvantages = { advantages: new Array<number>(rewards.length).fill(0), groupMean: [], groupStd: [], zeroStd: [] };
  for (let k = 0; k < groups; k++) {
    const group = rewards.slice(k * G, (k + 1) * G);
    const { mean, std } = nanMeanStd(group);
    const zero = Math.abs(std) <= ZERO_STD_ATOL;
    out.groupMean.push(mean);
    out.groupStd.push(std);
    out.zeroStd.push(zero);
    group.forEach((r, j) => {
      if (Number.isNaN(r)) return; // unscorable: advantage 0
      const centred = r - mean;
      const a = scale === 'none' ? centred : centred / ((scale === 'group' ? std : batchStd) + ADVANTAGE_EPS);
      // all-equal groups: exactly 0 (centred is 0 up to rounding; keep it exact)
      out.advantages[k * G + j] = zero ? 0 : a;
    });
  }
  return out;
}

/**
 * q = C(n−c−1, k−1) / C(n−1, k−1): for an incorrect sample, the share of the (k−1)-subsets of the
 * other n−1 samples that hold no correct one (§5.2–5.3). It is 1 − pass@(k−1) of those n−1 samples,
 * so it comes from the one pass@k implementation (tasks/metrics.ts, ratio form: no binomial is ever
 * formed, nothing overflows at G ≈ 1024, k ≈ G/2). k = 1: q = 1 (the empty subset holds no correct one).
 */
export function incorrectMissShare(n: number, c: number, k: number): number {
  if (k === 1) return 1;
  if (c >= n) return 0; // no incorrect sample exists; the value is never used
  return 1 - passAtK(n - 1, c, k - 1);
}

/**
 * Chen et al.'s analytic Pass@k advantages (§5.3) for binary correctness in consecutive groups
 * of G = n: with R̄ = pass@k estimate and σ = √(R̄(1 − R̄)),
 *   A_correct = (1 − R̄) / σ,   A_incorrect = (1 − R̄ − q) / σ,   q = C(n−c−1, k−1) / C(n−1, k−1);
 * σ = 0 (no incorrect k-subset, or no correct sample) gives A = 0. k = 1 is GRPO with the
 * population std.
 */
export function passAtKAdvantages(correct: readonly boolean[], G: number, k: number): number[] {
  checkGroups(correct.length, G);
  if (!(Number.isInteger(k) && k >= 1 && k <= G)) throw new Error(`pass_at_k: expected a whole number 1 ≤ k ≤ num_generations (${G}), got ${k}`);
  const out: number[] = [];
  for (let s = 0; s < correct.length; s += G) {
    const group = correct.slice(s, s + G);
    const c = group.filter(Boolean).length;
    const rbar = passAtK(G, c, k);
    const sigma = Math.sqrt(rbar * (1 - rbar));
    if (!(sigma > 1e-12)) {
      out.push(...group.map(() => 0));
      continue;
    }
    const q = incorrectMissShare(G, c, k);
    const pos = (1 - rbar) / sigma;
    const neg = (1 - rbar - q) / sigma;
    out.push(...group.map((ok) => (ok ? pos : neg)));
  }
  return out;
}
