/**
 * For-Value scores (ALGORITHMS.md §6.1) against brute force over dense |V| × d matrices: the
 * Frobenius product over the common rows of two vocabulary subsets (rows one lacks count as zero),
 * the factorised approximation, the validation mean (= mean of the pairwise values), the
 * pairwise matrix's orientation, and a subset score = the full score with the other rows zeroed.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/random';
import type { SampleFeatures } from '../../../src/engine/valuation/features';
import { approximatePair, frobenius, meanPhi, pairwiseValues, valuesAgainstValidation } from '../../../src/engine/valuation/score';

const V = 9;
const d = 4;
const rng = createRng(17);

/** Random features on a random subset of the vocabulary, plus its dense zero-filled Φ and Σδ. */
function randomFeatures(subset = true): { f: SampleFeatures; dense: Float64Array; denseDelta: Float64Array } {
  const rows = Int32Array.from(Array.from({ length: V }, (_, u) => u).filter(() => !subset || rng.nextFloat() < 0.6));
  const phi = Float64Array.from({ length: rows.length * d }, () => rng.normal());
  const hSum = Float64Array.from({ length: d }, () => rng.normal());
  const deltaSum = Float64Array.from({ length: rows.length }, () => rng.normal());
  const dense = new Float64Array(V * d);
  const denseDelta = new Float64Array(V);
  rows.forEach((u, r) => {
    for (let e = 0; e < d; e++) dense[u * d + e] = phi[r * d + e]!;
    denseDelta[u] = deltaSum[r]!;
  });
  return { f: { rows, phi, hSum, deltaSum, positions: 1, meanLogProb: 0 }, dense, denseDelta };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

describe('For-Value scores', () => {
  const train = Array.from({ length: 7 }, () => randomFeatures());
  const val = Array.from({ length: 5 }, () => randomFeatures());

  it('Frobenius product over the common rows = dense product with zeros', () => {
    for (const a of train) for (const b of val) expect(frobenius(a.f, b.f)).toBeCloseTo(dot(a.dense, b.dense), 10);
  });

  it('factorised score = ⟨Σh, Σh′⟩ · ⟨Σδ, Σδ′⟩ with zero-filled Σδ', () => {
    for (const a of train) for (const b of val) expect(approximatePair(a.f, b.f)).toBeCloseTo(dot(a.f.hSum, b.f.hSum) * dot(a.denseDelta, b.denseDelta), 10);
  });

  it('value against the validation mean = mean of the pairwise values (exact and factorised)', () => {
    for (const approximate of [false, true]) {
      const values = valuesAgainstValidation(train.map((t) => t.f), val.map((v) => v.f), approximate);
      train.forEach((a, i) => {
        const pairs = val.map((b) => (approximate ? dot(a.f.hSum, b.f.hSum) * dot(a.denseDelta, b.denseDelta) : dot(a.dense, b.dense)));
        expect(values[i]!).toBeCloseTo(pairs.reduce((s, x) => s + x, 0) / pairs.length, 10);
      });
    }
  });

  it('the validation mean Φ̄ is the dense mean over the union of rows', () => {
    const m = meanPhi(val.map((v) => v.f));
    const dense = new Float64Array(V * d);
    for (const v of val) v.dense.forEach((x, i) => (dense[i] += x / val.length));
    const union = [...new Set(val.flatMap((v) => Array.from(v.f.rows)))].sort((a, b) => a - b);
    expect(Array.from(m.rows)).toEqual(union);
    m.rows.forEach((u, r) => {
      for (let e = 0; e < d; e++) expect(m.phi![r * d + e]!).toBeCloseTo(dense[u * d + e]!, 12);
    });
  });

  it('pairwiseValues is [validation][train]', () => {
    const pw = pairwiseValues(train.map((t) => t.f), val.map((v) => v.f), false);
    expect(pw.length).toBe(val.length);
    pw.forEach((row, j) => {
      expect(row.length).toBe(train.length);
      row.forEach((x, i) => expect(x).toBeCloseTo(dot(train[i]!.dense, val[j]!.dense), 10));
    });
  });

  it('a subset score is the full score with the other rows zeroed', () => {
    const a = randomFeatures(false);
    const b = randomFeatures(false);
    const keep = [0, 3, 4, 8];
    const restrict = (x: ReturnType<typeof randomFeatures>): SampleFeatures => ({
      ...x.f,
      rows: Int32Array.from(keep),
      phi: Float64Array.from(keep.flatMap((u) => Array.from(x.dense.subarray(u * d, (u + 1) * d)))),
      deltaSum: Float64Array.from(keep, (u) => x.denseDelta[u]!),
    });
    const zeroed = (x: Float64Array) => x.map((v, i) => (keep.includes(Math.floor(i / d)) ? v : 0));
    expect(frobenius(restrict(a), restrict(b))).toBeCloseTo(dot(zeroed(a.dense), zeroed(b.dense)), 10);
    expect(frobenius(a.f, b.f)).toBeCloseTo(dot(a.dense, b.dense), 10);
    expect(frobenius(restrict(a), restrict(b))).not.toBeCloseTo(frobenius(a.f, b.f), 3);
  });

  it('refuses Φ-less features and an empty validation set', () => {
    const bare = { ...train[0]!.f, phi: null };
    expect(() => frobenius(bare, val[0]!.f)).toThrow(/needs Φ/);
    expect(() => meanPhi([])).toThrow(/validation set is empty/);
  });
});
