/**
 * Advantages (ALGORITHMS.md §1.2) on hand-worked groups, and Pass@k shaping (§5.3) against brute
 * force over every k-subset of a group.
 */
import { describe, expect, it } from 'vitest';
import { groupAdvantages, incorrectMissShare, nanMeanStd, passAtKAdvantages } from '../../../src/engine/rlvr/advantages';
import { passAtK } from '../../../src/engine/tasks/metrics';

const near = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(v, `index ${i}`).toBeCloseTo(want[i]!, 12));
};

describe('GRPO advantages', () => {
  it('group scaling: (r − mean) / (Bessel std + 1e-4); an all-equal group gets 0', () => {
    // group 1: 1,0,0,1 → mean ½, Σ(r−μ)² = 4·¼ = 1, std = √(1/3)
    // group 2: 3,3,3,3 → std 0 → no signal
    const a = groupAdvantages([1, 0, 0, 1, 3, 3, 3, 3], 4, 'group');
    const s = 0.5 / (Math.sqrt(1 / 3) + 1e-4);
    near(a.advantages, [s, -s, -s, s, 0, 0, 0, 0]);
    near(a.groupMean, [0.5, 3]);
    near(a.groupStd, [Math.sqrt(1 / 3), 0]);
    expect(a.zeroStd).toEqual([false, true]);
  });

  it('batch scaling keeps the group mean but divides by the std of the whole batch', () => {
    // rewards 0,1,2 | 2,2,2: batch mean 1.5, Σ(r−1.5)² = 2.25+0.25+0.25+3·0.25 = 3.5, std = √(3.5/5)
    const a = groupAdvantages([0, 1, 2, 2, 2, 2], 3, 'batch');
    const d = Math.sqrt(0.7) + 1e-4;
    near(a.advantages, [-1 / d, 0, 1 / d, 0, 0, 0]);
  });

  it("'none' (Dr.GRPO) only centres within the group", () => {
    near(groupAdvantages([0, 1, 2, 5, 1, 0], 3, 'none').advantages, [-1, 0, 1, 3, -1, -2]);
    // group 2: mean 2, std √((9+1+4)/2) = √7 — used only by the other modes
    near(groupAdvantages([0, 1, 2, 5, 1, 0], 3, 'group').advantages.slice(3), [3 / (Math.sqrt(7) + 1e-4), -1 / (Math.sqrt(7) + 1e-4), -2 / (Math.sqrt(7) + 1e-4)]);
  });

  it('NaN rewards (unscorable) are left out of mean and std and get advantage 0', () => {
    // scorable 1,0,0 → mean ⅓, Σ(r−μ)² = 4/9 + 2/9 = 2/3, Bessel std = √(1/3)
    const a = groupAdvantages([1, Number.NaN, 0, 0], 4, 'group');
    const d = Math.sqrt(1 / 3) + 1e-4;
    near(a.advantages, [(2 / 3) / d, 0, -(1 / 3) / d, -(1 / 3) / d]);
    // one scorable reward: std taken as 0 → a zero-std group
    const b = groupAdvantages([Number.NaN, 1, Number.NaN], 3, 'group');
    near(b.advantages, [0, 0, 0]);
    expect(b.zeroStd).toEqual([true]);
    expect(nanMeanStd([Number.NaN, Number.NaN]).count).toBe(0);
  });

  it('refuses batches that do not split into groups', () => {
    expect(() => groupAdvantages([1, 0, 1], 2, 'group')).toThrow(/groups of num_generations = 2/);
    expect(() => groupAdvantages([1], 1, 'group')).toThrow(/≥ 2/);
  });
});

/** k-subsets of 0..n−1. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k), ...subsets(n - 1, k - 1).map((s) => [...s, n - 1])];
}

describe('Pass@k (§5)', () => {
  it('the unbiased estimator on a hand-worked case', () => {
    expect(passAtK(4, 1, 2)).toBeCloseTo(1 - 3 / 6, 14); // 1 − C(3,2)/C(4,2)
    expect(passAtK(4, 0, 2)).toBe(0);
    expect(passAtK(4, 3, 2)).toBe(1); // every pair holds a correct one
    // q = C(n−c−1, k−1)/C(n−1, k−1): n 6, c 2, k 3 → C(3,2)/C(5,2) = 3/10
    expect(incorrectMissShare(6, 2, 3)).toBeCloseTo(0.3, 14);
    expect(incorrectMissShare(6, 2, 1)).toBe(1);
  });

  it('Chen et al. advantages = brute force over all k-subsets (mean-max reward per sample, centred, / kσ)', () => {
    for (let n = 2; n <= 6; n++) {
      for (let k = 1; k <= n; k++) {
        for (let c = 0; c <= n; c++) {
          const correct = Array.from({ length: n }, (_, i) => i < c);
          const all = subsets(n, k);
          const maxOf = (s: number[]) => (s.some((i) => correct[i]) ? 1 : 0);
          const rbar = all.reduce((a, s) => a + maxOf(s), 0) / all.length;
          const sigma = Math.sqrt(rbar * (1 - rbar));
          // PKPO transformed reward: k · mean over the k-subsets containing i of max reward
          const rPrime = correct.map((_, i) => {
            const mine = all.filter((s) => s.includes(i));
            return (k * mine.reduce((a, s) => a + maxOf(s), 0)) / mine.length;
          });
          const mean = rPrime.reduce((a, b) => a + b, 0) / n;
          const want = sigma > 1e-12 ? rPrime.map((r) => (r - mean) / (k * sigma)) : rPrime.map(() => 0);
          const got = passAtKAdvantages(correct, n, k);
          got.forEach((v, i) => expect(v, `n ${n} k ${k} c ${c} sample ${i}`).toBeCloseTo(want[i]!, 10));
          expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 10);
        }
      }
    }
  });

  it('k = 1 is GRPO standardisation with the population std', () => {
    const correct = [true, false, false, true, true, false];
    const p = 0.5;
    const sd = Math.sqrt(p * (1 - p));
    near(passAtKAdvantages(correct, 6, 1), correct.map((ok) => ((ok ? 1 : 0) - p) / sd));
    expect(() => passAtKAdvantages(correct, 6, 7)).toThrow(/k ≤ num_generations/);
  });
});
