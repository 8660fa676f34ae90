/**
 * Generation with the decode loop inside the graph (loopDecoder.ts): one session.run per batch.
 * Greedy reproduces the JS loop's tokens; 'gumbel' sampling draws its noise in the graph
 * (RandomUniformLike, unseeded: not reproducible run to run, unlike generate.ts). Rows are cut
 * after their first EOS here, since the graph runs every row to max_new_tokens. Also a bench of
 * the three paths (no cache, KV cache via JS, in-graph loop).
 */
import { generateFromIds } from './generate';
import type { ModelRuntime } from './runtime';

export interface InGraphOptions {
  maxNewTokens: number;
  /** 0 = greedy (default), > 0 = Gumbel-max sampling at this temperature. */
  temperature?: number;
  /** Keep generating after EOS (benchmarks). */
  ignoreEos?: boolean;
}

/** Generated token ids per prompt (token-id prompts, each ≥ 1 token). */
export async function generateInGraph(rt: ModelRuntime, prompts: readonly (readonly number[])[], o: InGraphOptions): Promise<number[][]> {
  if (!(Number.isInteger(o.maxNewTokens) && o.maxNewTokens >= 1)) throw new Error(`max_new_tokens: expected a whole number ≥ 1, found ${o.maxNewTokens}`);
  const t = o.temperature ?? 0;
  if (!(t >= 0)) throw new Error(`temperature: expected a number ≥ 0, found ${t}`);
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`generate: prompt ${i} has no tokens`);
  });
  const s = await rt.session(t === 0 ? 'loop-greedy' : 'loop-gumbel');
  const B = prompts.length;
  const L = Math.max(...prompts.map((p) => p.length));
  const ids = new BigInt64Array(B * L).fill(BigInt(rt.padId));
  const mask = new BigInt64Array(B * L);
  const pos = new BigInt64Array(B * L);
  prompts.forEach((p, b) => {
    const off = b * L + L - p.length;
    p.forEach((id, j) => {
      ids[off + j] = BigInt(id);
      mask[off + j] = 1n;
      pos[off + j] = BigInt(j);
    });
  });
  const out = await s.run({
    input_ids: { data: ids, dims: [B, L] },
    attention_mask: { data: mask, dims: [B, L] },
    position_ids: { data: pos, dims: [B, L] },
    max_new_tokens: BigInt(o.maxNewTokens),
    ...(t === 0 ? {} : { temperature: t }),
  });
  const tokens = out.tokens!.data as BigInt64Array; // [N, B]
  const eos = rt.eosIds;
  return prompts.map((_, b) => {
    const row: number[] = [];
    for (let n = 0; n < o.maxNewTokens; n++) {
      const id = Number(tokens[n * B + b]);
      row.push(id);
      if (!o.ignoreEos && eos.has(id)) break;
    }
    return row;
  });
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
