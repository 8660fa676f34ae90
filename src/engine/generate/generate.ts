/**
 * Batched, seeded text generation: `numSamples` rows per prompt, left-padded, generated inside one
 * graph run (ONNX Loop) where the provider runs Loop on the device, else one token per step
 * through the KV cache from JS (or, as the reference, a full forward each step); a row stops at
 * an EOS id, at a stop string, or after `maxNewTokens`. Each row draws from its own random
 * stream, derived in row order from `seed`, so results do not depend on how rows are batched
 * nor (up to float32 rounding of the in-graph cumulative sum) on the path.
 */
import type { Feed } from '../onnx';
import { createRng, type Rng } from '../random';
import { LOOP_OUTPUTS } from './loopDecoder';
import { logSoftmaxAt, sampleToken, validateSampler, type SamplerOptions } from './sampling';
import { loopKindOf, type ModelRuntime } from './runtime';
import { createStepper, type StepPath } from './stepper';

/**
 * 'loop': the whole batch inside one graph run (ONNX Loop; loopDecoder.ts); 'kv': one token per
 * step through the KV cache from JS; 'full': a full forward per token (the reference); 'auto'
 * (default): 'loop' where the provider runs Loop on the device, else 'kv'.
 */
export type GeneratePath = StepPath | 'loop' | 'auto';

export interface GenerateOptions extends SamplerOptions {
  maxNewTokens: number;
  /** Samples per prompt (default 1). */
  numSamples?: number;
  seed?: number;
  /** Generation ends when the text contains one of these; the text is cut before it. */
  stop?: readonly string[];
  /** How tokens are produced (GeneratePath); default 'auto'. */
  path?: GeneratePath;
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

export interface Row {
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
    if (p.length === 0) throw new Error(`generate: prompt ${i} has no tokens (the tokenizer has no <bos> and the text is empty)`);
    if (!opts.fitToLimit && p.length + opts.maxNewTokens > limit) {
      throw new Error(`generate: prompt ${i} (${p.length} tokens) + max_new_tokens ${opts.maxNewTokens} exceeds the model's ${rt.config.sliding_window !== null ? 'sliding_window' : 'max_position_embeddings'} ${limit}`);
    }
  }
  const path = await resolvePath(rt, opts.path ?? 'auto');
  const batch = opts.batchSize ?? 32;
  const out: GeneratedSample[] = [];
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    out.push(...(path === 'loop' ? await loopBatch(rt, part, opts) : await generateBatch(rt, part, opts, path)));
  }
  return prompts.map((_, i) => out.slice(i * n, (i + 1) * n));
}

/** 'auto': inside the graph where the provider runs Loop on the device, else the JS KV-cache loop. */
async function resolvePath(rt: ModelRuntime, path: GeneratePath): Promise<StepPath | 'loop'> {
  if (path !== 'auto') return path;
  return (await rt.loopOnDevice()) ? 'loop' : 'kv';
}

/**
 * One row's completion as tokens arrive (both paths): EOS, stop strings and the row's budget end
 * it; the text is cut before the first stop string.
 */
class RowResult {
  tokens: number[] = [];
  logprobs: number[] = [];
  text = '';
  done: FinishReason | null;

  constructor(
    private readonly row: Row,
    private readonly rt: ModelRuntime,
    private readonly opts: GenerateOptions,
  ) {
    this.done = row.budget === 0 ? 'length' : null;
  }

  accept(id: number, logprob: number): void {
    this.tokens.push(id);
    this.logprobs.push(logprob);
    const stop = this.opts.stop ?? [];
    if (this.rt.eosIds.has(id) && !this.opts.ignoreEos) {
      this.done = 'eos';
      return;
    }
    if (stop.length) {
      // Decoding the whole completion each step (not just the new token) keeps multi-token
      // characters and stop strings that span tokens right.
      const text = this.rt.tokenizer.decode(this.tokens, { skipSpecial: true });
      const at = stopAt(text, stop);
      if (at >= 0) {
        this.text = text.slice(0, at);
        this.done = 'stop';
      }
    }
    if (!this.done && this.tokens.length >= this.row.budget) this.done = 'length';
  }

