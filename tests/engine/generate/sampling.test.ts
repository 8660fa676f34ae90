/** Sampling against hand-worked distributions and draw frequencies against the closed form. */
import { describe, expect, it } from 'vitest';
import { argmax, sampleToken, samplingDistribution } from '../../../src/engine/generate/sampling';
import { createRng } from '../../../src/engine/random';

// Probabilities 0.5, 0.25, 0.15, 0.1 as logits (log p): softmax gives them back exactly.
const P = [0.1, 0.5, 0.15, 0.25];
const LOGITS = P.map(Math.log);

describe('samplingDistribution', () => {
  it('temperature 1 is the softmax; temperature 0 is one-hot on the argmax', () => {
    const p = samplingDistribution(LOGITS, { temperature: 1 });
    P.forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
    expect([...samplingDistribution(LOGITS, { temperature: 0 })]).toEqual([0, 1, 0, 0]);
    expect(argmax([1, 3, 3, 2])).toBe(1); // first on ties
  });

  it('temperature 2 is p^(1/2) renormalised', () => {
    const p = samplingDistribution(LOGITS, { temperature: 2 });
    const z = P.reduce((s, v) => s + Math.sqrt(v), 0);
    P.forEach((v, i) => expect(p[i]).toBeCloseTo(Math.sqrt(v) / z, 12));
  });

  it('top-p keeps exactly the smallest set reaching p', () => {
    // sorted: 0.5 (id 1), 0.25 (id 3), 0.15 (id 2), 0.1 (id 0)
    const kept = (topP: number) => [...samplingDistribution(LOGITS, { topP })].map((v, i) => (v > 0 ? i : -1)).filter((i) => i >= 0);
    expect(kept(0.5)).toEqual([1]); // 0.5 reaches 0.5
    expect(kept(0.6)).toEqual([1, 3]); // 0.75
    expect(kept(0.75)).toEqual([1, 3]);
    expect(kept(0.76)).toEqual([1, 2, 3]); // 0.9
    expect(kept(0.95)).toEqual([0, 1, 2, 3]);
    expect(kept(0.01)).toEqual([1]);
    const p = samplingDistribution(LOGITS, { topP: 0.8 });
    expect(p[1]).toBeCloseTo(0.5 / 0.9, 12);
    expect(p[3]).toBeCloseTo(0.25 / 0.9, 12);
    expect(p[2]).toBeCloseTo(0.15 / 0.9, 12);
  });

  it('top-k keeps the k largest; top-p then applies to the renormalised top-k', () => {
    const p = samplingDistribution(LOGITS, { topK: 2 });
    expect([...p].map((v) => +v.toFixed(12))).toEqual([0, +(0.5 / 0.75).toFixed(12), 0, +(0.25 / 0.75).toFixed(12)]);
    // within top-3 (mass 0.9): 0.5/0.9 = 0.556 < 0.6 → add 0.25/0.9 → 0.833 ≥ 0.6
    const q = samplingDistribution(LOGITS, { topK: 3, topP: 0.6 });
    expect([...q].map((v) => v > 0)).toEqual([false, true, false, true]);
    expect(q[1]).toBeCloseTo(0.5 / 0.75, 12);
  });

  it('rejects bad options with the field name', () => {
    expect(() => samplingDistribution(LOGITS, { temperature: -1 })).toThrow(/temperature/);
    expect(() => samplingDistribution(LOGITS, { topP: 0 })).toThrow(/top_p/);
    expect(() => samplingDistribution(LOGITS, { topK: 1.5 })).toThrow(/top_k/);
  });
});

