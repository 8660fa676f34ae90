/**
 * Next-token logits for a batch of left-padded sequences, one step at a time, by two paths:
 *   'kv'   — prefill the prompts once, then feed one token per step with the cache the last run
 *            returned (present → past as ort.Tensors, never copied through JS arrays);
 *   'full' — run the whole sequence every step (the reference the cache path is tested against).
 * Left padding puts every row's newest token in the last column; positions count real tokens
 * only, so a padded row computes what it would alone (masked keys, shifted RoPE positions).
 */
import type * as ort from 'onnxruntime-node';
import { pastName, presentName } from './kvDecoder';
import type { ModelRuntime } from './runtime';

export type StepPath = 'kv' | 'full';

export interface Stepper {
  /** Start on these prompts (token ids, each ≥ 1 token); logits of each row's next token. */
  start(prompts: readonly (readonly number[])[]): Promise<Float32Array[]>;
  /** Append one token per row; logits of each row's next token. */
  next(tokens: readonly number[]): Promise<Float32Array[]>;
}

export function createStepper(rt: ModelRuntime, path: StepPath): Stepper {
  const V = rt.config.vocab_size;
  const pad = rt.padId;
  let B = 0;
  let ids: number[][] = []; // left-padded, equal lengths
  let mask: number[][] = [];
  let cache: Record<string, ort.Tensor> | null = null;
  let layerCount = 0;

  const i64 = (rows: number[][]) => BigInt64Array.from(rows.flat(), (v) => BigInt(v));
  // Position of each column: number of real tokens before it (pads repeat position 0).
  const positions = (rows: number[][]) => rows.map((m) => { let n = 0; return m.map((v) => (v ? n++ : 0)); });
  const rowsOf = (data: Float32Array, stride: number, offset: number) =>
    Array.from({ length: B }, (_, b) => data.slice(b * stride + offset, b * stride + offset + V));

  async function runFull(): Promise<Float32Array[]> {
    const L = ids[0]!.length;
    const out = await rt.run('full', {
      input_ids: { data: i64(ids), dims: [B, L] },
      attention_mask: { data: i64(mask), dims: [B, L] },
      position_ids: { data: i64(positions(mask)), dims: [B, L] },
    });
    return rowsOf(out.logits!.data as Float32Array, L * V, (L - 1) * V);
  }

  function keepCache(out: Record<string, ort.Tensor>): void {
    cache = {};
    for (let k = 0; k < layerCount; k++) {
      for (const kv of ['key', 'value'] as const) cache[pastName(k, kv)] = out[presentName(k, kv)]!;
    }
  }

  return {
    async start(prompts) {
      if (prompts.length === 0) throw new Error('generate: no prompts');
      prompts.forEach((p, i) => {
        if (p.length === 0) throw new Error(`generate: prompt ${i} has no tokens (the tokenizer has no <bos> and the text is empty)`);
      });
      B = prompts.length;
      const L = Math.max(...prompts.map((p) => p.length));
      ids = prompts.map((p) => [...Array<number>(L - p.length).fill(pad), ...p]);
      mask = prompts.map((p) => [...Array<number>(L - p.length).fill(0), ...p.map(() => 1)]);
      if (path === 'full') return runFull();
      layerCount = (await rt.session('prefill')).outputs.filter((o) => o.name.endsWith('.key')).length;
      const out = await rt.run('prefill', {
        input_ids: { data: i64(ids), dims: [B, L] },
        attention_mask: { data: i64(mask), dims: [B, L] },
        position_ids: { data: i64(positions(mask)), dims: [B, L] },
      });
      keepCache(out);
      return rowsOf(out.logits!.data as Float32Array, V, 0);
    },

    async next(tokens) {
      if (tokens.length !== B) throw new Error(`generate: next() got ${tokens.length} tokens for ${B} rows`);
      ids.forEach((row, b) => row.push(tokens[b]!));
      mask.forEach((row) => row.push(1));
      if (path === 'full') return runFull();
      const S = mask[0]!.length;
      const out = await rt.run('decode', {
        ...cache!,
        input_ids: { data: i64(tokens.map((t) => [t])), dims: [B, 1] },
        attention_mask: { data: i64(mask), dims: [B, S] },
        position_ids: { data: BigInt64Array.from(mask, (m) => BigInt(m.reduce((a, v) => a + v, 0) - 1)), dims: [B, 1] },
      });
      keepCache(out);
      return rowsOf(out.logits!.data as Float32Array, V, 0);
    },
  };
}
