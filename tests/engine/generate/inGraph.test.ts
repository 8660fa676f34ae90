/**
 * The in-graph decode loop against the JS KV-cache loop (itself tested against the reference
 * decoder in generate.test.ts): identical greedy tokens for a left-padded batch; in-graph
 * sampling frequencies against softmax at a fixed prefix; the bench helper's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFromIds } from '../../../src/engine/generate/generate';
import { benchGeneration, generateInGraph } from '../../../src/engine/generate/inGraph';
import { ModelRuntime } from '../../../src/engine/generate/runtime';
import { createStepper } from '../../../src/engine/generate/stepper';
import { tinyFolder } from './tinyModel';

let rt: ModelRuntime;
let cleanup: () => void;
beforeAll(async () => {
  const t = await tinyFolder(undefined, 0.3);
  cleanup = t.cleanup;
  rt = new ModelRuntime(t.folder, { executionProvider: 'cpu', threads: 1 });
});
afterAll(async () => {
  await rt.release();
  cleanup();
});

describe('in-graph decode (ONNX Loop)', () => {
  it('greedy tokens equal the JS KV-cache loop, with and without EOS cut', async () => {
    const prompts = [[1, 10, 20, 30, 40], [1, 7], [1, 50, 60]];
    const js = await generateFromIds(rt, prompts, { maxNewTokens: 10, temperature: 0, ignoreEos: true });
    const graph = await generateInGraph(rt, prompts, { maxNewTokens: 10, ignoreEos: true });
    expect(graph).toEqual(js.map((r) => r[0]!.tokens));
    expect(graph.every((r) => r.length === 10)).toBe(true);
    const cut = await generateFromIds(rt, prompts, { maxNewTokens: 10, temperature: 0 });
    expect(await generateInGraph(rt, prompts, { maxNewTokens: 10 })).toEqual(cut.map((r) => r[0]!.tokens));
    // One new token: the loop runs zero trips.
    const one = await generateFromIds(rt, [[1, 5]], { maxNewTokens: 1, temperature: 0 });
    expect(await generateInGraph(rt, [[1, 5]], { maxNewTokens: 1 })).toEqual([one[0]![0]!.tokens]);
  });

  it('in-graph sampling draws the first token with softmax(logits / T) frequencies', async () => {
    // 400 copies of one prompt in a batch: the first tokens are independent draws from one distribution.
    const prompt = [1, 12, 13];
    const n = 400;
    const T = 2;
    const draws = await generateInGraph(rt, Array.from({ length: n }, () => prompt), { maxNewTokens: 1, temperature: T, ignoreEos: true });
    // The reference distribution at temperature T from the JS path's logits (checked against the
    // reference decoder in generate.test.ts): p ∝ exp(logit / T).
    const [logits] = await createStepper(rt, 'kv').start([prompt]);
    const scaled = Array.from(logits!, (v) => v / T);
    const m = Math.max(...scaled);
    const z = scaled.reduce((s, v) => s + Math.exp(v - m), 0);
    const p = scaled.map((v) => Math.exp(v - m) / z);
    const counts = new Map<number, number>();
    for (const d of draws) counts.set(d[0]!, (counts.get(d[0]!) ?? 0) + 1);
    const top = p.indexOf(Math.max(...p));
    // Within 4.5 standard errors for the most likely token, and no token outside the vocabulary.
    const se = Math.sqrt((p[top]! * (1 - p[top]!)) / n);
    expect(Math.abs((counts.get(top) ?? 0) / n - p[top]!)).toBeLessThan(4.5 * se + 1e-9);
    expect([...counts.keys()].every((k) => k >= 0 && k < p.length)).toBe(true);
    expect(counts.size).toBeGreaterThan(1);
  });

  it('benchGeneration reports a rate per path', async () => {
    const b = await benchGeneration(rt, { batch: 2, promptTokens: 4, newTokens: 3 });
    expect(b.newTokens).toBe(3);
    for (const v of Object.values(b.tokensPerSecond)) expect(v).toBeGreaterThan(0);
  });
});
