/**
 * Pass@k at large groups (ALGORITHMS.md §5.1/§5.3): near G ≈ 1024, k ≈ G/2 the binomials exceed
 * float64, so the estimate and Chen's advantages must come from the ratio form. Checked against
 * exact BigInt binomials (an independent computation: integer arithmetic, no floating point
 * until the final ratio).
 */
import { describe, expect, it } from 'vitest';
import { passAtKAdvantages } from '../../../src/engine/rlvr/advantages';
import { passAtK } from '../../../src/engine/tasks/metrics';

function bigBinomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i); // exact: r·(n−k+i) is divisible by i
  return r;
}
/** a / b for big integers, to float64 precision. */
function ratio(a: bigint, b: bigint): number {
  const SCALE = 10n ** 30n;
  return Number((a * SCALE) / b) / 1e30;
}

describe('pass@k at G = 1024, k = 512', () => {
  const n = 1024;
  const k = 512;
  it('the estimate matches exact integer binomials (it used to round to 1)', () => {
    for (const c of [1, 5, 10, 30]) {
      const want = 1 - ratio(bigBinomial(n - c, k), bigBinomial(n, k));
      expect(Math.abs(passAtK(n, c, k) - want), `c ${c}`).toBeLessThan(1e-12);
    }
  });

  it("Chen's advantages match the exact computation and sum to 0 (they used to be all 0)", () => {
    const c = 10;
    const correct = Array.from({ length: n }, (_, i) => i < c);
    const rbar = 1 - ratio(bigBinomial(n - c, k), bigBinomial(n, k));
    const q = ratio(bigBinomial(n - c - 1, k - 1), bigBinomial(n - 1, k - 1));
    const sigma = Math.sqrt(rbar * (1 - rbar));
    expect(rbar).toBeGreaterThan(0.999);
    expect(rbar).toBeLessThan(1);
    const got = passAtKAdvantages(correct, n, k);
    expect(Math.abs(got[0]! - (1 - rbar) / sigma)).toBeLessThan(1e-6 * Math.abs((1 - rbar) / sigma));
    expect(Math.abs(got[n - 1]! - (1 - rbar - q) / sigma)).toBeLessThan(1e-6 * Math.abs((1 - rbar - q) / sigma));
    expect(Math.abs(got.reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
  });
});
