/**
 * Trainable state as graph inputs, and generation inside the graph against the JS loop:
 *   - LoRA adapters fed as inputs generate (in-graph and JS loop) and score exactly what the
 *     weights with the adapters merged in (lora.ts mergeLora, float64 sums) generate and score;
 *   - full-finetune state (every weight an input): new weights fed with setState give what a
 *     runtime that stores those weights gives, and no session is created for the update;
 *   - in-graph greedy equals the JS KV-cache loop on Qwen2 (q/k/v biases) and Qwen3 (q/k norms)
 *     shapes with a pruned layer list, EOS ending rows inside the graph, and per-row budgets;
 *   - in-graph sampling equals the JS loop's samples for the same seed (temperature, top-k, top-p).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generateFromIds, type GenerateOptions } from '../../../src/engine/generate/generate';
import { ModelRuntime, type RuntimeSettings } from '../../../src/engine/generate/runtime';
import { scoreIds } from '../../../src/engine/generate/scoring';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { initLoraAdapters, mergeLora, type LoraSpec } from '../../../src/engine/model/lora';
import type { ModelFolder } from '../../../src/engine/model/folder';
import { sessionBuildCount } from '../../../src/engine/onnx/session';
import { createRng } from '../../../src/engine/random';
import { TINY_CONFIG, tinyFolder } from './tinyModel';

const cleanups: (() => void)[] = [];
const runtimes: ModelRuntime[] = [];
afterAll(async () => {
  for (const rt of runtimes) await rt.release();
  for (const c of cleanups) c();
});

async function folderOf(config: Record<string, unknown>, std = 0.3): Promise<ModelFolder> {
  const t = await tinyFolder(config, std);
  cleanups.push(t.cleanup);
  return t.folder;
}

function runtime(folder: ModelFolder, settings: Omit<RuntimeSettings, 'executionProvider' | 'threads'> = {}): ModelRuntime {
  const rt = new ModelRuntime(folder, { executionProvider: 'cpu', threads: 1, ...settings });
  runtimes.push(rt);
  return rt;
}

const PROMPTS = [[1, 10, 20, 30, 40], [1, 7], [1, 50, 60, 61]];

async function both(rt: ModelRuntime, prompts: number[][], o: GenerateOptions) {
  const js = await generateFromIds(rt, prompts, { ...o, path: 'kv' });
  const graph = await generateFromIds(rt, prompts, { ...o, path: 'loop' });
  return { js, graph };
}

function maxAbs(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('LoRA adapters as graph inputs', () => {
  it('generate and score as the merged weights do', async () => {
    const folder = await folderOf(TINY_CONFIG);
    const spec: LoraSpec = { r: 4, alpha: 8, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
    // Non-zero B so the adapters change the model (a fresh adapter has B = 0).
    const adapters = initLoraAdapters(folder.config, spec, 5);
    const rng = createRng(9);
    for (const [name, t] of adapters) if (name.endsWith('lora_B.weight')) for (let i = 0; i < t.data.length; i++) t.data[i] = (rng.nextFloat() - 0.5) * 0.6;
    const withInputs = runtime(folder, { trainable: { lora: spec } });
    const before = await generateFromIds(withInputs, PROMPTS, { maxNewTokens: 8, temperature: 0, ignoreEos: true, path: 'loop' });
    withInputs.setState(Object.fromEntries([...adapters].map(([n, t]) => [n, t.data])));
    const merged = runtime({ ...folder, weights: mergeLora(folder.config, folder.weights, adapters, spec) });

    const o: GenerateOptions = { maxNewTokens: 8, temperature: 0, ignoreEos: true };
    const want = await generateFromIds(merged, PROMPTS, { ...o, path: 'kv' });
    for (const path of ['loop', 'kv'] as const) {
      const got = await generateFromIds(withInputs, PROMPTS, { ...o, path });
      expect(got.map((r) => r[0]!.tokens), path).toEqual(want.map((r) => r[0]!.tokens));
      got.forEach((r, i) => expect(maxAbs(r[0]!.logprobs, want[i]![0]!.logprobs), path).toBeLessThan(1e-4));
    }
    // the adapters matter: the zero-adapter start generated something else
    expect(before.map((r) => r[0]!.tokens)).not.toEqual(want.map((r) => r[0]!.tokens));
    const seqs = [[1, 5, 9, 13, 2], [1, 40, 41]];
    const a = await scoreIds(withInputs, seqs);
    const b = await scoreIds(merged, seqs);
    a.forEach((row, i) => expect(maxAbs(row.slice(1) as number[], b[i]!.slice(1) as number[])).toBeLessThan(1e-4));
  });
});

describe('full-finetune state as graph inputs', () => {
  it('setState swaps every weight without creating a session', async () => {
    const folder = await folderOf(TINY_CONFIG);
    const other = initDecoderWeights(folder.config, 21, 0.3);
    const fed = runtime(folder, { trainable: 'all' });
    const stored = runtime({ ...folder, weights: other });
    const o: GenerateOptions = { maxNewTokens: 6, temperature: 0, ignoreEos: true, path: 'loop' };
    const first = await generateFromIds(fed, PROMPTS, o);
    await generateFromIds(fed, PROMPTS, { ...o, path: 'kv' });
    const built = sessionBuildCount();
    await fed.setWeights(other);
    const got = await generateFromIds(fed, PROMPTS, o);
    const gotKv = await generateFromIds(fed, PROMPTS, { ...o, path: 'kv' });
    expect(sessionBuildCount()).toBe(built); // the update was a feed, not a new session
    const want = await generateFromIds(stored, PROMPTS, o);
    expect(got.map((r) => r[0]!.tokens)).toEqual(want.map((r) => r[0]!.tokens));
    expect(gotKv.map((r) => r[0]!.tokens)).toEqual(want.map((r) => r[0]!.tokens));
    expect(first.map((r) => r[0]!.tokens)).not.toEqual(want.map((r) => r[0]!.tokens));
  });
});

describe('in-graph generation equals the JS loop', () => {
  const shapes: [string, Record<string, unknown>][] = [
    ['qwen2 (q/k/v biases), layers [0, 2]', { ...TINY_CONFIG, model_type: 'qwen2', num_hidden_layers: 3, head_dim: 4 }],
    ['qwen3 (q/k norms), layers [0, 2]', { ...TINY_CONFIG, model_type: 'qwen3', num_hidden_layers: 3, head_dim: 4 }],
  ];
  for (const [name, config] of shapes) {
    it(`greedy, ${name}: tokens, log-probs, EOS inside the graph`, async () => {
      const folder = await folderOf(config);
      const rt = runtime(folder, { layers: [0, 2] });
      const { js, graph } = await both(rt, PROMPTS, { maxNewTokens: 10, temperature: 0, ignoreEos: true });
      expect(graph.map((r) => r[0]!.tokens)).toEqual(js.map((r) => r[0]!.tokens));
      graph.forEach((r, i) => expect(maxAbs(r[0]!.logprobs, js[i]![0]!.logprobs)).toBeLessThan(1e-4));
      // Declare row 0's third greedy token an EOS id: that row ends there inside the graph, the others go on.
      const eos = js[0]![0]!.tokens[2]!;
      const eosRt = runtime({ ...folder, config: { ...folder.config, eos_token_id: [eos] } }, { layers: [0, 2] });
      const cut = await both(eosRt, PROMPTS, { maxNewTokens: 10, temperature: 0 });
      expect(cut.graph.map((r) => r[0]!.tokens)).toEqual(cut.js.map((r) => r[0]!.tokens));
      expect(cut.graph.map((r) => r[0]!.finishReason)).toEqual(cut.js.map((r) => r[0]!.finishReason));
      expect(cut.graph[0]![0]!.finishReason).toBe('eos');
      expect(cut.graph[0]![0]!.tokens.length).toBeLessThanOrEqual(3);
    });
  }

  it('per-row budgets (fitToLimit at the model positions) end rows inside the graph', async () => {
    const folder = await folderOf({ ...TINY_CONFIG, max_position_embeddings: 12 });
    const rt = runtime(folder);
    const prompts = [[1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]];
    const { js, graph } = await both(rt, prompts, { maxNewTokens: 6, temperature: 0, ignoreEos: true, fitToLimit: true });
    expect(graph.map((r) => r[0]!.tokens.length)).toEqual([3, 6, 0]);
    expect(graph.map((r) => r[0]!.tokens)).toEqual(js.map((r) => r[0]!.tokens));
  });

  it('the loop exits once every row has finished, finished rows emit padding', async () => {
    const folder = await folderOf(TINY_CONFIG);
    const rt = runtime(folder);
    const L = 3;
    const feeds = {
      input_ids: { data: BigInt64Array.from([1n, 5n, 6n, 1n, 7n, 8n]), dims: [2, L] },
      attention_mask: { data: new BigInt64Array(2 * L).fill(1n), dims: [2, L] },
      position_ids: { data: BigInt64Array.from([0n, 1n, 2n, 0n, 1n, 2n]), dims: [2, L] },
      max_new_tokens: 6n,
      budget: { data: BigInt64Array.from([2n, 3n]), dims: [2] },
      eos_ids: { data: BigInt64Array.from([-1n]), dims: [1] },
      pad_id: 99n,
    };
    const out = await rt.run('loop-greedy', feeds);
    expect(out.tokens!.dims).toEqual([3, 2]); // 3 trips' tokens, not max_new_tokens = 6
    const tok = Array.from(out.tokens!.data as BigInt64Array, Number);
    const lp = Array.from(out.logprobs!.data as Float32Array);
    expect(tok[2 * 2 + 0]).toBe(99); // row 0 finished after 2 tokens
    expect(lp[2 * 2 + 0]).toBe(0);
    expect(tok[2 * 2 + 1]).not.toBe(99);
    const js = await generateFromIds(rt, [[1, 5, 6], [1, 7, 8]], { maxNewTokens: 3, temperature: 0, ignoreEos: true, path: 'kv' });
    expect([tok[0], tok[2]]).toEqual(js[0]![0]!.tokens.slice(0, 2));
    expect([tok[1], tok[3], tok[5]]).toEqual(js[1]![0]!.tokens);
  });

  for (const [name, o] of [
    ['temperature 1.3', { temperature: 1.3 }],
    ['top-k 5', { temperature: 0.9, topK: 5 }],
    ['top-p 0.8', { temperature: 1.1, topP: 0.8 }],
    ['top-k 20 then top-p 0.9', { temperature: 1, topK: 20, topP: 0.9 }],
  ] as [string, GenerateOptions][]) {
    it(`sampling with ${name}: the same seed gives the JS loop's samples`, async () => {
      const folder = await folderOf(TINY_CONFIG, 0.15);
      const rt = runtime(folder);
      const { js, graph } = await both(rt, PROMPTS, { ...o, maxNewTokens: 12, numSamples: 3, seed: 7, ignoreEos: true });
      expect(graph.map((r) => r.map((s) => s.tokens))).toEqual(js.map((r) => r.map((s) => s.tokens)));
      graph.flat().forEach((s, i) => expect(maxAbs(s.logprobs, js.flat()[i]!.logprobs)).toBeLessThan(1e-4));
      // the samples are not all one sequence (the test would not see a sampler that ignores u)
      expect(new Set(graph.flat().map((s) => s.tokens.join())).size).toBeGreaterThan(3);
    });
  }
});
