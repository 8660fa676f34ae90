/**
 * Several optimizer steps per session.run (issue 15, item 5): the looped graph's K steps in one
 * call must give the weights, Adam moments, losses, gradient norms and extra outputs that K
 * calls of the single-step graph give — with and without gradient accumulation, on a toy MLP
 * and on a tiny decoder (full and LoRA) — and a call with fewer steps than the limit works too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/random';
import { clearSessionCache, nn, op, type Feed, type Graph, type Tensor } from '../../../src/engine/onnx';
import { AdamWTrainer, compileTrainStep, type LossBuilder, type StepResult, type TrainableParam, type TrainerState } from '../../../src/engine/optim';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights } from '../../../src/engine/model/weights';
import { initLoraAdapters, type LoraSpec } from '../../../src/engine/model/lora';
import { decoderLossBuilder, decoderParams, loraParams } from '../../../src/engine/toolkit/decoderLoss';
import { maxRelDiff } from './relDiff';

afterAll(() => clearSessionCache());

const optimizer = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0.5 };
const session = { executionProvider: 'cpu' as const, threads: 1 };

function expectSameState(a: TrainerState, b: TrainerState, tol: number): void {
  expect(a.step).toBe(b.step);
  for (const part of ['params', 'm', 'v'] as const) {
    for (const name of Object.keys(a[part])) {
      const d = maxRelDiff(a[part][name]!, b[part][name]!);
      expect(d, `${part} ${name}`).toBeLessThanOrEqual(tol);
    }
  }
}

function expectSameResults(a: StepResult[], b: StepResult[], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((r, s) => {
    const o = b[s]!;
    expect(Math.abs(r.loss - o.loss), `loss of step ${s}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(o.loss)));
    expect(Math.abs(r.gradNorm - o.gradNorm), `grad norm of step ${s}`).toBeLessThanOrEqual(tol * Math.max(1, o.gradNorm));
    expect(r.lr).toBe(o.lr);
    expect(r.microOutputs.length).toBe(o.microOutputs.length);
    r.microOutputs.forEach((m, j) => {
      for (const k of Object.keys(o.microOutputs[j]!)) {
        expect(m[k]!.dims).toEqual(o.microOutputs[j]![k]!.dims);
        expect(maxRelDiff(m[k]!.data as Float32Array, o.microOutputs[j]![k]!.data as Float32Array), `${k} of step ${s}.${j}`).toBeLessThanOrEqual(tol);
      }
    });
  });
}

/**
 * Train `steps` steps both ways from the same start: the plain trainer one step per call, the
 * looped one `chunks` steps per call (a list, e.g. [3, 2]: a full call and a shorter one).
 */
async function compare(build: LossBuilder, params: TrainableParam[], start: Record<string, Float32Array>, feeds: Feed[], accumulation: number, chunks: number[]) {
  const k = Math.max(...chunks);
  const plain = compileTrainStep({ name: 'plain', params, buildLoss: build, optimizer, accumulationSteps: accumulation });
  const looped = compileTrainStep({ name: 'looped', params, buildLoss: build, optimizer, accumulationSteps: accumulation, stepsPerCall: k });
  expect(plain.loop).toBeNull();
  expect(looped.graphs.loop!.nodes.some((n) => n.op === 'Loop')).toBe(true);
  const a = await AdamWTrainer.create(plain, start, optimizer, session);
  const b = await AdamWTrainer.create(looped, start, optimizer, session);
  try {
    const steps = chunks.reduce((x, y) => x + y, 0);
    const lrs = Array.from({ length: steps }, (_, s) => 0.02 * (1 - s / (steps + 1)));
    const one: StepResult[] = [];
    for (let s = 0; s < steps; s++) one.push(await a.trainStep(feeds.slice(s * accumulation, (s + 1) * accumulation), lrs[s]!));
    const many: StepResult[] = [];
    let at = 0;
    for (const c of chunks) {
      many.push(...(await b.trainSteps(feeds.slice(at * accumulation, (at + c) * accumulation), lrs.slice(at, at + c))));
      at += c;
    }
    return { one, many, a: a.snapshot(), b: b.snapshot() };
  } finally {
    await a.release();
    await b.release();
  }
}

