/**
 * Batched, seeded text generation: `numSamples` rows per prompt, left-padded, decoded one token
 * per step through the KV cache (or, as the reference, a full forward each step); a row stops at
 * an EOS id, at a stop string, or after `maxNewTokens`. Each row draws from its own random
 * stream, derived in row order from `seed`, so results do not depend on how rows are batched.
 */
import { createRng, type Rng } from '../random';
import { logSoftmaxAt, sampleToken, validateSampler, type SamplerOptions } from './sampling';
import type { ModelRuntime } from './runtime';
import { createStepper, type StepPath } from './stepper';

export interface GenerateOptions extends SamplerOptions {
  maxNewTokens: number;
  /** Samples per prompt (default 1). */
  numSamples?: number;
  seed?: number;
  /** Generation ends when the text contains one of these; the text is cut before it. */
  stop?: readonly string[];
  /** 'kv' (default) or 'full' (no cache, a full forward per token: the reference path). */
  path?: StepPath;
  /** Rows (prompt × sample) per batch; default 32. */
  batchSize?: number;
  /** Keep generating after EOS (benchmarks). */
  ignoreEos?: boolean;
  /**
   * Instead of refusing a prompt + max_new_tokens longer than the model's positions, end each row
   * there (finish 'length'; a prompt already at the limit gets an empty completion). Quick evals
   * during training use it: a small model's positions are often fewer than prompt + 48.
   */
  fitToLimit?: boolean;
}

export type FinishReason = 'eos' | 'stop' | 'length';

export interface GeneratedSample {
  /** Completion text: special tokens skipped, cut before the first stop string. */
  text: string;
  /** Generated token ids, including the EOS that ended the row when there was one. */
  tokens: number[];
  /** log p(token) under the model (softmax of the raw logits, before temperature/top-k/top-p). */
  logprobs: number[];
  finishReason: FinishReason;
}

export function validateGenerateOptions(o: GenerateOptions): void {
  validateSampler(o);
  if (!(Number.isInteger(o.maxNewTokens) && o.maxNewTokens >= 1)) throw new Error(`max_new_tokens: expected a whole number ≥ 1, found ${o.maxNewTokens}`);
  const n = o.numSamples ?? 1;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`num_samples: expected a whole number ≥ 1, found ${n}`);
  const seed = o.seed ?? 0;
  if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new Error(`seed: expected a whole number ≥ 0, found ${seed}`);
  for (const s of o.stop ?? []) if (typeof s !== 'string' || s.length === 0) throw new Error('stop: expected non-empty strings');
}

/** Where the first stop string starts in `text`, or −1. */
function stopAt(text: string, stop: readonly string[]): number {
  let at = -1;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

interface Row {
  prompt: number[];
  rng: Rng;
  /** New tokens this row may generate. */
  budget: number;
}

/** Generate from token-id prompts; one array of `numSamples` samples per prompt. */
export async function generateFromIds(rt: ModelRuntime, prompts: readonly (readonly number[])[], opts: GenerateOptions): Promise<GeneratedSample[][]> {
  validateGenerateOptions(opts);
  const n = opts.numSamples ?? 1;
  const master = createRng(opts.seed ?? 0);
  const limit = rt.config.sliding_window ?? rt.config.max_position_embeddings;
  const budget = (p: readonly number[]) => (opts.fitToLimit ? Math.max(0, Math.min(opts.maxNewTokens, limit - p.length)) : opts.maxNewTokens);
  const rows: Row[] = prompts.flatMap((p) => Array.from({ length: n }, () => ({ prompt: [...p], rng: createRng(master.nextUint32()), budget: budget(p) })));
  for (const [i, p] of prompts.entries()) {
    if (!opts.fitToLimit && p.length + opts.maxNewTokens > limit) {
      throw new Error(`generate: prompt ${i} (${p.length} tokens) + max_new_tokens ${opts.maxNewTokens} exceeds the model's ${rt.config.sliding_window !== null ? 'sliding_window' : 'max_position_embeddings'} ${limit}`);
    }
  }
  const batch = opts.batchSize ?? 32;
  const out: GeneratedSample[] = [];
  for (let i = 0; i < rows.length; i += batch) out.push(...(await generateBatch(rt, rows.slice(i, i + batch), opts)));
  return prompts.map((_, i) => out.slice(i * n, (i + 1) * n));
}

async function generateBatch(rt: ModelRuntime, rows: Row[], opts: GenerateOptions): Promise<GeneratedSample[]> {
  const eos = rt.eosIds;
  const stop = opts.stop ?? [];
  const tok = rt.tokenizer;
  const stepper = createStepper(rt, opts.path ?? 'kv');
  const state = rows.map((r) => ({ tokens: [] as number[], logprobs: [] as number[], text: '', done: (r.budget === 0 ? 'length' : null) as FinishReason | null }));
  let logits = await stepper.start(rows.map((r) => r.prompt));
  for (let step = 0; step < opts.maxNewTokens; step++) {
    const next = rows.map((r, b) => {
      const s = state[b]!;
      if (s.done) return rt.padId; // finished rows ride along; their outputs are ignored
      const id = sampleToken(logits[b]!, opts, r.rng);
      s.tokens.push(id);
      s.logprobs.push(logSoftmaxAt(logits[b]!, id));
      if (eos.has(id) && !opts.ignoreEos) {
        s.done = 'eos';
        return id;
      }
      if (stop.length) {
        // Decoding the whole completion each step (not just the new token) keeps multi-token
        // characters and stop strings that span tokens right.
        const text = tok.decode(s.tokens, { skipSpecial: true });
        const at = stopAt(text, stop);
        if (at >= 0) {
          s.text = text.slice(0, at);
          s.done = 'stop';
        }
      }
      if (!s.done && s.tokens.length >= r.budget) s.done = 'length';
      return id;
    });
    if (state.every((s) => s.done) || step === opts.maxNewTokens - 1) break;
    logits = await stepper.next(next);
  }
  return state.map((s) => ({
    text: s.done === 'stop' ? s.text : tok.decode(s.tokens.filter((t) => !eos.has(t)), { skipSpecial: true }),
    tokens: s.tokens,
    logprobs: s.logprobs,
    finishReason: s.done ?? 'length',
  }));
}

/** Generate from text prompts (each encoded as <bos> + text, as in training). */
export function generate(rt: ModelRuntime, prompts: readonly string[], opts: GenerateOptions): Promise<GeneratedSample[][]> {
  return generateFromIds(rt, prompts.map((p) => rt.encodePrompt(p)), opts);
}
