/**
 * Teacher-forced scoring: per-token log-probs of texts or prompt+completion pairs, and summed
 * log-probs of choices given prompts (choice tasks, ALGORITHMS.md §5.1). Sequences are encoded
 * as training encodes them (<bos> prompt completion, prompt and completion tokenised apart;
 * src/engine/data/batches.ts), right-padded into batches, and read from the decoder's
 * `target_logprobs` output: position t's output is log p(token t+1 | tokens ≤ t).
 */
import type { ModelRuntime } from './runtime';

export type ScoreItem = string | { text: string } | { prompt: string; completion: string };

export interface TokenScores {
  tokens: number[];
  /** log p(tokens[i] | tokens[<i]); null for the first token (nothing precedes it). */
  logprobs: (number | null)[];
  /** Index of the first completion token (0 for plain texts: the whole text counts). */
  completionStart: number;
}

export interface ScoreOptions {
  /** Sequences per forward pass; default 16. */
  batchSize?: number;
}

function encodeItem(rt: ModelRuntime, item: ScoreItem, index: number): { ids: number[]; start: number } {
  if (typeof item === 'string') return { ids: rt.tokenizer.encodeText(item), start: 0 };
  if (item && typeof item === 'object' && 'prompt' in item && typeof item.prompt === 'string' && typeof item.completion === 'string') {
    const p = rt.encodePrompt(item.prompt);
    return { ids: [...p, ...rt.tokenizer.encode(item.completion)], start: p.length };
  }
  if (item && typeof item === 'object' && 'text' in item && typeof item.text === 'string') return { ids: rt.tokenizer.encodeText(item.text), start: 0 };
  throw new Error(`score: item ${index} must be a string, {text} or {prompt, completion} with string values`);
}

/** Log-probs of already-encoded sequences (each ≥ 1 token), batched. */
export async function scoreIds(rt: ModelRuntime, seqs: readonly (readonly number[])[], opts: ScoreOptions = {}): Promise<(number | null)[][]> {
  const limit = rt.config.sliding_window ?? rt.config.max_position_embeddings;
  seqs.forEach((s, i) => {
    if (s.length === 0) throw new Error(`score: sequence ${i} has no tokens`);
    if (s.length > limit) throw new Error(`score: sequence ${i} has ${s.length} tokens, more than the model's limit of ${limit}`);
  });
  const batch = opts.batchSize ?? 16;
  const out: (number | null)[][] = [];
  for (let i = 0; i < seqs.length; i += batch) {
    const rows = seqs.slice(i, i + batch);
    const B = rows.length;
    const T = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(B * T).fill(BigInt(rt.padId));
    const mask = new BigInt64Array(B * T);
    const targets = new BigInt64Array(B * T).fill(-100n);
    rows.forEach((r, b) => {
      r.forEach((id, t) => {
        ids[b * T + t] = BigInt(id);
        mask[b * T + t] = 1n;
        if (t > 0) targets[b * T + t - 1] = BigInt(id);
      });
    });
    const res = await rt.run('score', {
      input_ids: { data: ids, dims: [B, T] },
      attention_mask: { data: mask, dims: [B, T] },
      target_ids: { data: targets, dims: [B, T] },
    });
    const lp = res.target_logprobs!.data as Float32Array;
    rows.forEach((r, b) => out.push(r.map((_, t) => (t === 0 ? null : lp[b * T + t - 1]!))));
  }
  return out;
}

/** Per-token log-probs of texts or {prompt, completion} pairs. */
export async function scoreTexts(rt: ModelRuntime, items: readonly ScoreItem[], opts: ScoreOptions = {}): Promise<TokenScores[]> {
  const enc = items.map((it, i) => encodeItem(rt, it, i));
  const lps = await scoreIds(rt, enc.map((e) => e.ids), opts);
  return enc.map((e, i) => ({ tokens: e.ids, logprobs: lps[i]!, completionStart: e.start }));
}

/**
 * For each prompt and each of its choices: the summed log-prob of the choice's tokens after the
 * prompt, and the number of those tokens (for length-normalised choice scoring).
 */
export async function scoreChoices(
  rt: ModelRuntime,
  prompts: readonly string[],
  choices: readonly (readonly string[])[],
  opts: ScoreOptions = {},
): Promise<{ logprobs: number[][]; lengths: number[][] }> {
  if (prompts.length !== choices.length) throw new Error(`scoreChoices: ${prompts.length} prompts but ${choices.length} choice lists`);
  const items = prompts.flatMap((p, i) => choices[i]!.map((c) => ({ prompt: p, completion: c })));
  const scored = await scoreTexts(rt, items, opts);
  const logprobs: number[][] = [];
  const lengths: number[][] = [];
  let k = 0;
  for (const list of choices) {
    const lp: number[] = [];
    const len: number[] = [];
    for (let j = 0; j < list.length; j++) {
      const s = scored[k++]!;
      lp.push(s.logprobs.slice(s.completionStart).reduce<number>((a, v) => a + (v ?? 0), 0));
      len.push(s.tokens.length - s.completionStart);
    }
    logprobs.push(lp);
    lengths.push(len);
  }
  return { logprobs, lengths };
}
