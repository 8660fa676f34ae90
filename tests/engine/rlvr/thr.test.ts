/**
 * THR (ALGORITHMS.md §4) against independent computations:
 *   - a hand-worked two-completion group;
 *   - a float64 re-implementation in the kernel form Σ_{j∈C} c_j Σ_s ⟨h,h'⟩⟨δ,δ'⟩ with δ from the
 *     FULL softmax of the logits (the module factorises through M_C and reads π over V* from the
 *     sampled token's log-prob), on random groups incl. one without a correct completion, a masked
 *     row, A = 0 rows and temperature ≠ 1, for both normalisations;
 *   - the policy scorer's hidden-state output and log-probs (a real tiny decoder) give the THR the
 *     float64 reference decoder gives;
 *   - token weights 1 + p·sign(THR), top_fraction, metrics and histogram on hand-made values.
 */
import { describe, expect, it } from 'vitest';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { createRng } from '../../../src/engine/random';
import { PolicyTrainer } from '../../../src/engine/rlvr/policyTrainer';
import { packRows, type Completion } from '../../../src/engine/rlvr/rollout';
import { rowThr, thrHistogram, thrMetrics, thrTokenWeights, tokenHiddenRewards, type ThrInput, type ThrNormalization } from '../../../src/engine/rlvr/thr';
import { referenceForward } from '../model/referenceDecoder';

describe('THR hand-worked', () => {
  it('two one-token completions, uniform π', () => {
    // d = 1, vocab 2, LM head all 0 → π = (½, ½). Row 0 correct (y = 0, h = 1, A = 1);
    // row 1 wrong (y = 1, h = 2, A = −1). δ0 = (½, −½), δ1 = (−½, ½), M_C = δ0·h0 = (½, −½).
    // THR_0 = 1·⟨δ0, M_C⟩·h0 = ½; THR_1 = −1·⟨δ1, M_C⟩·h1 = −1·(−½)·2 = 1.
    const x: ThrInput = {
      G: 2, batch: 2, seqLen: 1, hiddenSize: 1,
      hidden: Float32Array.from([1, 2]), targets: BigInt64Array.from([0n, 1n]), logprobs: Float32Array.from([Math.log(0.5), Math.log(0.5)]),
      mask: Float32Array.from([1, 1]), advantages: [1, -1], correct: [true, false], lmHead: Float32Array.from([0, 0]), temperature: 1,
    };
    const thr = tokenHiddenRewards(x, 'length');
    expect(thr[0]).toBeCloseTo(0.5, 6);
    expect(thr[1]).toBeCloseTo(1, 6);
    // no correct completion → no THR
    expect(Array.from(tokenHiddenRewards({ ...x, correct: [false, false] }, 'length'))).toEqual([0, 0]);
  });
});

/** Float64 THR in the kernel form, π from the full softmax of logits / temperature. */
function referenceThr(
  h: number[][][], // [B][T][d]
  logits: number[][][], // [B][T][V]
  targets: number[][],
  mask: number[][],
  adv: number[],
  correct: boolean[],
  G: number,
  temperature: number,
  norm: ThrNormalization,
): number[][] {
  const B = h.length;
  const T = h[0]!.length;
  const out = Array.from({ length: B }, () => new Array<number>(T).fill(0));
  const len = mask.map((r) => r.reduce((a, v) => a + v, 0));
  for (let g0 = 0; g0 < B; g0 += G) {
    const rows = Array.from({ length: G }, (_, k) => g0 + k).filter((b) => len[b]! > 0);
    const vstar = [...new Set(rows.flatMap((b) => targets[b]!.filter((_, t) => mask[b]![t])))];
    const delta = (b: number, t: number) => {
      const z = logits[b]![t]!.map((v) => v / temperature);
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const s = e.reduce((a, v) => a + v, 0);
      return vstar.map((v) => (v === targets[b]![t] ? 1 : 0) - e[v]! / s);
    };
    const C = rows.filter((b) => correct[b]);
    for (const i of rows) {
      for (let t = 0; t < T; t++) {
        if (!mask[i]![t]) continue;
        const di = delta(i, t);
        let sum = 0;
        for (const j of C) {
          const cj = norm === 'length' ? 1 / len[j]! : 1;
          for (let s = 0; s < T; s++) {
            if (!mask[j]![s]) continue;
            const dj = delta(j, s);
            const hh = h[i]![t]!.reduce((a, v, k) => a + v * h[j]![s]![k]!, 0);
            const dd = di.reduce((a, v, k) => a + v * dj[k]!, 0);
            sum += cj * hh * dd;
          }
        }
        out[i]![t] = (norm === 'length' ? adv[i]! / len[i]! : adv[i]!) * sum;
      }
    }
  }
  return out;
}

