/**
 * The Pass@k advantage methods (ALGORITHMS.md §5.2–5.4) against independent computations:
 *   - PKPO (mean and leave-one-out baselines) against brute force over every k-subset;
 *   - the surrogate recipe against the policy gradient of its surrogate objective F (central
 *     differences of F(σ(θ)) for a Bernoulli policy), and on a hand-worked group;
 *   - 'chen' is Chen et al.'s (advantages.ts), the identity Chen = PKPO-mean / (kσ) of §5.3.
 */
import { describe, expect, it } from 'vitest';
import { passAtKAdvantages } from '../../../src/engine/rlvr/advantages';
import { PASS_AT_K_METHODS, passAtKMethodAdvantages } from '../../../src/engine/rlvr/pkpo';

function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k), ...subsets(n - 1, k - 1).map((s) => [...s, n - 1])];
}

/** R'_i = k · mean over the k-subsets containing i of the subset's max reward (§5.2). */
function bruteTransformed(correct: boolean[], k: number): number[] {
  const all = subsets(correct.length, k);
  return correct.map((_, i) => {
    const mine = all.filter((s) => s.includes(i));
    return (k * mine.reduce((a, s) => a + (s.some((j) => correct[j]) ? 1 : 0), 0)) / mine.length;
  });
}

describe('PKPO (§5.2)', () => {
  it('mean and leave-one-out baselines equal brute force over k-subsets (two groups, n ≤ 6)', () => {
    for (let n = 2; n <= 6; n++) {
      for (let k = 1; k <= n; k++) {
        for (let c = 0; c <= n; c++) {
          // group 0: c correct at the front; group 1: c correct at the back
          const g0 = Array.from({ length: n }, (_, i) => i < c);
          const g1 = [...g0].reverse();
          const want = (g: boolean[], loo: boolean) => {
            const r = bruteTransformed(g, k);
            const sum = r.reduce((a, b) => a + b, 0);
            return r.map((x) => (loo ? x - (sum - x) / (n - 1) : x - sum / n));
          };
          for (const [method, loo] of [['pkpo', false], ['pkpo_loo', true]] as const) {
            const got = passAtKMethodAdvantages([...g0, ...g1], n, k, method);
            const exp = [...want(g0, loo), ...want(g1, loo)];
            got.forEach((v, i) => expect(v, `${method} n ${n} k ${k} c ${c} #${i}`).toBeCloseTo(exp[i]!, 10));
          }
        }
      }
    }
  });

  it('Chen = PKPO with the mean baseline / (kσ), and "chen" is advantages.ts', () => {
    const g = [true, false, false, true, false, false, false, false];
    const k = 3;
    const chen = passAtKMethodAdvantages(g, 8, k, 'chen');
    expect(chen).toEqual(passAtKAdvantages(g, 8, k));
    const pk = passAtKMethodAdvantages(g, 8, k, 'pkpo');
    const rbar = 1 - (6 * 5 * 4) / (8 * 7 * 6); // 1 − C(6,3)/C(8,3)
    const sigma = Math.sqrt(rbar * (1 - rbar));
    pk.forEach((v, i) => expect(chen[i]!).toBeCloseTo(v / (k * sigma), 12));
  });
});

describe('surrogate recipe (§5.4)', () => {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  /**
   * For a Bernoulli policy π(r=1) = p = σ(θ), ∂θ log π(1) = 1 − p and ∂θ log π(0) = −p, so the
   * expected policy gradient with A(r) is p(1−p)·A(1) − (1−p)p·A(0); it must be dF(σ(θ))/dθ.
   */
  it('the advantages are the policy gradient of F(p) = 1 − (1 − p)^k (central differences)', () => {
    for (const [n, c, k] of [[8, 2, 1], [8, 2, 4], [10, 7, 3], [16, 1, 8], [5, 4, 5]] as const) {
      const p = c / n;
      const a = passAtKMethodAdvantages(Array.from({ length: n }, (_, i) => i < c), n, k, 'surrogate');
      const pg = p * (1 - p) * a[0]! - (1 - p) * p * a[n - 1]!;
      const F = (th: number) => 1 - (1 - sigmoid(th)) ** k;
      const th = Math.log(p / (1 - p));
      const h = 1e-5;
      expect(pg, `n ${n} c ${c} k ${k}`).toBeCloseTo((F(th + h) - F(th - h)) / (2 * h), 7);
    }
  });

  it('surrogate_std at k = 1 is the gradient of 2·arcsin(√p) (GRPO with the population std)', () => {
    const n = 10;
    for (const c of [1, 3, 5, 9]) {
      const p = c / n;
      const a = passAtKMethodAdvantages(Array.from({ length: n }, (_, i) => i < c), n, 1, 'surrogate_std');
      const pg = p * (1 - p) * a[0]! - (1 - p) * p * a[n - 1]!;
      const F = (th: number) => 2 * Math.asin(Math.sqrt(sigmoid(th)));
      const th = Math.log(p / (1 - p));
      expect(pg).toBeCloseTo((F(th + 1e-5) - F(th - 1e-5)) / 2e-5, 7);
      // and it is (r − p)/√(p(1−p))
      expect(a[0]!).toBeCloseTo((1 - p) / Math.sqrt(p * (1 - p)), 12);
    }
  });

  it('hand-worked group: n 4, c 1, k 2 → g = 2·(3/4) = 3/2; A = 3/2·(r − 1/4); all-right / all-wrong groups get 0', () => {
    const a = passAtKMethodAdvantages([false, true, false, false, true, true, true, true, false, false, false, false], 4, 2, 'surrogate');
    [-0.375, 1.125, -0.375, -0.375, 0, 0, 0, 0, 0, 0, 0, 0].forEach((w, i) => expect(a[i]!).toBeCloseTo(w, 14));
    const s = passAtKMethodAdvantages([false, true, false, false], 4, 2, 'surrogate_std');
    expect(s[1]!).toBeCloseTo(1.125 / Math.sqrt(0.25 * 0.75), 12);
    expect(passAtKMethodAdvantages([true, true, true, true], 4, 2, 'surrogate_std')).toEqual([0, 0, 0, 0]);
  });

  it('names every method and rejects unknown ones', () => {
    expect([...PASS_AT_K_METHODS]).toEqual(['chen', 'pkpo', 'pkpo_loo', 'surrogate', 'surrogate_std']);
    expect(() => passAtKMethodAdvantages([true, false], 2, 1, 'ppo' as never)).toThrow(/pass_at_k_method: expected one of chen, pkpo, pkpo_loo, surrogate, surrogate_std/);
  });
});
