/**
 * The GRPO loss head on a tiny decoder, against independent float64 computations:
 *   - value: the head's loss and metrics (entropy, KL, clip fractions) equal referenceLoss.ts run
 *     on the same graph's logits, for every loss_type × importance-sampling level, with ratios ≠ 1
 *     (old log-probs offset from the current ones into and past both clip bounds), a KL term,
 *     δ-capping, per-token weights ≠ 1, temperature ≠ 1 and a fully masked row;
 *   - gradient: d loss / d every parameter tensor (sampled elements) equals central finite
 *     differences of the float64 reference decoder + reference loss.
 * Float32 tolerances: value |Δ| ≤ 2e-5 + 1e-4·|ref| (measured ≤ 1e-7); gradient |Δ| ≤ 2e-5·max|g| +
 * 2e-4·|g_fd| (measured ≤ 1.5e-6·max|g|), h = 1e-3 on float32 weights (the exact float32 step is used).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, clearSessionCache, grad, openSession, serialize, type Tensor } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights, type DecoderWeights } from '../../../src/engine/model/weights';
import { createRng } from '../../../src/engine/random';
import { scaledTokenStats } from '../../../src/engine/rlvr/policyGraph';
import { POLICY_INPUTS, POLICY_OUTPUTS, policyLossHead, type PolicyLossSpec } from '../../../src/engine/rlvr/policyLoss';
import { referenceForward } from '../model/referenceDecoder';
import { referenceGrpoLoss, type RefLossInputs, type RefLossOptions } from './referenceLoss';

afterAll(() => clearSessionCache());

const config = parseDecoderConfig('config.json', {
  model_type: 'llama', vocab_size: 20, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 16, tie_word_embeddings: false,
});
const weights = initDecoderWeights(config, 9, 0.3);
const B = 4;
const T = 7;
const V = config.vocab_size;
const rng = createRng(5);
// rows: [length, prompt length]; row 3 is fully masked (a masked truncated completion)
const ROWS: [number, number][] = [[7, 2], [5, 3], [6, 1], [4, 2]];
const IDS = ROWS.map(([len]) => Array.from({ length: T }, (_, t) => (t < len ? rng.nextInt(V) : 0)));
const TARGETS = IDS.map((row, b) => row.map((_, t) => (t < ROWS[b]![0] - 1 ? row[t + 1]! : 0)));
const MASK = ROWS.map(([len, p], b) => Array.from({ length: T }, (_, t) => (b !== 3 && t >= p - 1 && t <= len - 2 ? 1 : 0)));
const ADV = [0.9, -1.1, 0.4, -0.7];
// log(ρ) per token = row mean + a deviation that sums to 0 over the row's masked tokens: the
// token ratios and the sequence (GSPO) ratios sit inside and beyond the clip bounds
// (ln 0.8 = −0.22, ln 1.28 = 0.25, ln δ = ln 1.5 = 0.41), each ≥ 0.03 away from a kink.
const ROW_MEAN = [0.5, -0.5, -0.05, 0];
const DEV = [0.35, -0.35, 0.35, -0.35, 0];
const OFFSET = MASK.map((row, b) => {
  let k = 0;
  return row.map((v) => (v ? ROW_MEAN[b]! + DEV[k++ % DEV.length]! : 0.2));
});
const WEIGHTS = MASK.map((row, b) => row.map((_, t) => [1, 0.5, 2, 1.5][(b + t) % 4]!));
const REF_DEV = IDS.map((row) => row.map(() => 0.6 * (rng.nextFloat() - 0.5)));
const NUM_ITEMS = 20; // dapo: a global token count larger than this micro-batch's 12

const LOSS_TYPES = ['grpo', 'bnpo', 'dr_grpo', 'dapo'] as const;
const LEVELS = ['token', 'sequence'] as const;

interface Case {
  spec: PolicyLossSpec;
  temperature: number;
  uniformWeights: boolean;
}

const full = (lossType: PolicyLossSpec['lossType'], level: PolicyLossSpec['importanceSamplingLevel']): Case => ({
  spec: { lossType, importanceSamplingLevel: level, epsilon: 0.2, epsilonHigh: 0.28, delta: 1.5, beta: 0.04, maxCompletionLength: 9 },
  temperature: 0.7,
  uniformWeights: false,
});
const plain = (lossType: PolicyLossSpec['lossType'], level: PolicyLossSpec['importanceSamplingLevel']): Case => ({
  spec: { lossType, importanceSamplingLevel: level, epsilon: 0.2, epsilonHigh: 0.2, delta: null, beta: 0, maxCompletionLength: 9 },
  temperature: 1,
  uniformWeights: true,
});

/** Decoder (weights as inputs) + temperature-scaled log-probs + head; outputs loss, logits, metrics, gradients. */
async function headSession(c: Case) {
  const g = new Graph('grpo_head_test');
  const params = new Map<string, Tensor>();
  for (const [name, t] of tensorsFromWeights(config, weights)) params.set(name, g.input(name, 'float32', t.shape));
  const d = buildDecoder(config, weights, { graph: g, weightTensors: params, batch: B, seqLen: T, attentionMask: false, outputs: {} });
  const targets = g.input('target_ids', 'int64', [B, T]);
  const s = scaledTokenStats(d.tensors.logits, targets, c.temperature, true);
  const { loss, outputs } = policyLossHead(s.logprobs, s.entropy, c.spec);
  g.output(loss, 'loss');
  g.output(d.tensors.logits, 'logits');
  for (const [k, v] of Object.entries(outputs)) g.output(v, k);
  const names = [...params.keys()];
  grad(loss, names.map((n) => params.get(n)!)).forEach((gr, i) => g.output(gr, `grad.${names[i]}`));
  return { session: await openSession(serialize(g), { executionProvider: 'cpu', threads: 1, cache: false }), names };
}

