/**
 * For-Value scores from the features (ALGORITHMS.md §6.1):
 *
 *   v(z_i, z'_j) = ⟨Φ(z'_j), Φ(z_i)⟩_F, summed over the rows both vocabulary subsets hold (a row
 *                  one of them lacks counts as zero — topk_unique's "intersection of their U's");
 *   v(z_i)       = ⟨Φ̄, Φ(z_i)⟩_F with Φ̄ = mean_j Φ(z'_j) over the validation set (= mean_j v(z_i, z'_j));
 *   approximate  v(z_i, z'_j) ≈ ⟨Σ_t h_t, Σ_s h'_s⟩ · ⟨Σ_t δ_t, Σ_s δ'_s⟩ (factorised, O(d + |U|)),
 *                and v(z_i) = mean_j of that (a product of two sums does not factor through a mean).
 */
import type { SampleFeatures } from './features';

/** Visit the rows both ascending lists hold: fn(row index in a, row index in b). */
function forCommonRows(a: Int32Array, b: Int32Array, fn: (ia: number, ib: number) => void): void {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) fn(i++, j++);
    else if (x < y) i++;
    else j++;
  }
}

function dot(a: Float64Array, b: Float64Array, aOff = 0, bOff = 0, n = a.length): number {
  let s = 0;
  for (let e = 0; e < n; e++) s += a[aOff + e]! * b[bOff + e]!;
  return s;
}

/** ⟨Φ_a, Φ_b⟩_F over the common rows. */
export function frobenius(a: SampleFeatures, b: SampleFeatures): number {
  if (!a.phi || !b.phi) throw new Error('valuation: the Frobenius score needs Φ (features built without it)');
  const d = a.hSum.length;
  let s = 0;
  forCommonRows(a.rows, b.rows, (ia, ib) => (s += dot(a.phi!, b.phi!, ia * d, ib * d, d)));
  return s;
}

/** ⟨Σh_a, Σh_b⟩ · ⟨Σδ_a, Σδ_b⟩ over the common rows. */
export function approximatePair(a: SampleFeatures, b: SampleFeatures): number {
  let ds = 0;
  forCommonRows(a.rows, b.rows, (ia, ib) => (ds += a.deltaSum[ia]! * b.deltaSum[ib]!));
  return dot(a.hSum, b.hSum) * ds;
}

export function pairValue(a: SampleFeatures, b: SampleFeatures, approximate: boolean): number {
  return approximate ? approximatePair(a, b) : frobenius(a, b);
}

/** Φ̄ over `set`: the union of their rows, each row averaged with zeros where a member lacks it. */
export function meanPhi(set: readonly SampleFeatures[]): SampleFeatures {
  if (set.length === 0) throw new Error('valuation: the validation set is empty');
  const d = set[0]!.hSum.length;
  const union = new Set<number>();
  for (const f of set) for (const u of f.rows) union.add(u);
  const rows = Int32Array.from([...union].sort((a, b) => a - b));
  const phi = new Float64Array(rows.length * d);
  const hSum = new Float64Array(d);
  const deltaSum = new Float64Array(rows.length);
  const w = 1 / set.length;
  for (const f of set) {
    if (!f.phi) throw new Error('valuation: the validation mean needs Φ (features built without it)');
    forCommonRows(rows, f.rows, (iu, iff) => {
      for (let e = 0; e < d; e++) phi[iu * d + e] += w * f.phi![iff * d + e]!;
      deltaSum[iu] += w * f.deltaSum[iff]!;
    });
    for (let e = 0; e < d; e++) hSum[e] += w * f.hSum[e]!;
  }
  return { rows, phi, hSum, deltaSum, positions: 0, meanLogProb: Number.NaN };
}

/** v(z_i) of every train sample against the validation set (see the module comment). */
export function valuesAgainstValidation(train: readonly SampleFeatures[], val: readonly SampleFeatures[], approximate: boolean, onRow?: (done: number) => void): Float64Array {
  const out = new Float64Array(train.length);
  const mean = approximate ? null : meanPhi(val);
  train.forEach((f, i) => {
    if (mean) out[i] = frobenius(f, mean);
    else {
      let s = 0;
      for (const g of val) s += approximatePair(f, g);
      out[i] = s / val.length;
    }
    onRow?.(i + 1);
  });
  return out;
}

/** v(z_i, z'_j) for every pair: result[j][i] (one row per validation sample, as the §6.3 protocols read it). */
export function pairwiseValues(train: readonly SampleFeatures[], val: readonly SampleFeatures[], approximate: boolean, onRow?: (done: number) => void): Float64Array[] {
  return val.map((g, j) => {
    const row = Float64Array.from(train, (f) => pairValue(f, g, approximate));
    onRow?.(j + 1);
    return row;
  });
}
