/**
 * The GRPO entropy knobs (entropyTerms.ts) against independent float64 computations:
 *   - the in-graph entropy mask (top_entropy_quantile) equals a sort-based torch.quantile
 *     re-implementation on random entropies, with ties, padding, ρ = 0 / 1, one and no tokens;
 *   - on a tiny decoder, the loss head with the mask and/or the entropy bonus equals the float64
 *     reference loss (referenceLoss.ts) for every loss_type, and its gradient equals central finite
 *     differences of the float64 reference decoder + loss — including a case with zero advantages
 *     and β = 0, where the whole gradient is the entropy term's.
 * Tolerances as policyLoss.test.ts (value 2e-5 + 1e-4·|ref|; gradient 2e-5·max|g| + 2e-4·|g_fd|), with
 * h = 1e-4 (the larger init scale here spreads the entropies apart but curves the loss more).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, clearSessionCache, grad, openSession, serialize, type Tensor } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights, type DecoderWeights } from '../../../src/engine/model/weights';
import { createRng } from '../../../src/engine/random';
import { highEntropyMask } from '../../../src/engine/rlvr/entropyTerms';
import { scaledTokenStats } from '../../../src/engine/rlvr/policyGraph';
import { POLICY_INPUTS, POLICY_OUTPUTS, policyLossHead, type PolicyLossSpec } from '../../../src/engine/rlvr/policyLoss';
import { referenceForward } from '../model/referenceDecoder';
import { referenceEntropyMask, referenceGrpoLoss, type RefLossInputs, type RefLossOptions } from './referenceLoss';

afterAll(() => clearSessionCache());

const SESSION = { executionProvider: 'cpu' as const, threads: 1, cache: false };

describe('entropy mask (top_entropy_quantile)', () => {
  const MB = 3;
  const MT = 6;
  async function maskOf(ent: number[][], mask: number[][], rho: number): Promise<number[][]> {
    const g = new Graph('entropy_mask_test');
    const e = g.input('entropy', 'float32', [MB, MT]);
    const m = g.input('mask', 'float32', [MB, MT]);
    g.output(highEntropyMask(e, m, rho), 'kept');
    const s = await openSession(serialize(g), SESSION);
    try {
      const out = await s.run({ entropy: { data: Float32Array.from(ent.flat()), dims: [MB, MT] }, mask: { data: Float32Array.from(mask.flat()), dims: [MB, MT] } });
      const d = out.kept!.data as Float32Array;
      return ent.map((row, b) => row.map((_, t) => d[b * MT + t]!));
    } finally {
      await s.release();
    }
  }
  const rng = createRng(21);
  // entropies exactly representable in float32, so the float64 reference sees the graph's values
  const random = () => Array.from({ length: MB }, () => Array.from({ length: MT }, () => Math.fround(3 * rng.nextFloat())));
  const MASK = [
    [0, 1, 1, 1, 1, 0],
    [0, 0, 1, 1, 0, 0],
    [0, 0, 0, 0, 0, 0],
  ];

  it.each([0, 0.2, 0.5, 0.73, 0.999, 1])('ρ = %s: the kept tokens equal the float64 quantile threshold’s', async (rho) => {
    for (let k = 0; k < 4; k++) {
      const ent = random();
      const want = referenceEntropyMask(ent, MASK, rho);
      expect(await maskOf(ent, MASK, rho)).toEqual(want);
    }
  });

  it('hand-worked: ρ = 0 keeps the maximum, ρ = 1 every token, ties at the threshold are kept, padding never', async () => {
    // completion-token entropies 0.5, 1, 1, 2, 3, 1 (six tokens; padding holds a large value that must not count)
    const ent = [
      [9, 0.5, 1, 1, 2, 9],
      [9, 9, 3, 1, 9, 9],
      [9, 9, 9, 9, 9, 9],
    ];
    const kept = (rows: number[][]) => rows.flatMap((r, b) => r.flatMap((v, t) => (v ? [`${b}${t}`] : [])));
    expect(kept(await maskOf(ent, MASK, 0))).toEqual(['12']);
    expect(kept(await maskOf(ent, MASK, 1))).toEqual(['01', '02', '03', '04', '12', '13']);
    // sorted 0.5 1 1 1 2 3; q = 0.5: position 2.5 → τ = 1 → every 1 is kept (ties), 0.5 is not
    expect(kept(await maskOf(ent, MASK, 0.5))).toEqual(['02', '03', '04', '12', '13']);
    // q = 0.7: position 3.5 → τ = 1.5 → 2 and 3
    expect(kept(await maskOf(ent, MASK, 0.3))).toEqual(['04', '12']);
    // one token: it is its own quantile; none: nothing is kept
    const one = [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]];
    expect(kept(await maskOf(ent, one, 0.2))).toEqual(['02']);
    expect(kept(await maskOf(ent, MASK.map((r) => r.map(() => 0)), 0.2))).toEqual([]);
  });
});

// ---- the loss head on a tiny decoder -------------------------------------------------------

const config = parseDecoderConfig('config.json', {
  model_type: 'llama', vocab_size: 20, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 16, tie_word_embeddings: false,
});
const weights = initDecoderWeights(config, 9, 1.2);
const B = 4;
const T = 7;
const V = config.vocab_size;
const rng = createRng(5);
const ROWS: [number, number][] = [[7, 2], [5, 3], [6, 1], [4, 2]];
const IDS = ROWS.map(([len]) => Array.from({ length: T }, (_, t) => (t < len ? rng.nextInt(V) : 0)));
const TARGETS = IDS.map((row, b) => row.map((_, t) => (t < ROWS[b]![0] - 1 ? row[t + 1]! : 0)));
// row 3 fully masked
const MASK = ROWS.map(([len, p], b) => Array.from({ length: T }, (_, t) => (b !== 3 && t >= p - 1 && t <= len - 2 ? 1 : 0)));
const OFFSET = MASK.map((row, b) => row.map((_, t) => 0.15 * Math.sin(3 * b + t)));
const REF_DEV = IDS.map((row) => row.map(() => 0.6 * (rng.nextFloat() - 0.5)));
const NUM_ITEMS = 20;

interface Case {
  name: string;
  spec: PolicyLossSpec;
  advantages: number[];
}
const base = (lossType: PolicyLossSpec['lossType']): PolicyLossSpec => ({ lossType, importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.28, delta: null, beta: 0.04, maxCompletionLength: 9 });
const ADV = [0.9, -1.1, 0.4, -0.7];
const CASES: Case[] = [
  ...(['grpo', 'bnpo', 'dr_grpo', 'dapo'] as const).map((l) => ({ name: `${l}: mask ρ 0.4 + bonus 0.3`, spec: { ...base(l), topEntropyQuantile: 0.4, entropyCoef: 0.3 }, advantages: ADV })),
  { name: 'dapo: bonus only', spec: { ...base('dapo'), entropyCoef: 0.05 }, advantages: ADV },
  { name: 'bnpo: mask only', spec: { ...base('bnpo'), topEntropyQuantile: 0.25 }, advantages: ADV },
  { name: 'grpo: entropy term alone (A = 0, β = 0)', spec: { ...base('grpo'), beta: 0, entropyCoef: 0.5 }, advantages: [0, 0, 0, 0] },
];
const TEMPERATURE = 0.9;

async function headSession(spec: PolicyLossSpec) {
  const g = new Graph('grpo_entropy_test');
  const params = new Map<string, Tensor>();
  for (const [name, t] of tensorsFromWeights(config, weights)) params.set(name, g.input(name, 'float32', t.shape));
  const d = buildDecoder(config, weights, { graph: g, weightTensors: params, batch: B, seqLen: T, attentionMask: false, outputs: {} });
  const s = scaledTokenStats(d.tensors.logits, g.input('target_ids', 'int64', [B, T]), TEMPERATURE, true);
  const { loss, outputs } = policyLossHead(s.logprobs, s.entropy, spec);
  g.output(loss, 'loss');
  g.output(d.tensors.logits, 'logits');
  for (const [k, v] of Object.entries(outputs)) g.output(v, k);
  const names = [...params.keys()];
  grad(loss, names.map((n) => params.get(n)!)).forEach((gr, i) => g.output(gr, `grad.${names[i]}`));
  return { session: await openSession(serialize(g), SESSION), names };
}

const f32 = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), dims: [B, T] });
const i64 = (rows: number[][]) => ({ data: BigInt64Array.from(rows.flat(), BigInt), dims: [B, T] });

function options(spec: PolicyLossSpec): RefLossOptions {
  return {
    lossType: spec.lossType, level: spec.importanceSamplingLevel, epsilon: spec.epsilon, epsilonHigh: spec.epsilonHigh, delta: spec.delta, beta: spec.beta,
    maxCompletionLength: spec.maxCompletionLength, temperature: TEMPERATURE, numItems: NUM_ITEMS,
    ...(spec.entropyCoef !== undefined ? { entropyCoef: spec.entropyCoef } : {}),
    ...(spec.topEntropyQuantile !== undefined ? { topEntropyQuantile: spec.topEntropyQuantile } : {}),
  };
}

function inputsFrom(logits: ArrayLike<number>[][], c: Case): RefLossInputs {
  const zeros = TARGETS.map((r) => r.map(() => 0));
  const lp = referenceGrpoLoss({ logits, targets: TARGETS, old: zeros, ref: null, advantages: c.advantages, mask: MASK, weights: zeros }, { ...options(c.spec), beta: 0 }).logprobs;
  return {
    logits,
    targets: TARGETS,
    old: lp.map((row, b) => row.map((l, t) => l - OFFSET[b]![t]!)),
    ref: lp.map((row, b) => row.map((l, t) => l + REF_DEV[b]![t]!)),
    advantages: c.advantages,
    mask: MASK,
    weights: MASK.map((r) => r.map(() => 1)),
  };
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
  };
  if (spec.beta !== 0) f[POLICY_INPUTS.refLogprobs] = f32(inp.ref!);
  if (spec.lossType === 'dapo') f[POLICY_INPUTS.numItemsInBatch] = NUM_ITEMS;
  return f as Parameters<Awaited<ReturnType<typeof openSession>>['run']>[0];
}

const logitsOf = (data: Float32Array): Float32Array[][] =>
  Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => data.subarray((b * T + t) * V, (b * T + t + 1) * V)));

async function evaluated(c: Case) {
  const { session, names } = await headSession(c.spec);
  const probe = inputsFrom(logitsOf(new Float32Array(B * T * V)), c);
  const logits = logitsOf((await session.run(feeds(probe, c.spec), ['logits'])).logits!.data as Float32Array);
  const inp = inputsFrom(logits, c);
  return { session, names, inp, out: await session.run(feeds(inp, c.spec)) };
}

const close = (got: number, want: number, what: string) => expect(Math.abs(got - want), `${what}: graph ${got} vs float64 ${want}`).toBeLessThanOrEqual(2e-5 + 1e-4 * Math.abs(want));

describe('GRPO loss head with the entropy bonus and mask', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: loss, policy loss and kept fraction equal the float64 computation', async (_n, c) => {
    const { session, inp, out } = await evaluated(c);
    try {
      const want = referenceGrpoLoss(inp, options(c.spec));
      const scalar = (k: string) => Number(out[k]!.data[0]);
      close(scalar('loss'), want.loss, 'loss');
      close(scalar(POLICY_OUTPUTS.entropyMean), want.entropyMean, 'entropy');
      if (c.spec.entropyCoef) {
        close(scalar(POLICY_OUTPUTS.policyLoss), want.policyLoss, 'policy_loss');
        // the bonus moves the loss by a visible amount
        expect(Math.abs(want.loss - want.policyLoss)).toBeGreaterThan(1e-3);
      } else expect(out[POLICY_OUTPUTS.policyLoss]).toBeUndefined();
      if (c.spec.topEntropyQuantile !== undefined) {
        const kept = want.entropyMask.flat().reduce((a, v) => a + v, 0);
        const tokens = MASK.flat().reduce((a: number, v) => a + v, 0);
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(tokens); // the mask does drop tokens here
        close(scalar(POLICY_OUTPUTS.entropyMaskKept), kept / tokens, 'kept fraction');
      } else expect(out[POLICY_OUTPUTS.entropyMaskKept]).toBeUndefined();
    } finally {
      await session.release();
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: gradients equal central differences of the float64 reference', async (_n, c) => {
    const { session, names, inp, out } = await evaluated(c);
    try {
      const at = (w: DecoderWeights) => referenceGrpoLoss({ ...inp, logits: referenceForward(config, w, IDS).logits }, options(c.spec));
      const mask0 = JSON.stringify(at(weights).entropyMask);
      const pick = createRng(11);
      const byName = new Map(tensorsFromWeights(config, weights));
      const checks: { name: string; i: number; analytic: number; numeric: number }[] = [];
      for (const name of names) {
        const t = byName.get(name)!;
        const g = out[`grad.${name}`]!.data as Float32Array;
        for (let k = 0; k < 2; k++) {
          const i = pick.nextInt(t.data.length);
          const orig = t.data[i]!;
          t.data[i] = Math.fround(orig + 1e-4);
          const wp = t.data[i]!;
          const plus = at(weights);
          t.data[i] = Math.fround(orig - 1e-4);
          const wm = t.data[i]!;
          const minus = at(weights);
          t.data[i] = orig;
          // the mask is piecewise constant: the difference is only a derivative if no token crossed τ
          expect(JSON.stringify(plus.entropyMask), `${name}[${i}] moved a token across the entropy threshold`).toBe(mask0);
          expect(JSON.stringify(minus.entropyMask)).toBe(mask0);
          checks.push({ name, i, analytic: g[i]!, numeric: (plus.loss - minus.loss) / (wp - wm) });
        }
      }
      const scale = Math.max(...checks.map((x) => Math.abs(x.numeric)));
      expect(scale).toBeGreaterThan(1e-3);
      for (const x of checks) {
        expect(Math.abs(x.analytic - x.numeric), `${x.name}[${x.i}]: autodiff ${x.analytic} vs finite difference ${x.numeric}`).toBeLessThanOrEqual(2e-5 * scale + 2e-4 * Math.abs(x.numeric));
      }
    } finally {
      await session.release();
    }
  });
});