const f32 = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), dims: [B, T] });
const i64 = (rows: number[][]) => ({ data: BigInt64Array.from(rows.flat(), BigInt), dims: [B, T] });
const weightFeeds = (w: DecoderWeights) => Object.fromEntries(tensorsFromWeights(config, w).map(([n, t]) => [n, t.data]));

/** Current log-probs (float64, from logits) → old = current − offset, ref = current + deviation. */
function inputsFrom(logits: ArrayLike<number>[][], c: Case): RefLossInputs {
  const lp = referenceGrpoLoss(
    { logits, targets: TARGETS, old: TARGETS.map((r) => r.map(() => 0)), ref: null, advantages: ADV, mask: MASK, weights: WEIGHTS },
    { ...refOptions(c), beta: 0 },
  ).logprobs;
  return {
    logits,
    targets: TARGETS,
    old: lp.map((row, b) => row.map((l, t) => l - OFFSET[b]![t]!)),
    ref: lp.map((row, b) => row.map((l, t) => l + REF_DEV[b]![t]!)),
    advantages: ADV,
    mask: MASK,
    weights: c.uniformWeights ? MASK.map((r) => r.map(() => 1)) : WEIGHTS,
  };
}

function refOptions(c: Case): RefLossOptions {
  const s = c.spec;
  return { lossType: s.lossType, level: s.importanceSamplingLevel, epsilon: s.epsilon, epsilonHigh: s.epsilonHigh, delta: s.delta, beta: s.beta, maxCompletionLength: s.maxCompletionLength, temperature: c.temperature, numItems: NUM_ITEMS };
}

function headFeeds(inp: RefLossInputs, c: Case) {
  const feeds: Record<string, unknown> = {
    ...weightFeeds(weights),
    input_ids: i64(IDS),
    target_ids: i64(TARGETS),
    [POLICY_INPUTS.oldLogprobs]: f32(inp.old),
    [POLICY_INPUTS.advantages]: Float32Array.from(ADV),
    [POLICY_INPUTS.completionMask]: f32(MASK),
    [POLICY_INPUTS.tokenWeights]: f32(inp.weights),
  };
  if (c.spec.beta !== 0) feeds[POLICY_INPUTS.refLogprobs] = f32(inp.ref!);
  if (c.spec.lossType === 'dapo') feeds[POLICY_INPUTS.numItemsInBatch] = NUM_ITEMS;
  return feeds as Parameters<Awaited<ReturnType<typeof openSession>>['run']>[0];
}

function logitsOf(data: Float32Array): Float32Array[][] {
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => data.subarray((b * T + t) * V, (b * T + t + 1) * V)));
}

const close = (got: number, want: number, what: string) => expect(Math.abs(got - want), `${what}: graph ${got} vs float64 ${want}`).toBeLessThanOrEqual(2e-5 + 1e-4 * Math.abs(want));

const CASES: Case[] = [...LOSS_TYPES.flatMap((l) => LEVELS.map((v) => full(l, v))), plain('dapo', 'token'), plain('grpo', 'sequence')];
const label = (c: Case) => `${c.spec.lossType}/${c.spec.importanceSamplingLevel}${c.spec.beta ? ' β δ w T' : ' plain'}`;