  result(): GeneratedSample {
    const eos = this.rt.eosIds;
    return {
      text: this.done === 'stop' ? this.text : this.rt.tokenizer.decode(this.tokens.filter((t) => !eos.has(t)), { skipSpecial: true }),
      tokens: this.tokens,
      logprobs: this.logprobs,
      finishReason: this.done ?? 'length',
    };
  }
}

async function generateBatch(rt: ModelRuntime, rows: Row[], opts: GenerateOptions, path: StepPath): Promise<GeneratedSample[]> {
  const stepper = createStepper(rt, path);
  const state = rows.map((r) => new RowResult(r, rt, opts));
  let logits = await stepper.start(rows.map((r) => r.prompt));
  for (let step = 0; step < opts.maxNewTokens; step++) {
    const next = rows.map((r, b) => {
      const s = state[b]!;
      if (s.done) return rt.padId; // finished rows ride along; their outputs are ignored
      const id = sampleToken(logits[b]!, opts, r.rng);
      s.accept(id, logSoftmaxAt(logits[b]!, id));
      return id;
    });
    if (state.every((s) => s.done) || step === opts.maxNewTokens - 1) break;
    logits = await stepper.next(next);
  }
  return state.map((s) => s.result());
}

/**
 * The batch generated inside one graph run (loopDecoder.ts). Each row's uniforms are the draws
 * its JS-loop sampler would make from its own stream, token by token, so both paths sample alike.
 */
async function loopBatch(rt: ModelRuntime, rows: Row[], opts: GenerateOptions): Promise<GeneratedSample[]> {
  const B = rows.length;
  const N = opts.maxNewTokens;
  const L = Math.max(...rows.map((r) => r.prompt.length));
  const ids = new BigInt64Array(B * L).fill(BigInt(rt.padId));
  const mask = new BigInt64Array(B * L);
  const pos = new BigInt64Array(B * L);
  rows.forEach((r, b) => {
    const off = b * L + L - r.prompt.length;
    r.prompt.forEach((id, j) => {
      ids[off + j] = BigInt(id);
      mask[off + j] = 1n;
      pos[off + j] = BigInt(j);
    });
  });
  const eos = opts.ignoreEos || rt.eosIds.size === 0 ? [-1n] : [...rt.eosIds].map((e) => BigInt(e));
  const feeds: Feed = {
    input_ids: { data: ids, dims: [B, L] },
    attention_mask: { data: mask, dims: [B, L] },
    position_ids: { data: pos, dims: [B, L] },
    max_new_tokens: BigInt(N),
    budget: { data: BigInt64Array.from(rows, (r) => BigInt(r.budget)), dims: [B] },
    eos_ids: { data: BigInt64Array.from(eos), dims: [eos.length] },
    pad_id: BigInt(rt.padId),
  };
  const kind = loopKindOf(opts);
  if (kind !== 'loop-greedy') {
    const u = new Float32Array(N * B);
    rows.forEach((r, b) => {
      for (let n = 0; n < N; n++) u[n * B + b] = r.rng.nextFloat();
    });
    feeds.uniforms = { data: u, dims: [N, B] };
    feeds.temperature = opts.temperature ?? 1;
    if (kind.endsWith('-k') || kind.endsWith('-kp')) feeds.top_k = BigInt(opts.topK ?? 0);
    if (kind.endsWith('-p') || kind.endsWith('-kp')) feeds.top_p = opts.topP ?? 1;
  }
  const out = await rt.run(kind, feeds);
  const tokens = out[LOOP_OUTPUTS.tokens]!;
  const lps = out[LOOP_OUTPUTS.logprobs]!.data as Float32Array;
  const made = tokens.dims[0]!;
  const tok = tokens.data as BigInt64Array;
  return rows.map((r, b) => {
    const s = new RowResult(r, rt, opts);
    for (let n = 0; n < made && !s.done; n++) s.accept(Number(tok[n * B + b]), lps[n * B + b]!);
    return s.result();
  });
}

/** Generate from text prompts (each encoded as <bos> + text, as in training). */
export function generate(rt: ModelRuntime, prompts: readonly string[], opts: GenerateOptions): Promise<GeneratedSample[][]> {
  return generateFromIds(rt, prompts.map((p) => rt.encodePrompt(p)), opts);
}
