/**
 * Generation with the decode loop inside the graph (loopDecoder.ts): one session.run per batch,
 * EOS and budgets ending rows inside the graph. `generateInGraph` is generate.ts's 'loop' path
 * returning token ids; also a bench of the three paths (no cache, KV cache via JS, in-graph loop).
 */
import { generateFromIds } from './generate';
import type { ModelRuntime } from './runtime';

export interface InGraphOptions {
  maxNewTokens: number;
  /** 0 = greedy (default), > 0 = sampling at this temperature. */
  temperature?: number;
  /** Seeds the rows' uniforms (as generate.ts). */
  seed?: number;
  /** Keep generating after EOS (benchmarks). */
  ignoreEos?: boolean;
}

/** Generated token ids per prompt (token-id prompts, each ≥ 1 token), the whole batch in one run. */
export async function generateInGraph(rt: ModelRuntime, prompts: readonly (readonly number[])[], o: InGraphOptions): Promise<number[][]> {
  const res = await generateFromIds(rt, prompts, {
    maxNewTokens: o.maxNewTokens,
    temperature: o.temperature ?? 0,
    seed: o.seed ?? 0,
    ignoreEos: o.ignoreEos ?? false,
    path: 'loop',
    batchSize: Math.max(1, prompts.length),
  });
  return res.map((r) => r[0]!.tokens);
}

export interface GenerationBench {
  batch: number;
  promptTokens: number;
  newTokens: number;
  /**
   * Generated tokens per second (all rows), greedy, EOS ignored. Before each timed run an untimed
   * warm-up run of `warmupTokens` new tokens (default all) opens that path's sessions.
   */
  tokensPerSecond: { full: number; kv: number; inGraph: number };
}

/** Time greedy generation of `newTokens` tokens per row by the three paths. */
export async function benchGeneration(
  rt: ModelRuntime,
  o: { batch?: number; promptTokens?: number; newTokens?: number; warmupTokens?: number } = {},
): Promise<GenerationBench> {
  const batch = o.batch ?? 1;
  const promptTokens = o.promptTokens ?? 16;
  const newTokens = o.newTokens ?? 256;
  const V = rt.tokenizer.vocabSize;
  const prompts = Array.from({ length: batch }, (_, b) => Array.from({ length: promptTokens }, (_, t) => 4 + ((b * 7 + t * 13) % (V - 4))));
  const warmup = Math.min(newTokens, o.warmupTokens ?? newTokens);
  const time = async (f: (n: number) => Promise<unknown>): Promise<number> => {
    await f(warmup); // warm-up: builds and opens the sessions
    const t0 = performance.now();
    await f(newTokens);
    return (batch * newTokens) / ((performance.now() - t0) / 1000);
  };
  const js = (path: 'kv' | 'full') => (n: number) => generateFromIds(rt, prompts, { maxNewTokens: n, temperature: 0, path, ignoreEos: true, batchSize: batch });
  return {
    batch,
    promptTokens,
    newTokens,
    tokensPerSecond: {
      full: await time(js('full')),
      kv: await time(js('kv')),
      inGraph: await time((n) => generateInGraph(rt, prompts, { maxNewTokens: n, ignoreEos: true })),
    },
  };
}