describe('GRPO loss head', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s: loss and metrics equal the float64 computation from the same logits', async (_l, c) => {
    const { session } = await headSession(c);
    try {
      // first run: the logits (they do not depend on the head's inputs); then feed old/ref derived from them
      const probe = inputsFrom(logitsOf(new Float32Array(B * T * V)), c);
      const logits = logitsOf((await session.run(headFeeds(probe, c), ['logits'])).logits!.data as Float32Array);
      const inp = inputsFrom(logits, c);
      const out = await session.run(headFeeds(inp, c));
      const want = referenceGrpoLoss(inp, refOptions(c));
      const scalar = (k: string) => Number(out[k]!.data[0]);
      close(scalar('loss'), want.loss, 'loss');
      close(scalar(POLICY_OUTPUTS.entropyMean), want.entropyMean, 'entropy');
      if (c.spec.beta) close(scalar(POLICY_OUTPUTS.klMean), want.klMean, 'kl');
      else expect(out[POLICY_OUTPUTS.klMean]).toBeUndefined();
      expect(scalar(POLICY_OUTPUTS.clipLowMean)).toBeCloseTo(want.lowMean, 6);
      expect(scalar(POLICY_OUTPUTS.clipHighMean)).toBeCloseTo(want.highMean, 6);
      expect(scalar(POLICY_OUTPUTS.clipRegionMean)).toBeCloseTo(want.regionMean, 6);
      expect(Array.from(out[POLICY_OUTPUTS.clipLowPerSequence]!.data as Float32Array).map((v) => +v.toFixed(6))).toEqual(want.lowSeq.map((v) => +v.toFixed(6)));
      expect(Array.from(out[POLICY_OUTPUTS.clipHighPerSequence]!.data as Float32Array).map((v) => +v.toFixed(6))).toEqual(want.highSeq.map((v) => +v.toFixed(6)));
      // the case exercises clipping on both sides (so the metrics and the min() are not trivially 1)
      expect(want.lowMean).toBeGreaterThan(0);
      expect(want.highMean).toBeGreaterThan(0);
      const lp = out[POLICY_OUTPUTS.logprobs]!.data as Float32Array;
      want.logprobs.forEach((row, b) => row.forEach((v, t) => expect(Math.abs(lp[b * T + t]! - v)).toBeLessThan(1e-5)));
    } finally {
      await session.release();
    }
  });

  it.each(CASES.map((c) => [label(c), c] as const))('%s: gradients equal central differences of the float64 reference', async (_l, c) => {
    const { session, names } = await headSession(c);
    try {
      const probe = inputsFrom(logitsOf(new Float32Array(B * T * V)), c);
      const logits = logitsOf((await session.run(headFeeds(probe, c), ['logits'])).logits!.data as Float32Array);
      const inp = inputsFrom(logits, c);
      const out = await session.run(headFeeds(inp, c));
      // float64 loss of the reference decoder with the graph's fixed old/ref/advantage inputs
      const lossAt = (w: DecoderWeights) => referenceGrpoLoss({ ...inp, logits: referenceForward(config, w, IDS).logits }, refOptions(c)).loss;
      const pick = createRng(11);
      const byName = new Map(tensorsFromWeights(config, weights));
      const checks: { name: string; i: number; analytic: number; numeric: number }[] = [];
      for (const name of names) {
        const t = byName.get(name)!;
        const g = out[`grad.${name}`]!.data as Float32Array;
        for (let k = 0; k < 2; k++) {
          const i = pick.nextInt(t.data.length);
          const orig = t.data[i]!;
          const h = 1e-3;
          t.data[i] = Math.fround(orig + h);
          const wp = t.data[i]!;
          const lp = lossAt(weights);
          t.data[i] = Math.fround(orig - h);
          const wm = t.data[i]!;
          const lm = lossAt(weights);
          t.data[i] = orig;
          checks.push({ name, i, analytic: g[i]!, numeric: (lp - lm) / (wp - wm) });
        }
      }
      const scale = Math.max(...checks.map((x) => Math.abs(x.numeric)));
      expect(scale).toBeGreaterThan(1e-3); // the gradient is not trivially zero
      for (const x of checks) {
        expect(Math.abs(x.analytic - x.numeric), `${x.name}[${x.i}]: autodiff ${x.analytic} vs finite difference ${x.numeric}`).toBeLessThanOrEqual(2e-5 * scale + 2e-4 * Math.abs(x.numeric));
      }
    } finally {
      await session.release();
    }
  });
});
