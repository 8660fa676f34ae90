/**
 * For-Value features (ALGORITHMS.md §6.1–6.2) against independent computations:
 *  - a hand-worked 2-position, 3-token case (exact fractions) for Φ, Σh, Σδ, and the subset
 *    restrictions (total_unique, topk_unique, lowest_likelihood_ratio) against the full matrix;
 *  - the engine's batched, padded forward against a plain float64 reference forward of a tiny
 *    random untied model (tests/engine/model/referenceDecoder.ts), Φ built by naive loops;
 *  - the identity Φ(z) = ∂ log p(y|x) / ∂W_lm_head: the builder's autodiff of the summed
 *    completion log-probs, and central finite differences of the float64 reference.
 */
import { describe, expect, it } from 'vitest';
import { charTokenizerFiles, tokenizerFromJson } from '../../../src/engine/model/tokenizer';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { encodeExample, type EncodedSequence } from '../../../src/engine/data/batches';
import { grad, nn, op, openSession, serialize } from '../../../src/engine/onnx';
import { collectVocabulary, rowOf, scoredPositions, sequenceFeatures, ValuationForward, type SampleFeatures } from '../../../src/engine/valuation/features';
import { referenceForward } from '../model/referenceDecoder';
import { tinyConfig, tinyWeights } from '../pruning/tinyPruneModel';

describe('sequenceFeatures on a hand-worked case', () => {
  // V = 3, d = 2. Position 0: logits 0,0,0 → p = (1/3, 1/3, 1/3), target 0.
  // Position 1: logits 0, ln 2, 0 → p = (1/4, 1/2, 1/4), target 2.
  const input = {
    hidden: [1, 2, -1, 0.5],
    logits: [0, 0, 0, 0, Math.log(2), 0],
    targets: [0, 2],
    d: 2,
    V: 3,
  };
  const d0 = [2 / 3, -1 / 3, -1 / 3];
  const d1 = [-1 / 4, -1 / 2, 3 / 4];
  const h0 = [1, 2];
  const h1 = [-1, 0.5];
  /** Φ rows by hand: Φ[u] = δ0[u]·h0 + δ1[u]·h1. */
  const phiRow = (u: number, keep = [true, true]) => [0, 1].map((e) => (keep[0] ? d0[u]! * h0[e]! : 0) + (keep[1] ? d1[u]! * h1[e]! : 0));
  const close = (got: ArrayLike<number>, want: number[]) => {
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(got[i]!).toBeCloseTo(w, 12));
  };

  it('full: Φ = Σ_t (onehot(y_t) − softmax_t) h_tᵀ, Σh and Σδ', () => {
    const f = sequenceFeatures(input, { method: 'full' });
    expect(Array.from(f.rows)).toEqual([0, 1, 2]);
    close(f.phi!, [...phiRow(0), ...phiRow(1), ...phiRow(2)]);
    close(f.hSum, [0, 2.5]);
    close(f.deltaSum, [2 / 3 - 1 / 4, -1 / 3 - 1 / 2, -1 / 3 + 3 / 4]);
    expect(f.positions).toBe(2);
    expect(f.meanLogProb).toBeCloseTo((Math.log(1 / 3) + Math.log(1 / 4)) / 2, 12);
  });

  it('total_unique keeps exactly the listed rows of the full Φ (p still normalised over all of V)', () => {
    const f = sequenceFeatures(input, { method: 'total_unique', vocabulary: Int32Array.from([0, 2]) });
    expect(Array.from(f.rows)).toEqual([0, 2]);
    close(f.phi!, [...phiRow(0), ...phiRow(2)]);
    close(f.deltaSum, [2 / 3 - 1 / 4, -1 / 3 + 3 / 4]);
  });

  it('topk_unique: U = union of each position’s top-k ids (ties → lower id)', () => {
    // k = 1: position 0 is a three-way tie → id 0; position 1 → id 1.
    const f = sequenceFeatures(input, { method: 'topk_unique', topk: 1 });
    expect(Array.from(f.rows)).toEqual([0, 1]);
    close(f.phi!, [...phiRow(0), ...phiRow(1)]);
    // k = 2: position 0 → {0, 1}; position 1 → {1, 0} (0 and 2 tie, 0 wins).
    expect(Array.from(sequenceFeatures(input, { method: 'topk_unique', topk: 2 }).rows)).toEqual([0, 1]);
    expect(Array.from(sequenceFeatures(input, { method: 'topk_unique', topk: 3 }).rows)).toEqual([0, 1, 2]);
  });

  it('lowest_likelihood_ratio keeps the ceil(r·n) least likely positions', () => {
    // p(y_0) = 1/3, p(y_1) = 1/4: r = 0.5 keeps position 1 only.
    const f = sequenceFeatures(input, { method: 'full', lowestLikelihoodRatio: 0.5 });
    expect(f.positions).toBe(1);
    close(f.phi!, [0, 1, 2].flatMap((u) => phiRow(u, [false, true])));
    close(f.hSum, h1);
    // r = 0.01 still keeps one; r = 1 keeps both.
    expect(sequenceFeatures(input, { method: 'full', lowestLikelihoodRatio: 0.01 }).positions).toBe(1);
    expect(sequenceFeatures(input, { method: 'full', lowestLikelihoodRatio: 1 }).positions).toBe(2);
    // topk_unique builds U from the kept positions only: position 1's top-1 is id 1.
    expect(Array.from(sequenceFeatures(input, { method: 'topk_unique', topk: 1, lowestLikelihoodRatio: 0.5 }).rows)).toEqual([1]);
  });

  it('without Φ keeps the sums; errors name the problem', () => {
    const f = sequenceFeatures(input, { method: 'full', phi: false });
    expect(f.phi).toBeNull();
    close(f.hSum, [0, 2.5]);
    expect(() => sequenceFeatures(input, { method: 'total_unique' })).toThrow(/total_unique needs the vocabulary/);
    expect(() => sequenceFeatures({ ...input, targets: [0, 3] }, { method: 'full' })).toThrow(/target token 3 is outside the model's vocabulary of 3/);
  });

  it('rowOf, collectVocabulary and scoredPositions', () => {
    const rows = Int32Array.from([2, 5, 9]);
    expect([2, 5, 9, 0, 6, 10].map((id) => rowOf(rows, id))).toEqual([0, 1, 2, -1, -1, -1]);
    const seqs: EncodedSequence[] = [
      { ids: [1, 7, 3, 2], lossMask: [false, false, true, true] },
      { ids: [1, 3, 9, 2], lossMask: [false, false, true, true] },
    ];
    expect(Array.from(collectVocabulary(seqs))).toEqual([1, 2, 3, 7, 9]);
    expect(scoredPositions(seqs[0]!)).toEqual([1, 2]);
  });
});