describe('THR against the float64 kernel form', () => {
  const B = 6;
  const T = 5;
  const d = 4;
  const V = 9;
  const G = 3;
  const rng = createRng(21);
  const r = () => rng.nextFloat() * 2 - 1;
  const W = Array.from({ length: V }, () => Array.from({ length: d }, r));
  const h = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: d }, r)));
  const logits = h.map((row) => row.map((hv) => W.map((wv) => wv.reduce((a, v, k) => a + v * hv[k]!, 0))));
  const targets = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.nextInt(V)));
  // row 2 fully masked; group 1 (rows 3–5) has no correct completion
  const mask = [[0, 1, 1, 1, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [0, 1, 1, 0, 0], [1, 1, 1, 0, 0], [0, 0, 1, 1, 1]];
  const adv = [0.8, -0.4, 0.3, 0.5, 0, -0.5];
  const correct = [true, false, true, false, false, false];
  const temperature = 0.7;
  const logprob = (b: number, t: number) => {
    const z = logits[b]![t]!.map((v) => v / temperature);
    const m = Math.max(...z);
    return z[targets[b]![t]!]! - m - Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  };
  const input: ThrInput = {
    G, batch: B, seqLen: T, hiddenSize: d,
    hidden: Float32Array.from(h.flat(2)), targets: BigInt64Array.from(targets.flat(), BigInt),
    logprobs: Float32Array.from(targets.flatMap((row, b) => row.map((_, t) => logprob(b, t)))),
    mask: Float32Array.from(mask.flat()), advantages: adv, correct, lmHead: Float32Array.from(W.flat()), temperature,
  };
  it.each(['length', 'none'] as const)('%s normalisation', (norm) => {
    // the reference reads the float32-rounded hidden states the module sees
    const h32 = h.map((row) => row.map((v) => v.map((x) => Math.fround(x))));
    const want = referenceThr(h32, logits, targets, mask, adv, correct, G, temperature, norm);
    const got = tokenHiddenRewards(input, norm);
    const scale = Math.max(...want.flat().map(Math.abs));
    expect(scale).toBeGreaterThan(1e-3);
    want.flat().forEach((w, p) => expect(Math.abs(got[p]! - w), `position ${p}: ${got[p]} vs ${w}`).toBeLessThan(2e-5 * scale));
    // signs of both kinds occur in group 0, group 1 (no correct completion) is all 0
    const g0 = want.slice(0, 3).flat().filter((v) => v !== 0);
    expect(g0.some((v) => v > 0) && g0.some((v) => v < 0)).toBe(true);
    expect(Array.from(got.slice(3 * T))).toEqual(new Array(3 * T).fill(0));
  });
});

describe('THR from the policy scorer', () => {
  const cfg = parseDecoderConfig('config.json', {
    model_type: 'qwen2', vocab_size: 24, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    intermediate_size: 32, max_position_embeddings: 32,
  });
  const w0 = initDecoderWeights(cfg, 4, 0.3);
  const SEQ = 9;
  const comp = (group: number, tokens: number[], correct: boolean): Completion => ({ group, text: '', tokens, truncated: false, reward: correct ? 1 : 0, correct, errorClass: null });
  const prompts = [[1, 5, 7], [1, 9]];
  const comps = [comp(0, [3, 4, 2], true), comp(0, [8, 8, 6, 2], false), comp(1, [11, 2], false), comp(1, [5, 6, 7, 12, 2], true)];
  const rows = packRows(prompts, comps, SEQ, 0, [true, true, true, true]);

  it('hidden states and log-probs of one scoring pass give the float64 decoder’s THR', async () => {
    const p = await PolicyTrainer.create({
      config: cfg, weights: w0, batch: 4, seqLen: SEQ, temperature: 0.9,
      loss: { lossType: 'dapo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.2, delta: null, beta: 0, maxCompletionLength: 5 },
      optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 },
      session: { executionProvider: 'cpu', threads: 1 },
      seed: 3,
      scoreHidden: true,
    });
    try {
      const { logprobs, hidden, entropy } = await p.scorePolicyWithHidden(rows);
      expect(Array.from(logprobs)).toEqual(Array.from(await p.scorePolicy(rows)));
      const ids = Array.from({ length: 4 }, (_, b) => Array.from(rows.inputIds.slice(b * SEQ, (b + 1) * SEQ), Number));
      const ref = referenceForward(cfg, w0, ids);
      // token entropies of softmax(logits / 0.9), float64 from the reference decoder
      ref.logits.forEach((row, b) =>
        row.forEach((l, q) => {
          const z = Array.from(l, (v) => v / 0.9);
          const mx = Math.max(...z);
          const e = z.map((v) => Math.exp(v - mx));
          const sum = e.reduce((a, v) => a + v, 0);
          const want = -e.reduce((a, v) => a + (v / sum) * Math.log(v / sum), 0);
          expect(Math.abs(entropy[b * SEQ + q]! - want), `entropy ${b},${q}`).toBeLessThan(1e-4);
        }),
      );
      const adv = [0.7, -0.7, -0.7, 0.7];
      const mask = Array.from({ length: 4 }, (_, b) => Array.from(rows.mask.slice(b * SEQ, (b + 1) * SEQ)));
      const targets = Array.from({ length: 4 }, (_, b) => Array.from(rows.targetIds.slice(b * SEQ, (b + 1) * SEQ), Number));
      const h = ref.normed.map((row) => row.map((v) => Array.from(v)));
      const logits = ref.logits.map((row) => row.map((v) => Array.from(v)));
      const want = referenceThr(h, logits, targets, mask, adv, comps.map((c) => c.correct), 2, 0.9, 'length');
      const lmHead = w0.lmHead ?? w0.embed;
      const got = tokenHiddenRewards(
        { G: 2, batch: 4, seqLen: SEQ, hiddenSize: cfg.hidden_size, hidden, targets: rows.targetIds, logprobs, mask: rows.mask, advantages: adv, correct: comps.map((c) => c.correct), lmHead: lmHead.data, temperature: 0.9 },
        'length',
      );
      const scale = Math.max(...want.flat().map(Math.abs));
      expect(scale).toBeGreaterThan(1e-4);
      want.flat().forEach((w, q) => expect(Math.abs(got[q]! - w), `position ${q}`).toBeLessThan(1e-4 * scale));
      // one value per completion token, in order
      expect(rowThr(got, rows.mask, 1, SEQ)).toHaveLength(4);
    } finally {
      await p.release();
    }
  });
});

