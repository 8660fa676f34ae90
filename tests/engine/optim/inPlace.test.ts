/**
 * Outputs written into their inputs' buffers (src/engine/optim/inPlace.ts): the ancestor test on
 * small graphs, and a trainer that adopts its initial arrays and accumulates three micro-batches
 * against the same two AdamW steps worked in plain JS (the accumulators and the adopted
 * parameters are written in place, the shared zero seed must stay zero across steps).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, clearSessionCache, op } from '../../../src/engine/onnx';
import { AdamWTrainer, compileTrainStep } from '../../../src/engine/optim';
import { InPlaceAnalysis } from '../../../src/engine/optim/inPlace';

afterAll(() => clearSessionCache());

describe('InPlaceAnalysis', () => {
  it('allows an output whose producer runs after every reader of the input', () => {
    const g = new Graph('t');
    const x = g.input('x', 'float32', [4]);
    const y = g.input('y', 'float32', [4]);
    const s = op.reduceSum(op.mul(x, y)); // reads x before the update
    g.output(op.sub(x, op.mul(y, s)), 'new.x'); // the producer itself reads x elementwise
    expect(new InPlaceAnalysis(g).safe('x', 'new.x')).toBe(true);
  });

  it('refuses when a reader of the input need not run before the producer', () => {
    const g = new Graph('t');
    const x = g.input('x', 'float32', [4]);
    const y = g.input('y', 'float32', [4]);
    g.output(op.add(y, 1), 'new.x'); // does not depend on x at all…
    g.output(op.mul(x, 2), 'other'); // …so this reader of x may run after it
    expect(new InPlaceAnalysis(g).safe('x', 'new.x')).toBe(false);
    expect(new InPlaceAnalysis(g).safe('y', 'new.x')).toBe(true);
  });

  it('refuses a producer that reads the input other than element by element, or a shape change', () => {
    const g = new Graph('t');
    const x = g.input('x', 'float32', [4]);
    const w = g.input('w', 'float32', [4, 4]);
    g.output(op.matmul(w, op.unsqueeze(x, [1])), 'mm');
    g.output(op.add(x, 1), 'inc');
    const a = new InPlaceAnalysis(g);
    expect(a.safe('w', 'mm')).toBe(false);
    expect(a.safe('x', 'mm')).toBe(false);
    // x is also read by the MatMul, which is no ancestor of the Add
    expect(a.safe('x', 'inc')).toBe(false);
  });

  it('counts readers of a transposed copy as readers (onnxruntime may rewrite them to read the input)', () => {
    const g = new Graph('t');
    const x = g.input('x', 'float32', [3, 3]);
    const t = op.transpose(x, [1, 0]);
    g.output(op.sub(x, op.reduceSum(t)), 'new.x'); // the Transpose itself runs first…
    g.output(op.matmul(t, t), 'other'); // …but this reader of its output need not
    expect(new InPlaceAnalysis(g).safe('x', 'new.x')).toBe(false);
  });
});

describe('AdamWTrainer in place', () => {
  // loss of micro-batch j = ½Σ(p − x_j)²: the averaged gradient of a step is p − mean_j x_j
  const xs = [
    [0.5, -1.0, 2.0],
    [1.5, 0.0, -1.0],
    [-0.5, 2.0, 0.5],
    [0.25, 0.75, -2.0],
    [1.0, -0.5, 0.0],
    [2.0, 1.0, 1.0],
  ];
  const p0 = [1.5, 0.25, -0.5];
  const hyper = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0.5 };
  const lrs = [0.1, 0.05];

  function byHand(): number[] {
    const p = [...p0];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let step = 1; step <= 2; step++) {
      const batch = xs.slice((step - 1) * 3, step * 3);
      const g = p.map((x, i) => x - batch.reduce((s, b) => s + b[i]!, 0) / 3);
      const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
      const coef = Math.min(1, hyper.maxGradNorm / (norm + 1e-6));
      const lr = lrs[step - 1]!;
      for (let i = 0; i < 3; i++) {
        const gi = g[i]! * coef;
        m[i] = hyper.beta1 * m[i]! + (1 - hyper.beta1) * gi;
        v[i] = hyper.beta2 * v[i]! + (1 - hyper.beta2) * gi * gi;
        p[i] = p[i]! * (1 - lr * hyper.weightDecay) - (lr * (m[i]! / (1 - hyper.beta1 ** step))) / (Math.sqrt(v[i]! / (1 - hyper.beta2 ** step)) + hyper.eps);
      }
    }
    return p;
  }

  it('adopts the initial array, writes every step into it and accumulates micro-batches like the hand-worked steps', async () => {
    const compiled = compileTrainStep({
      params: [{ name: 'p', shape: [3] }],
      buildLoss: (g, { p }) => {
        const d = op.sub(p!, g.input('x', 'float32', [3]));
        return op.mul(op.reduceSum(op.mul(d, d)), 0.5);
      },
      optimizer: hyper,
      accumulationSteps: 3,
    });
    const start = Float32Array.from(p0);
    const trainer = await AdamWTrainer.create(compiled, { p: start }, hyper, { executionProvider: 'cpu', threads: 1 }, { adopt: true });
    const tensor = trainer.paramTensors().p!;
    expect(tensor.data).toBe(start); // adopted, not copied
    for (let step = 0; step < 2; step++) {
      await trainer.trainStep(xs.slice(step * 3, step * 3 + 3).map((x) => ({ x: Float32Array.from(x) })), lrs[step]!);
      expect(trainer.paramTensors().p).toBe(tensor); // the new values went into the same tensor
    }
    const hand = byHand();
    hand.forEach((x, i) => expect(start[i]!).toBeCloseTo(x, 5));
    hand.forEach((x, i) => expect(trainer.params().p![i]!).toBeCloseTo(x, 5));
    await trainer.release();
  });

  it('copies the initial arrays unless told to adopt them', async () => {
    const compiled = compileTrainStep({
      params: [{ name: 'p', shape: [3] }],
      buildLoss: (g, { p }) => op.reduceSum(op.mul(p!, p!)),
      optimizer: hyper,
    });
    const start = Float32Array.from(p0);
    const trainer = await AdamWTrainer.create(compiled, { p: start }, hyper, { executionProvider: 'cpu', threads: 1 });
    await trainer.trainStep([{}], 0.1);
    expect(Array.from(start)).toEqual(Array.from(Float32Array.from(p0)));
    expect(trainer.params().p![0]).not.toBe(start[0]);
    await trainer.release();
  });
});