/** Φ from the float64 reference forward of `ids` (without its last token), by naive loops. */
function referencePhi(c: ReturnType<typeof tinyConfig>, w: ReturnType<typeof tinyWeights>, s: EncodedSequence): { phi: Float64Array; logLik: number } {
  const ref = referenceForward(c, w, [s.ids.slice(0, -1)]);
  const V = c.vocab_size;
  const d = c.hidden_size;
  const phi = new Float64Array(V * d);
  let logLik = 0;
  for (const t of scoredPositions(s)) {
    const l = ref.logits[0]![t]!;
    const m = Math.max(...l);
    const z = l.reduce((a, x) => a + Math.exp(x - m), 0);
    const y = s.ids[t + 1]!;
    logLik += l[y]! - m - Math.log(z);
    for (let u = 0; u < V; u++) {
      const delta = (u === y ? 1 : 0) - Math.exp(l[u]! - m) / z;
      for (let e = 0; e < d; e++) phi[u * d + e] += delta * ref.normed[0]![t]![e]!;
    }
  }
  return { phi, logLik };
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(tol);
}

describe('engine features against the float64 reference (tiny random untied model)', () => {
  const files = charTokenizerFiles();
  const tok = tokenizerFromJson(files.json, files.config);
  const c = tinyConfig(2);
  const w = tinyWeights(c, 5);
  const pairs = [
    ['12+7=', '19'],
    ['larger 3 41?', '41'],
    ['(()?', 'no'],
    ['majority 0110100?', '0'],
    ['x', 'a longer completion, with more tokens'],
  ];
  const seqs = pairs.map(([p, a]) => encodeExample(tok, p!, a!, { completionOnly: true }));

  it('Φ, Σh, Σδ and the mean log-prob of every sequence, batched with padding', async () => {
    expect(c.tie_word_embeddings).toBe(false);
    const fw = await ValuationForward.open(c, w, tok.padId!, { executionProvider: 'cpu', threads: 1 });
    const feats = (await fw.features(seqs, { method: 'full' }, { batchSize: 2 }))!;
    const vocab = collectVocabulary(seqs);
    const sub = (await fw.features(seqs, { method: 'total_unique', vocabulary: vocab }, { batchSize: 3 }))!;
    const topk = (await fw.features(seqs, { method: 'topk_unique', topk: 3 }, { batchSize: 5 }))!;
    await fw.release();
    const d = c.hidden_size;
    seqs.forEach((s, i) => {
      const ref = referencePhi(c, w, s);
      const tol = 2e-5 * Math.max(1, maxAbs(ref.phi));
      const f = feats[i]!;
      expect(f.positions).toBe(scoredPositions(s).length);
      expectClose(f.phi!, ref.phi, tol);
      expect(f.meanLogProb).toBeCloseTo(ref.logLik / f.positions, 4);
      // Σδ over all of V is 0 at every position; Σh matches the reference normed states.
      expect(Math.abs(Array.from(f.deltaSum).reduce((a, b) => a + b, 0))).toBeLessThan(1e-5);
      const hRef = new Float64Array(d);
      const refOut = referenceForward(c, w, [s.ids.slice(0, -1)]);
      for (const t of scoredPositions(s)) for (let e = 0; e < d; e++) hRef[e] += refOut.normed[0]![t]![e]!;
      expectClose(f.hSum, hRef, 1e-4);
      // Subsets are the matching rows of the full matrix.
      for (const g of [sub[i]!, topk[i]!]) {
        g.rows.forEach((u, r) => expectClose(g.phi!.subarray(r * d, (r + 1) * d), ref.phi.subarray(u * d, (u + 1) * d), tol));
      }
    });
    expect(Array.from(sub[0]!.rows)).toEqual(Array.from(vocab));
    // topk_unique with k = 3 holds at most 3 ids per scored position.
    topk.forEach((f, i) => expect(f.rows.length).toBeLessThanOrEqual(3 * scoredPositions(seqs[i]!).length));
  });

  it('Φ equals ∂ Σ_t log p(y_t | x) / ∂ lm_head (autodiff and finite differences)', async () => {
    const s = seqs[1]!;
    const T = s.ids.length - 1;
    const pos = scoredPositions(s);
    const fw = await ValuationForward.open(c, w, tok.padId!, { executionProvider: 'cpu', threads: 1 });
    const [f] = (await fw.features([s], { method: 'full' }, { batchSize: 1 }))! as SampleFeatures[];
    await fw.release();

    // Autodiff: the decoder with lm_head as a graph input, loss = Σ_t scored log p(y_t).
    const dg = buildDecoder(c, w, { batch: 1, seqLen: T, attentionMask: false, trainable: ['lm_head.weight'], outputs: {} });
    const targets = dg.graph.input('targets', 'int64', [1, T]);
    const lp = nn.tokenLogProbs(dg.tensors.logits, targets);
    const loss = op.reduceSum(op.mul(lp, op.cast(op.greaterOrEqual(targets, 0), 'float32')));
    const [g] = grad(loss, [dg.trainable.get('lm_head.weight')!]);
    dg.graph.output(g!, 'grad');
    const session = await openSession(serialize(dg.graph), { executionProvider: 'cpu', threads: 1, cache: false });
    const tg = new BigInt64Array(T).fill(-100n);
    for (const t of pos) tg[t] = BigInt(s.ids[t + 1]!);
    const out = await session.run({ input_ids: BigInt64Array.from(s.ids.slice(0, -1), BigInt), targets: tg, 'lm_head.weight': w.lmHead!.data });
    await session.release();
    const gradW = out.grad!.data as Float32Array;
    expectClose(f!.phi!, gradW, 2e-5 * Math.max(1, maxAbs(gradW)));

    // Central differences of the float64 reference log-likelihood, dividing by the float32 step.
    const logLik = () => referencePhi(c, w, s).logLik;
    const V = c.vocab_size;
    const d = c.hidden_size;
    const targetsSeen = pos.map((t) => s.ids[t + 1]!);
    const entries = [targetsSeen[0]! * d + 3, targetsSeen[1]! * d + 7, 5 * d + 1, (V - 1) * d + 15, 40 * d + 0];
    for (const j of entries) {
      const data = w.lmHead!.data;
      const orig = data[j]!;
      data[j] = orig + 1e-3;
      const up = data[j]!;
      const lUp = logLik();
      data[j] = orig - 1e-3;
      const down = data[j]!;
      const lDown = logLik();
      data[j] = orig;
      const fd = (lUp - lDown) / (up - down);
      expect(Math.abs(f!.phi![j]! - fd), `entry ${j}: Φ ${f!.phi![j]} vs FD ${fd}`).toBeLessThan(1e-4 + 1e-3 * Math.abs(fd));
    }
  });
});
