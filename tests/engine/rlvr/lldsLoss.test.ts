/**
 * LLDS (ALGORITHMS.md §2.2) in the GRPO head, against independent computations:
 *   - the float64 reference (referenceLoss.ts) itself on a hand-worked case;
 *   - value: the head's total loss, L_LLDS, gated fraction and the §2.1 pos/neg log-prob monitors
 *     equal the reference from the same logits, for all three gates, with hand-made old log-probs
 *     that make some tokens / completions go down and others up: a preserved row whose total went
 *     down (gate open, some tokens up), a preserved A = 0 row whose total went up (gate closed,
 *     some tokens down: only the token gate counts them), a preserved row all down, A < 0 rows
 *     that went down (excluded), a fully masked preserved row (excluded), MA weights ≠ 1, and an
 *     empty Y_pre (all A < 0);
 *   - gradients with LLDS on equal central differences of the float64 reference decoder;
 *   - one training step: a preserved completion (A = 0) whose likelihood dropped gains more
 *     log-prob with LLDS on than off.
 * Tolerances as policyLoss.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, clearSessionCache, grad, openSession, serialize, type Feed, type Tensor } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights, type DecoderWeights } from '../../../src/engine/model/weights';
import { createRng } from '../../../src/engine/random';
import type { LldsGate } from '../../../src/engine/rlvr/lldsLoss';
import { scaledTokenStats } from '../../../src/engine/rlvr/policyGraph';
import { POLICY_INPUTS, POLICY_OUTPUTS, policyLossHead, type PolicyLossSpec } from '../../../src/engine/rlvr/policyLoss';
import { PolicyTrainer } from '../../../src/engine/rlvr/policyTrainer';
import { packRows, type Completion } from '../../../src/engine/rlvr/rollout';
import { referenceForward } from '../model/referenceDecoder';
import { referenceGrpoLoss, referenceLlds, type RefLossInputs, type RefLossOptions } from './referenceLoss';

afterAll(() => clearSessionCache());

const config = parseDecoderConfig('config.json', {
  model_type: 'llama', vocab_size: 20, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 16, tie_word_embeddings: false,
});
const weights = initDecoderWeights(config, 9, 0.3);
const B = 6;
const T = 7;
const V = config.vocab_size;
const rng = createRng(5);
// [length, prompt length]; row 4 is fully masked
const ROWS: [number, number][] = [[7, 2], [6, 2], [6, 1], [4, 2], [5, 2], [7, 3]];
const IDS = ROWS.map(([len]) => Array.from({ length: T }, (_, t) => (t < len ? rng.nextInt(V) : 0)));
const TARGETS = IDS.map((row, b) => row.map((_, t) => (t < ROWS[b]![0] - 1 ? row[t + 1]! : 0)));
const MASK = ROWS.map(([len, p], b) => Array.from({ length: T }, (_, t) => (b !== 4 && t >= p - 1 && t <= len - 2 ? 1 : 0)));
const ADV = [0.9, 0, -1.1, 0.4, 0.5, -0.3];
// Δ = old − current per masked token (cycled): row 0 Σ > 0 with ups, row 1 Σ < 0 with downs,
// row 2 (A < 0) all down, row 3 all down, row 5 (A < 0) mixed. |Δ| ≥ 0.05 keeps max(0,·) off its kink.
const DELTA = [[0.3, -0.1, 0.2, -0.15, 0.1], [0.1, -0.3, 0.15, -0.2], [0.2, 0.25], [0.25, 0.1, 0.3], [0.2], [-0.2, 0.1, -0.05]];
const D = MASK.map((row, b) => {
  let k = 0;
  return row.map((v) => (v ? DELTA[b]![k++ % DELTA[b]!.length]! : 0.1));
});
const MA = MASK.map((row, b) => row.map((_, t) => ((b + t) % 3 === 0 ? 0.3 : 1)));
const NUM_ITEMS = 30;
const GATES: LldsGate[] = ['action', 'response', 'token'];

const specOf = (gate: LldsGate, beta = 0): PolicyLossSpec => ({
  lossType: 'dapo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.28, delta: null, beta, maxCompletionLength: 9, llds: { gate, lambda: 0.7 },
});
const refOptions = (s: PolicyLossSpec): RefLossOptions => ({
  lossType: s.lossType, level: s.importanceSamplingLevel, epsilon: s.epsilon, epsilonHigh: s.epsilonHigh, delta: s.delta, beta: s.beta,
  maxCompletionLength: s.maxCompletionLength, temperature: 0.8, numItems: NUM_ITEMS, ...(s.llds ? { llds: s.llds } : {}),
});

async function headSession(spec: PolicyLossSpec) {
  const g = new Graph('llds_head_test');
  const params = new Map<string, Tensor>();
  for (const [name, t] of tensorsFromWeights(config, weights)) params.set(name, g.input(name, 'float32', t.shape));
  const d = buildDecoder(config, weights, { graph: g, weightTensors: params, batch: B, seqLen: T, attentionMask: false, outputs: {} });
  const s = scaledTokenStats(d.tensors.logits, g.input('target_ids', 'int64', [B, T]), 0.8, true);
  const { loss, outputs } = policyLossHead(s.logprobs, s.entropy, spec);
  g.output(loss, 'loss');
  g.output(d.tensors.logits, 'logits');
  for (const [k, v] of Object.entries(outputs)) g.output(v, k);
  const names = [...params.keys()];
  grad(loss, names.map((n) => params.get(n)!)).forEach((gr, i) => g.output(gr, `grad.${names[i]}`));
  return { session: await openSession(serialize(g), { executionProvider: 'cpu', threads: 1, cache: false }), names };
}

const f32 = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), dims: [B, T] });
const i64 = (rows: number[][]) => ({ data: BigInt64Array.from(rows.flat(), BigInt), dims: [B, T] });
const ones = MASK.map((r) => r.map(() => 1));

function inputsFrom(logits: ArrayLike<number>[][], adv: number[]): RefLossInputs {
  const base: RefLossInputs = { logits, targets: TARGETS, old: ones, ref: null, advantages: adv, mask: MASK, weights: ones, lldsWeights: MA };
  const lp = referenceGrpoLoss(base, { ...refOptions(specOf('token')), llds: undefined }).logprobs;
  return { ...base, old: lp.map((row, b) => row.map((l, t) => l + D[b]![t]!)), ref: lp.map((row) => row.map((l) => l - 0.1)) };
}

function feeds(inp: RefLossInputs, spec: PolicyLossSpec) {
  const f: Record<string, unknown> = {
    ...Object.fromEntries(tensorsFromWeights(config, weights).map(([n, t]) => [n, t.data])),
    input_ids: i64(IDS),
    target_ids: i64(TARGETS),
    [POLICY_INPUTS.oldLogprobs]: f32(inp.old),
    [POLICY_INPUTS.advantages]: Float32Array.from(inp.advantages),
    [POLICY_INPUTS.completionMask]: f32(MASK),
    [POLICY_INPUTS.tokenWeights]: f32(inp.weights),
    [POLICY_INPUTS.lldsWeights]: f32(inp.lldsWeights!),
    [POLICY_INPUTS.numItemsInBatch]: NUM_ITEMS,
  };
  if (spec.beta !== 0) f[POLICY_INPUTS.refLogprobs] = f32(inp.ref!);
  return f as Parameters<Awaited<ReturnType<typeof openSession>>['run']>[0];
}

const logitsOf = (data: Float32Array) => Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => data.subarray((b * T + t) * V, (b * T + t + 1) * V)));
const close = (got: number, want: number, what: string) => expect(Math.abs(got - want), `${what}: graph ${got} vs float64 ${want}`).toBeLessThanOrEqual(2e-5 + 1e-4 * Math.abs(want));

async function runCase(spec: PolicyLossSpec, adv: number[]) {
  const { session, names } = await headSession(spec);
  const probe = inputsFrom(logitsOf(new Float32Array(B * T * V)), adv);
  const logits = logitsOf((await session.run(feeds(probe, spec), ['logits'])).logits!.data as Float32Array);
  const inp = inputsFrom(logits, adv);
  return { session, names, inp, out: await session.run(feeds(inp, spec)) };
}

describe('LLDS reference (hand-worked)', () => {
  // two preserved rows of 2 tokens, one A < 0 row: Δ row 0 = (0.4, −0.1) Σ > 0, row 1 = (0.2, −0.3) Σ < 0, row 2 = (0.5, 0.5)
  const inp = { old: [[0.4, -0.1], [0.2, -0.3], [0.5, 0.5]], advantages: [1, 0, -1], mask: [[1, 1], [1, 1], [1, 1]], lldsWeights: [[1, 1], [0.5, 1], [1, 1]] } as unknown as RefLossInputs;
  const lp = [[0, 0], [0, 0], [0, 0]];
  it('action: mean over Y_pre of gated penalty / |y_i|; response and token: over Y_pre tokens', () => {
    expect(referenceLlds(lp, inp, 'action').loss).toBeCloseTo(0.4 / 2 / 2, 12); // row 1 gated off
    expect(referenceLlds(lp, inp, 'response').loss).toBeCloseTo(0.4 / 4, 12);
    expect(referenceLlds(lp, inp, 'token').loss).toBeCloseTo((0.4 + 0.5 * 0.2) / 4, 12);
    expect(referenceLlds(lp, inp, 'token').gatedFraction).toBeCloseTo(2 / 4, 12);
    expect(referenceLlds(lp, { ...inp, advantages: [-1, -1, -1] }, 'action')).toEqual({ loss: 0, gatedFraction: 0 });
    // released code: gated penalties over all 6 response tokens (A < 0 rows included in the count)
    expect(referenceLlds(lp, inp, 'action', 'response_tokens').loss).toBeCloseTo(0.4 / 6, 12);
    expect(referenceLlds(lp, inp, 'token', 'response_tokens').loss).toBeCloseTo((0.4 + 0.5 * 0.2) / 6, 12);
  });
});

describe('LLDS in the GRPO head', () => {
  it('the test data exercise every branch (gates give different losses; rows go up and down)', () => {
    const sums = D.map((row, b) => row.reduce((a, v, t) => a + v * MASK[b]![t]!, 0));
    expect(sums[0]).toBeGreaterThan(0);
    expect(sums[1]).toBeLessThan(0);
    expect(D[1]!.some((v, t) => MASK[1]![t]! && v > 0)).toBe(true);
    expect(D[0]!.some((v, t) => MASK[0]![t]! && v < 0)).toBe(true);
  });

  const cases: [string, PolicyLossSpec, number[]][] = [
    ...GATES.map((g) => [`${g}`, specOf(g), ADV] as [string, PolicyLossSpec, number[]]),
    ['action with KL', specOf('action', 0.04), ADV],
    ['response, empty Y_pre', specOf('response'), ADV.map((a) => -Math.abs(a) - 0.1)],
    ...GATES.map((g) => [`${g}, response_tokens normalisation`, { ...specOf(g), llds: { gate: g, lambda: 0.7, normalization: 'response_tokens' } }, ADV] as [string, PolicyLossSpec, number[]]),
  ];
  it.each(cases)('%s: loss, L_LLDS, gated fraction and pos/neg monitors equal the float64 computation', async (_l, spec, adv) => {
    const { session, inp, out } = await runCase(spec, adv);
    try {
      const want = referenceGrpoLoss(inp, refOptions(spec));
      const scalar = (k: string) => Number(out[k]!.data[0]);
      close(scalar('loss'), want.loss, 'loss');
      close(scalar(POLICY_OUTPUTS.lldsLoss), want.lldsLoss, 'llds loss');
      close(scalar(POLICY_OUTPUTS.lldsGatedFraction), want.lldsGatedFraction, 'gated fraction');
      const empty = adv.every((a) => a < 0);
      if (empty) {
        expect(want.lldsLoss).toBe(0);
        expect(Number.isNaN(scalar(POLICY_OUTPUTS.logprobPosMean))).toBe(true);
        close(scalar('loss'), referenceGrpoLoss(inp, { ...refOptions(spec), llds: undefined }).loss, 'loss without Y_pre');
      } else {
        close(scalar(POLICY_OUTPUTS.logprobPosMean), want.posMean, 'pos mean');
        // the gates disagree on these data, so a wrong gate cannot match the reference
        const norm = spec.llds!.normalization ?? 'paper';
        const others = [
          // single-turn: action and response gates are the same gate, so under response_tokens they coincide
          ...GATES.filter((g) => g !== spec.llds!.gate && !(norm === 'response_tokens' && g !== 'token' && spec.llds!.gate !== 'token')).map((g) => referenceGrpoLoss(inp, refOptions({ ...specOf(g), llds: { gate: g, lambda: 0.7, normalization: norm } })).lldsLoss),
          referenceGrpoLoss(inp, refOptions({ ...specOf(spec.llds!.gate), llds: { gate: spec.llds!.gate, lambda: 0.7, normalization: norm === 'paper' ? 'response_tokens' : 'paper' } })).lldsLoss,
        ];
        for (const o of others) expect(Math.abs(o - want.lldsLoss)).toBeGreaterThan(1e-3);
        expect(want.lldsLoss).toBeGreaterThan(0.01);
      }
      close(scalar(POLICY_OUTPUTS.logprobNegMean), want.negMean, 'neg mean');
    } finally {
      await session.release();
    }
  });

  it.each(GATES)('%s: gradients with LLDS on equal central differences of the float64 reference', async (gate) => {
    const spec = specOf(gate);
    const { session, names, inp, out } = await runCase(spec, ADV);
    try {
      const lossAt = (w: DecoderWeights) => referenceGrpoLoss({ ...inp, logits: referenceForward(config, w, IDS).logits }, refOptions(spec)).loss;
      const pick = createRng(11);
      const byName = new Map(tensorsFromWeights(config, weights));
      const checks: { name: string; analytic: number; numeric: number }[] = [];
      for (const name of names) {
        const t = byName.get(name)!;
        const g = out[`grad.${name}`]!.data as Float32Array;
        const i = pick.nextInt(t.data.length);
        const orig = t.data[i]!;
        t.data[i] = Math.fround(orig + 1e-3);
        const wp = t.data[i]!;
        const lp = lossAt(weights);
        t.data[i] = Math.fround(orig - 1e-3);
        const wm = t.data[i]!;
        const lm = lossAt(weights);
        t.data[i] = orig;
        checks.push({ name, analytic: g[i]!, numeric: (lp - lm) / (wp - wm) });
      }
      const scale = Math.max(...checks.map((x) => Math.abs(x.numeric)));
      expect(scale).toBeGreaterThan(1e-3);
      for (const x of checks) expect(Math.abs(x.analytic - x.numeric), `${x.name}: ${x.analytic} vs ${x.numeric}`).toBeLessThanOrEqual(2e-5 * scale + 2e-4 * Math.abs(x.numeric));
    } finally {
      await session.release();
    }
  });
});

describe('LLDS training step', () => {
  const cfg = parseDecoderConfig('config.json', {
    model_type: 'qwen2', vocab_size: 24, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    intermediate_size: 32, max_position_embeddings: 32,
  });
  const w0 = initDecoderWeights(cfg, 4, 0.3);
  const comp = (group: number, tokens: number[]): Completion => ({ group, text: '', tokens, truncated: false, reward: 0, correct: false, errorClass: null });
  const SEQ = 9;
  const rows = packRows([[1, 5, 7], [1, 9]], [comp(0, [3, 4, 2]), comp(0, [8, 8, 6, 2]), comp(1, [11, 2]), comp(1, [5, 6, 7, 12, 2])], SEQ, 0, [true, true, true, true]);
  const rowSum = (lp: Float32Array, b: number) => Array.from({ length: SEQ }, (_, t) => rows.mask[b * SEQ + t]! * lp[b * SEQ + t]!).reduce((a, v) => a + v, 0);

  it('a preserved completion whose likelihood dropped gains more log-prob with LLDS on than off', async () => {
    const after: number[] = [];
    let before = 0;
    for (const llds of [false, true]) {
      const p = await PolicyTrainer.create({
        config: cfg, weights: w0, batch: 4, seqLen: SEQ, temperature: 1,
        loss: { lossType: 'dapo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.2, delta: null, beta: 0, maxCompletionLength: 5, ...(llds ? { llds: { gate: 'action' as const, lambda: 1 } } : {}) },
        optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 },
        session: { executionProvider: 'cpu', threads: 1 },
        seed: 3,
      });
      try {
        const cur = await p.scorePolicy(rows);
        before = rowSum(cur, 0);
        // row 0 (A = 0, preserved) had 0.3 more log-prob per token under π_old: its likelihood dropped
        const old = cur.map((v, i) => (i < SEQ && rows.mask[i] ? v + 0.3 : v));
        const dims = [4, SEQ];
        const head: Feed = {
          [POLICY_INPUTS.oldLogprobs]: { data: old, dims },
          [POLICY_INPUTS.advantages]: { data: Float32Array.from([0, 1, -1, 0.5]), dims: [4] },
          [POLICY_INPUTS.completionMask]: { data: rows.mask, dims },
          [POLICY_INPUTS.tokenWeights]: { data: new Float32Array(4 * SEQ).fill(1), dims },
          [POLICY_INPUTS.numItemsInBatch]: 14,
          ...(llds ? { [POLICY_INPUTS.lldsWeights]: { data: new Float32Array(4 * SEQ).fill(1), dims } } : {}),
        };
        const r = await p.trainStep(rows, head, 3e-3);
        if (llds) expect(Number(r.outputs[POLICY_OUTPUTS.lldsLoss]!.data[0])).toBeCloseTo(0.3 / 3, 5); // Y_pre = rows 0, 1, 3; only row 0 has Δ = 0.3 per token
        after.push(rowSum(await p.scorePolicy(rows), 0));
      } finally {
        await p.release();
      }
    }
    const [off, on] = after as [number, number];
    expect(on - before, `row 0: ${before} → off ${off}, on ${on}`).toBeGreaterThan(off - before);
    expect(on).toBeGreaterThan(before);
  });
});
