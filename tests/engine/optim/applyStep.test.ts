/**
 * The optimizer update of an accumulated step as graphs of its own (applyStep.ts, decision
 * 0047): every micro-batch through the accumulate graph, then the global norm and AdamW one
 * parameter per run. Checked against AdamW with clipping worked by hand in float64 on a
 * quadratic loss (two parameters, one without weight decay), and against the fused step graph
 * (the path before) on a toy MLP and a tiny decoder, with clipping on and off.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/random';
import { clearSessionCache, nn, op, type Feed, type Graph, type Tensor } from '../../../src/engine/onnx';
import { AdamWTrainer, compileTrainStep, type LossBuilder, type OptimizerSettings, type StepResult, type TrainableParam, type TrainerState } from '../../../src/engine/optim';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights } from '../../../src/engine/model/weights';
import { decoderLossBuilder, decoderParams } from '../../../src/engine/toolkit/decoderLoss';
import { maxRelDiff } from './relDiff';

afterAll(() => clearSessionCache());

const session = { executionProvider: 'cpu' as const, threads: 1 };

/** Train the same steps through the update's own graphs and through the fused step graph. */
async function bothWays(build: LossBuilder, params: TrainableParam[], start: Record<string, Float32Array>, feeds: Feed[], n: number, optimizer: OptimizerSettings) {
  const compiled = compileTrainStep({ name: 'apply_test', params, buildLoss: build, optimizer, accumulationSteps: n });
  const separate = await AdamWTrainer.create(compiled, start, optimizer, session);
  // sessions of its own (the accumulate graph is the same; releasing one trainer must not close the other's)
  const fused = await AdamWTrainer.create(compiled, start, optimizer, { ...session, cache: false }, { fusedUpdate: true });
  expect(separate.updatePath).toBe('separate');
  expect(fused.updatePath).toBe('fused');
  try {
    const a: StepResult[] = [];
    const b: StepResult[] = [];
    for (let s = 0; s * n < feeds.length; s++) {
      const lr = 0.05 / (s + 1);
      a.push(await separate.trainStep(feeds.slice(s * n, (s + 1) * n), lr));
      b.push(await fused.trainStep(feeds.slice(s * n, (s + 1) * n), lr));
    }
    return { a, b, sa: separate.snapshot(), sb: fused.snapshot() };
  } finally {
    await separate.release();
    await fused.release();
  }
}