describe('several optimizer steps per session.run (Loop over steps)', () => {
  const PARAMS: TrainableParam[] = [
    { name: 'w1', shape: [8, 3] },
    { name: 'b1', shape: [8], weightDecay: false },
    { name: 'w2', shape: [4, 8] },
  ];
  const mlp: LossBuilder = (g: Graph, p: Readonly<Record<string, Tensor>>) => {
    const x = g.input('x', 'float32', [6, 3]);
    const y = g.input('y', 'int64', [6]);
    // w2 read alone before its use (a node of the parameter only, as a LoRA scale would make)
    const logits = nn.linear(op.tanh(nn.linear(x, p.w1!, p.b1)), op.mul(p.w2!, 1.5));
    return { loss: nn.maskedCrossEntropy(logits, y), outputs: { logits } };
  };
  const rng = createRng(5);
  const start = Object.fromEntries(PARAMS.map((p) => [p.name, Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.5)]));
  const feeds: Feed[] = Array.from({ length: 12 }, () => ({
    x: Float32Array.from({ length: 18 }, () => rng.normal()),
    y: BigInt64Array.from({ length: 6 }, () => BigInt(rng.nextInt(4))),
  }));

  it('MLP: K steps in one call equal K single-step calls (weights, moments, losses, outputs)', async () => {
    const r = await compare(mlp, PARAMS, start, feeds, 1, [4, 4, 2]);
    expectSameState(r.a, r.b, 1e-6);
    expectSameResults(r.one, r.many, 1e-6);
    // the steps did move the weights (the comparison is not of two untouched copies)
    expect(maxRelDiff(r.a.params.w1!, start.w1!)).toBeGreaterThan(1e-3);
  });

  it('MLP with gradient accumulation (3 micro-batches per step): an inner Loop matches accumulate + step', async () => {
    const r = await compare(mlp, PARAMS, start, feeds, 3, [3, 1]);
    expectSameState(r.a, r.b, 1e-6);
    expectSameResults(r.one, r.many, 1e-6);
    expect(r.many[0]!.microOutputs.length).toBe(3);
  });

  it('refuses more steps than stepsPerCall and a wrong number of feeds', async () => {
    const looped = compileTrainStep({ name: 'looped', params: PARAMS, buildLoss: mlp, optimizer, stepsPerCall: 2 });
    const t = await AdamWTrainer.create(looped, start, optimizer, session);
    try {
      await expect(t.trainSteps(feeds.slice(0, 3), [0.1, 0.1, 0.1])).rejects.toThrow(/1 to 2 steps per call/);
      await expect(t.trainSteps(feeds.slice(0, 1), [0.1, 0.1])).rejects.toThrow(/need 2 feeds/);
    } finally {
      await t.release();
    }
  });

  const config = parseDecoderConfig('config.json', {
    model_type: 'llama',
    vocab_size: 32,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 24,
    rope_theta: 100,
    max_position_embeddings: 64,
    tie_word_embeddings: true,
  });
  const weights = initDecoderWeights(config, 3);
  const B = 2;
  const T = 8;
  const tokens: Feed[] = Array.from({ length: 8 }, () => ({
    input_ids: { data: BigInt64Array.from({ length: B * T }, () => BigInt(rng.nextInt(32))), dims: [B, T] },
    labels: { data: BigInt64Array.from({ length: B * T }, (_, i) => (i % T === 0 ? -100n : BigInt(rng.nextInt(32)))), dims: [B, T] },
  }));

  it('decoder, full finetuning: 3 steps per call equal 3 calls', async () => {
    const start = Object.fromEntries(tensorsFromWeights(config, weights).map(([n, t]) => [n, t.data]));
    const r = await compare(decoderLossBuilder(config, weights, B, T), decoderParams(config, weights), start, tokens, 1, [3, 3]);
    expectSameState(r.a, r.b, 1e-6);
    expectSameResults(r.one, r.many, 1e-6);
  });

  it('decoder, LoRA with 2 micro-batches per step: 2 steps per call equal 2 calls', async () => {
    const lora: LoraSpec = { r: 2, alpha: 4, targets: ['q', 'v', 'down'] };
    // nonzero B so every adapter gets a gradient from the first step
    const start = Object.fromEntries([...initLoraAdapters(config, lora, 9)].map(([n, w]) => [n, n.includes('lora_B') ? w.data.map(() => rng.normal() * 0.1) : w.data]));
    const r = await compare(decoderLossBuilder(config, weights, B, T, lora), loraParams(config, lora), start, tokens, 2, [2, 2]);
    expectSameState(r.a, r.b, 1e-6);
    expectSameResults(r.one, r.many, 1e-6);
  });
});