describe('sampleToken', () => {
  it('frequencies over many draws match the distribution (temperature 0.7, top-k 3)', () => {
    const o = { temperature: 0.7, topK: 3 };
    const want = samplingDistribution(LOGITS, o);
    const rng = createRng(5);
    const n = 40000;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[sampleToken(LOGITS, o, rng)]!++;
    expect(counts[0]).toBe(0);
    // 4.5 standard errors: sqrt(p(1-p)/n) ≤ 0.0025
    counts.forEach((c, i) => expect(Math.abs(c / n - want[i]!)).toBeLessThan(0.0115));
    // and the temperature matters: at 0.7, id 1 has more than its softmax share 0.5 (+ top-k renorm)
    expect(want[1]).toBeGreaterThan(0.5 / 0.9 + 0.05);
  });

  it('greedy ignores the rng; the same seed gives the same draws', () => {
    const rng = createRng(1);
    expect(sampleToken(LOGITS, { temperature: 0 }, rng)).toBe(1);
    const a = createRng(9);
    const b = createRng(9);
    const da = Array.from({ length: 50 }, () => sampleToken(LOGITS, {}, a));
    const db = Array.from({ length: 50 }, () => sampleToken(LOGITS, {}, b));
    expect(da).toEqual(db);
    expect(new Set(da).size).toBeGreaterThan(1);
  });
});

/**
 * The sampler as a full sort defines it (the definition the selection-based sampler must match):
 * softmax in float64, order by probability descending with ties to the lower index, keep the
 * first k, then the shortest prefix of those whose renormalised mass reaches p.
 */
function sortedReference(logits: number[], temperature: number, topK: number, topP: number): Float64Array {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp((x - m) / temperature));
  const z = e.reduce((s, v) => s + v, 0);
  const p = e.map((v) => v / z);
  const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  let keep = topK > 0 ? Math.min(topK, p.length) : p.length;
  const mass = order.slice(0, keep).reduce((s, i) => s + p[i]!, 0);
  let cum = 0;
  let n = 0;
  while (n < keep && topP < 1) {
    cum += p[order[n]!]! / mass;
    n++;
    if (cum >= topP - 1e-12) break;
  }
  if (topP < 1) keep = n;
  const kept = order.slice(0, keep).reduce((s, i) => s + p[i]!, 0);
  const out = new Float64Array(p.length);
  for (const i of order.slice(0, keep)) out[i] = p[i]! / kept;
  return out;
}

function drawFrom(p: Float64Array, u: number): number {
  let cum = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    last = i;
    cum += p[i]!;
    if (u < cum) return i;
  }
  return last;
}

describe('selection-based top-k / top-p against the full-sort definition', () => {
  const cases: { V: number; ties: boolean }[] = [
    { V: 7, ties: false },
    { V: 50, ties: true },
    { V: 300, ties: false },
    { V: 2000, ties: true },
  ];
  for (const { V, ties } of cases) {
    it(`vocabulary ${V}${ties ? ' with many tied logits' : ''}: same kept set, same probabilities, same token per draw`, () => {
      const rng = createRng(V);
      for (let trial = 0; trial < 30; trial++) {
        // Heavy-tailed logits (a few dominant tokens), or values on a coarse grid to force ties.
        const logits = Array.from({ length: V }, () => (ties ? Math.floor(rng.nextFloat() * 6) : rng.nextFloat() * 8 - 4 + (rng.nextFloat() < 0.05 ? 6 : 0)));
        const temperature = [0.3, 0.7, 1, 1.5][trial % 4]!;
        const topK = [0, 1, 5, Math.floor(V / 2), V, V + 3][trial % 6]!;
        const topP = [1, 0.95, 0.5, 0.9, 0.1, 0.999][(trial * 7) % 6]!;
        const o = { temperature, topK, topP };
        const got = samplingDistribution(logits, o);
        const want = sortedReference(logits, temperature, topK, topP);
        for (let i = 0; i < V; i++) {
          expect(got[i]! > 0, `token ${i} kept (trial ${trial})`).toBe(want[i]! > 0);
          expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-12);
        }
        // The same uniform draw picks the same token.
        const a = createRng(1000 + trial);
        const b = createRng(1000 + trial);
        for (let d = 0; d < 20; d++) expect(sampleToken(logits, o, a)).toBe(drawFrom(want, b.nextFloat()));
      }
    });
  }

  it('top-p on a flat distribution keeps the lowest indices among equals', () => {
    const p = samplingDistribution(new Array(10).fill(0), { topP: 0.35 });
    expect([...p].map((v) => (v > 0 ? 1 : 0))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    p.slice(0, 4).forEach((v) => expect(v).toBeCloseTo(0.25, 12));
  });
});
