/**
 * Pass@k advantage methods on binary correctness, laid out as consecutive groups of G = n
 * (ALGORITHMS.md §5; c = correct samples of a group, p̂ = c/n):
 *
 *   chen           Chen et al.'s analytic advantage (§5.3, advantages.ts)
 *   pkpo           PKPO / Mahdavi (§5.2): per-sample transformed rewards from averaging the max
 *                  reward over every k-subset, R'_correct = k, R'_incorrect = k(1 − q) with
 *                  q = C(n−c−1, k−1) / C(n−1, k−1); advantage R' − mean of the group's R'
 *   pkpo_loo       the same with the leave-one-out baseline: R'_i − mean_{j≠i} R'_j
 *   surrogate      the §5.4 recipe for the Pass@k surrogate F(p) = 1 − (1 − p)^k:
 *                  A_i = g(p̂)(r_i − p̂), g(p) = F'(p) = k(1 − p)^{k−1}
 *   surrogate_std  the same times GRPO's std normalisation 1/√(p̂(1 − p̂)) (the g's multiply, §5.4)
 *
 * k = 1: pkpo = r − p̂ (Dr.GRPO), surrogate = r − p̂, surrogate_std = GRPO with the population std,
 * chen = the same. All-right and all-wrong groups get 0 in every method.
 */
import { PASS_AT_K_METHODS, type PassAtKMethod } from '../../shared/config/grpoScience';
import { incorrectMissShare, passAtKAdvantages } from './advantages';

export { PASS_AT_K_METHODS, type PassAtKMethod };

function checkArgs(n: number, G: number, k: number): void {
  if (!(Number.isInteger(G) && G >= 2)) throw new Error(`num_generations: expected a whole number ≥ 2, got ${G}`);
  if (n % G !== 0) throw new Error(`advantages: ${n} samples do not split into groups of num_generations = ${G}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= G)) throw new Error(`pass_at_k: expected a whole number 1 ≤ k ≤ num_generations (${G}), got ${k}`);
}

/** PKPO's transformed rewards R' of one group (§5.2). */
export function pkpoTransformedRewards(group: readonly boolean[], k: number): number[] {
  const n = group.length;
  const c = group.filter(Boolean).length;
  const q = incorrectMissShare(n, c, k);
  return group.map((ok) => (ok ? k : k * (1 - q)));
}

function surrogateGroup(group: readonly boolean[], k: number, std: boolean): number[] {
  const n = group.length;
  const p = group.filter(Boolean).length / n;
  if (p === 0 || p === 1) return group.map(() => 0);
  let g = k * (1 - p) ** (k - 1);
  if (std) g /= Math.sqrt(p * (1 - p));
  return group.map((ok) => g * ((ok ? 1 : 0) - p));
}

/** Advantages of `method` for binary correctness in consecutive groups of G, at k. */
export function passAtKMethodAdvantages(correct: readonly boolean[], G: number, k: number, method: PassAtKMethod): number[] {
  if (!(PASS_AT_K_METHODS as readonly string[]).includes(method)) throw new Error(`pass_at_k_method: expected one of ${PASS_AT_K_METHODS.join(', ')}, got '${method}'`);
  checkArgs(correct.length, G, k);
  if (method === 'chen') return passAtKAdvantages(correct, G, k);
  const out: number[] = [];
  for (let s = 0; s < correct.length; s += G) {
    const group = correct.slice(s, s + G);
    if (method === 'surrogate' || method === 'surrogate_std') {
      out.push(...surrogateGroup(group, k, method === 'surrogate_std'));
      continue;
    }
    const r = pkpoTransformedRewards(group, k);
    const sum = r.reduce((a, b) => a + b, 0);
    out.push(...r.map((x) => (method === 'pkpo_loo' ? x - (sum - x) / (G - 1) : x - sum / G)));
  }
  return out;
}
