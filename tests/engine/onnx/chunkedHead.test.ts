/**
 * The LM head in chunks (src/engine/onnx/chunkedHead.ts): per-token log-probs and entropies
 * against a plain float64 computation in JS, for chunk sizes that divide the rows, leave a
 * ragged last chunk, or exceed the rows, with static and symbolic row counts; and its gradients
 * (a second Loop that recomputes each chunk) against central finite differences
 * (finiteDifferences.ts), w.r.t. both the hidden states and the head weight.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, chunkedTokenStats, clearSessionCache, headChunkRows, openSession, serialize } from '../../../src/engine/onnx';
import { createRng } from '../../../src/engine/random';
import { checkVjp } from './finiteDifferences';

afterAll(() => clearSessionCache());

/** float64 log p(target) and entropy of softmax(h·Wᵀ/τ) per row (negative targets read 0). */
function reference(h: Float32Array, w: Float32Array, targets: number[], d: number, V: number, tau: number) {
  return targets.map((y, r) => {
    const z = Array.from({ length: V }, (_, v) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += h[r * d + k]! * w[v * d + k]!;
      return s / tau;
    });
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, x) => a + Math.exp(x - m), 0));
    const logp = z.map((x) => x - lse);
    return { lp: logp[y < 0 ? 0 : y]!, ent: -logp.reduce((a, l) => a + Math.exp(l) * l, 0) };
  });
}

describe('chunked LM head', () => {
  const B = 2;
  const T = 5;
  const d = 6;
  const V = 11;
  const rng = createRng(3);
  const h = Float32Array.from({ length: B * T * d }, () => rng.normal());
  const w = Float32Array.from({ length: V * d }, () => rng.normal() * 0.7);
  const targets = Array.from({ length: B * T }, (_, i) => (i === 3 ? -100 : rng.nextInt(V)));

  for (const [chunkRows, symbolic] of [[3, false], [5, false], [64, false], [4, true], [1, true]] as const) {
    it(`chunks of ${chunkRows} rows (${symbolic ? 'symbolic' : 'static'} batch): log-probs and entropy equal the float64 computation`, async () => {
      const g = new Graph('head');
      const Bd = symbolic ? 'B' : B;
      const Td = symbolic ? 'T' : T;
      const hid = g.input('hidden', 'float32', [Bd, Td, d]);
      const wt = g.input('weight', 'float32', [V, d]);
      const ids = g.input('targets', 'int64', [Bd, Td]);
      const s = chunkedTokenStats(hid, wt, ids, { temperature: 0.7, entropy: true, chunkRows });
      g.output(s.logprobs, 'lp');
      g.output(s.entropy!, 'ent');
      const sess = await openSession(serialize(g), { executionProvider: 'cpu', threads: 1, cache: false });
      const out = await sess.run({ hidden: { data: h, dims: [B, T, d] }, weight: w, targets: { data: BigInt64Array.from(targets, BigInt), dims: [B, T] } });
      await sess.release();
      expect(out.lp!.dims).toEqual([B, T]);
      const want = reference(h, w, targets, d, V, 0.7);
      const lp = out.lp!.data as Float32Array;
      const ent = out.ent!.data as Float32Array;
      want.forEach((r, i) => {
        expect(Math.abs(lp[i]! - r.lp), `row ${i} log-prob`).toBeLessThan(1e-5);
        expect(Math.abs(ent[i]! - r.ent), `row ${i} entropy`).toBeLessThan(1e-5);
      });
    });
  }

  for (const [chunkRows, entropy, tau] of [[3, true, 0.7], [4, false, 1], [16, true, 1.3]] as const) {
    it(`gradients w.r.t. hidden states and head weight match finite differences (chunks of ${chunkRows}, entropy ${entropy}, τ ${tau})`, async () => {
      const r = await checkVjp(
        {
          name: `chunked head ${chunkRows}`,
          make: () => ({
            inputs: [{ shape: [2, 5, 4] }, { shape: [7, 4] }, { shape: [2, 5], kind: { indices: 7 } }],
            build: ([x, wt, y]) => {
              const s = chunkedTokenStats(x!, wt!, y!, { temperature: tau, entropy, chunkRows });
              return s.entropy ? [s.logprobs, s.entropy] : [s.logprobs];
            },
          }),
        },
        chunkRows,
      );
      expect(r.checked).toBe(2 * 5 * 4 + 7 * 4);
      expect(r.worst, r.detail).toBeLessThanOrEqual(1);
    });
  }

  it('default chunk rows keep one chunk of logits near 2^23 elements', () => {
    expect(headChunkRows(49152)).toBe(168);
    expect(headChunkRows(151936)).toBe(48);
    expect(headChunkRows(32)).toBe(4096);
    expect(headChunkRows(2 ** 24)).toBe(1);
  });
});