describe('THR token weights and metrics', () => {
  // 10 masked tokens (position 10 unmasked), THR with both signs and one exact 0
  const thr = Float64Array.from([5, -1, 0.5, -4, 0, 2, -0.25, 1, -3, 0.25, 99]);
  const mask = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  it('w = 1 + p·sign(THR) on every token, or on the top fraction by |THR| only', () => {
    const all = thrTokenWeights(thr, mask, { p: 0.3, normalization: 'length', topFraction: 1 });
    expect(Array.from(all)).toEqual([1.3, 0.7, 1.3, 0.7, 1, 1.3, 0.7, 1.3, 0.7, 1.3, 1].map(Math.fround));
    // top 30% of 10 tokens = |5|, |−4|, |−3|; p < 0 reverses
    const top = thrTokenWeights(thr, mask, { p: -0.5, normalization: 'length', topFraction: 0.3 });
    expect(Array.from(top)).toEqual([0.5, 1, 1, 1.5, 1, 1, 1, 1, 1.5, 1, 1]);
    expect(() => thrTokenWeights(thr, mask, { p: 1, normalization: 'length', topFraction: 1 })).toThrow(/thr\.p: expected −1 < p < 1/);
  });
  it('metrics: sign fractions, |THR| mass of the top 1% / 10% (≥ 1 token), quantiles; histogram counts', () => {
    const w = thrTokenWeights(thr, mask, { p: 0.3, normalization: 'length', topFraction: 0.3 });
    const m = thrMetrics(thr, mask, w);
    const total = 5 + 1 + 0.5 + 4 + 0 + 2 + 0.25 + 1 + 3 + 0.25;
    expect(m['thr/positive_fraction']).toBeCloseTo(0.5, 12);
    expect(m['thr/negative_fraction']).toBeCloseTo(0.4, 12);
    expect(m['thr/mean_abs']).toBeCloseTo(total / 10, 12);
    expect(m['thr/top1_mass']).toBeCloseTo(5 / total, 12);
    expect(m['thr/top10_mass']).toBeCloseTo(5 / total, 12);
    expect(m['thr/reweighted_fraction']).toBeCloseTo(0.3, 12);
    // sorted: −4 −3 −1 −0.25 0 0.25 0.5 1 2 5 → median between 0 and 0.25
    expect(m['thr/median']).toBeCloseTo(0.125, 12);
    expect(m['thr/q05']).toBeCloseTo(-4 + 0.45 * 1, 12);
    // THR–entropy overlap: the top 10% of 10 masked tokens (1 token) by |THR| is position 0
    const ent = Float32Array.from([0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.05, 5]);
    expect(thrMetrics(thr, mask, w, ent)['thr/entropy_overlap']).toBe(1); // position 0 has the highest entropy among masked ones
    expect(thrMetrics(thr, mask, w, Float32Array.from([0.1, 0.9, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.05, 5]))['thr/entropy_overlap']).toBe(0);
    expect(m['thr/entropy_overlap']).toBeUndefined();
    const hist = thrHistogram(thr, mask, 4); // edges −5, −2.5, 0, 2.5, 5
    expect(hist.edges).toEqual([-5, -2.5, 0, 2.5, 5]);
    expect(hist.counts).toEqual([2, 2, 5, 1]);
  });
});