function expectSame(r: { a: StepResult[]; b: StepResult[]; sa: TrainerState; sb: TrainerState }, tol: number): number {
  let worst = 0;
  for (const part of ['params', 'm', 'v'] as const) {
    for (const name of Object.keys(r.sa[part])) {
      const d = maxRelDiff(r.sa[part][name]!, r.sb[part][name]!);
      worst = Math.max(worst, d);
      expect(d, `${part} ${name}`).toBeLessThanOrEqual(tol);
    }
  }
  r.a.forEach((x, s) => {
    const y = r.b[s]!;
    expect(Math.abs(x.loss - y.loss), `loss of step ${s}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y.loss)));
    expect(Math.abs(x.gradNorm - y.gradNorm), `grad norm of step ${s}`).toBeLessThanOrEqual(tol * Math.max(1, y.gradNorm));
    expect(x.microOutputs.length).toBe(y.microOutputs.length);
    x.microOutputs.forEach((m, j) => {
      for (const k of Object.keys(y.microOutputs[j]!)) expect(maxRelDiff(m[k]!.data as Float32Array, y.microOutputs[j]![k]!.data as Float32Array), `${k} of step ${s}.${j}`).toBeLessThanOrEqual(tol);
    });
  });
  return worst;
}

describe('accumulated steps with the update in graphs of its own', () => {
  it('two parameters, 3 micro-batches, clipping on: the AdamW steps worked by hand', async () => {
    const hyper = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0.5 };
    const params: TrainableParam[] = [
      { name: 'a', shape: [2, 2] },
      { name: 'b', shape: [3], weightDecay: false },
    ];
    // loss = ½‖a − x‖² + ½‖b − y‖²: the gradient is (a − x, b − y)
    const build: LossBuilder = (g, p) => {
      const da = op.sub(p.a!, g.input('x', 'float32', [2, 2]));
      const db = op.sub(p.b!, g.input('y', 'float32', [3]));
      return op.mul(op.add(op.reduceSum(op.mul(da, da)), op.reduceSum(op.mul(db, db))), 0.5);
    };
    const rng = createRng(11);
    const xs = Array.from({ length: 6 }, () => Array.from({ length: 4 }, () => rng.normal() * 2));
    const ys = Array.from({ length: 6 }, () => Array.from({ length: 3 }, () => rng.normal() * 2));
    const a0 = [0.5, -1, 1.5, 0.25];
    const b0 = [-0.75, 2, 0.1];
    const compiled = compileTrainStep({ params, buildLoss: build, optimizer: hyper, accumulationSteps: 3 });
    const trainer = await AdamWTrainer.create(compiled, { a: Float32Array.from(a0), b: Float32Array.from(b0) }, hyper, session);
    expect(trainer.updatePath).toBe('separate');
    const lrs = [0.1, 0.05];
    const norms: number[] = [];
    for (let s = 0; s < 2; s++) {
      const feeds = [0, 1, 2].map((j) => ({ x: Float32Array.from(xs[s * 3 + j]!), y: Float32Array.from(ys[s * 3 + j]!) }));
      norms.push((await trainer.trainStep(feeds, lrs[s]!)).gradNorm);
    }
    // by hand, float64
    const p = [...a0, ...b0];
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    const handNorms: number[] = [];
    for (let s = 0; s < 2; s++) {
      const target = [0, 1, 2].map((j) => [...xs[s * 3 + j]!, ...ys[s * 3 + j]!]);
      const g = p.map((x, i) => x - target.reduce((t, row) => t + row[i]!, 0) / 3);
      const norm = Math.sqrt(g.reduce((t, x) => t + x * x, 0));
      handNorms.push(norm);
      const coef = Math.min(1, hyper.maxGradNorm / (norm + 1e-6));
      const step = s + 1;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * coef;
        m[i] = hyper.beta1 * m[i]! + (1 - hyper.beta1) * gi;
        v[i] = hyper.beta2 * v[i]! + (1 - hyper.beta2) * gi * gi;
        const decay = i < 4 ? 1 - lrs[s]! * hyper.weightDecay : 1;
        p[i] = p[i]! * decay - (lrs[s]! * (m[i]! / (1 - hyper.beta1 ** step))) / (Math.sqrt(v[i]! / (1 - hyper.beta2 ** step)) + hyper.eps);
      }
    }
    // clipping was active (the norm is above 0.5), so the test covers the clipping coefficient
    expect(Math.min(...handNorms)).toBeGreaterThan(hyper.maxGradNorm);
    norms.forEach((n, s) => expect(n).toBeCloseTo(handNorms[s]!, 5));
    const got = trainer.params();
    [...got.a!, ...got.b!].forEach((x, i) => expect(x).toBeCloseTo(p[i]!, 5));
    const st = trainer.snapshot();
    [...st.m.a!, ...st.m.b!].forEach((x, i) => expect(x).toBeCloseTo(m[i]!, 6));
    [...st.v.a!, ...st.v.b!].forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 6));
    await trainer.release();
  });

  const rng = createRng(5);
  const PARAMS: TrainableParam[] = [
    { name: 'w1', shape: [8, 3] },
    { name: 'b1', shape: [8], weightDecay: false },
    { name: 'w2', shape: [4, 8] },
  ];
  const mlp: LossBuilder = (g: Graph, p: Readonly<Record<string, Tensor>>) => {
    const x = g.input('x', 'float32', [6, 3]);
    const y = g.input('y', 'int64', [6]);
    const logits = nn.linear(op.tanh(nn.linear(x, p.w1!, p.b1)), p.w2!);
    return { loss: nn.maskedCrossEntropy(logits, y), outputs: { logits } };
  };
  const start = Object.fromEntries(PARAMS.map((p) => [p.name, Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.5)]));
  const feeds: Feed[] = Array.from({ length: 9 }, () => ({
    x: Float32Array.from({ length: 18 }, () => rng.normal()),
    y: BigInt64Array.from({ length: 6 }, () => BigInt(rng.nextInt(4))),
  }));

  for (const maxGradNorm of [0.5, 0]) {
    it(`MLP, 3 micro-batches, max_grad_norm ${maxGradNorm}: the same steps as the fused step graph`, async () => {
      const r = await bothWays(mlp, PARAMS, start, feeds, 3, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm });
      const worst = expectSame(r, 1e-6);
      console.log(`MLP max_grad_norm ${maxGradNorm}: largest relative difference ${worst}`);
      expect(maxRelDiff(r.sa.params.w1!, start.w1!)).toBeGreaterThan(1e-3);
    });
  }

  it('tiny decoder, full finetuning with a tied embedding, 2 micro-batches: the same steps as the fused step graph', async () => {
    const config = parseDecoderConfig('config.json', {
      model_type: 'llama', vocab_size: 32, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
      intermediate_size: 24, rope_theta: 100, max_position_embeddings: 64, tie_word_embeddings: true,
    });
    const weights = initDecoderWeights(config, 3);
    const B = 2;
    const T = 8;
    const tokens: Feed[] = Array.from({ length: 4 }, () => ({
      input_ids: { data: BigInt64Array.from({ length: B * T }, () => BigInt(rng.nextInt(32))), dims: [B, T] },
      labels: { data: BigInt64Array.from({ length: B * T }, (_, i) => (i % T === 0 ? -100n : BigInt(rng.nextInt(32)))), dims: [B, T] },
    }));
    const start = Object.fromEntries(tensorsFromWeights(config, weights).map(([n, t]) => [n, t.data]));
    const r = await bothWays(decoderLossBuilder(config, weights, B, T), decoderParams(config, weights), start, tokens, 2, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 });
    const worst = expectSame(r, 1e-6);
    console.log(`decoder: largest relative difference ${worst}`);
  });
});
