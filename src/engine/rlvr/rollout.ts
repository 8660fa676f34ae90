/**
 * One generation batch of GRPO (ALGORITHMS.md §1.1): draw prompts from the task mixture's
 * train split, sample G completions of each with the current policy (seeded), score each with
 * its task's verifier (the `reward` field), and lay the batch out as the training rows the
 * policy graph reads:
 *
 *   input_ids  <bos> prompt completion pad…        (right-padded to seqLen)
 *   target_ids the token each position predicts    (input shifted by one)
 *   mask       1 where the target is a completion token (the EOS that ended it included)
 *
 * A completion is truncated when it hit max_completion_length without an EOS (§1.5); with
 * mask_truncated_completions its mask row is zeroed (its reward still counts in the group).
 */
import type { MixtureStream } from '../data/batches';
import { generateFromIds, type GenerateOptions, type GeneratedSample } from '../generate/generate';
import type { InferenceModel } from '../generate/inferenceModel';
import { getTask, type Example } from '../tasks';

export interface PromptItem {
  example: Example;
  /** Token ids as generation and training see them (`encodePrompt(prompt, responsePrefix)`). */
  ids: number[];
  /** Text the verifier sees before the completion (failure-prefix conditioning with reward_text prefix_and_continuation, §3); default none. */
  rewardPrefix?: string;
  /** The prompt as sample rows show it (a conditioned prompt: original prompt + prefix); default example.prompt. */
  shownPrompt?: string;
}

export interface Completion {
  /** Index of its prompt in the batch (its group). */
  group: number;
  text: string;
  /** Generated ids, the ending EOS included. */
  tokens: number[];
  /** Ended by the length limit, not by EOS (§1.5). */
  truncated: boolean;
  /** The verifier's reward; NaN when the verifier could not score it. */
  reward: number;
  correct: boolean;
  errorClass: string | null;
}

export interface SamplingSpec {
  numGenerations: number;
  maxCompletionLength: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
}

/**
 * The next `count` examples of the stream whose encoded prompt has at most `maxPromptTokens`
 * tokens; longer ones are skipped (counted), as cutting a puzzle or a word problem would change it.
 */
export function drawPrompts(stream: MixtureStream, count: number, encode: (text: string) => number[], maxPromptTokens: number): { items: PromptItem[]; skipped: number } {
  const items: PromptItem[] = [];
  let skipped = 0;
  while (items.length < count) {
    const example = stream.next();
    const ids = encode(example.prompt);
    if (ids.length <= maxPromptTokens) items.push({ example, ids });
    else if (++skipped > 50 * count) {
      throw new Error(`max_prompt_length: ${maxPromptTokens} tokens is shorter than almost every prompt of these tasks (skipped ${skipped}); raise it or set 0 (automatic)`);
    }
  }
  return { items, skipped };
}

/**
 * `model.sample` from already-encoded prompts (with the model's inference settings): what is
 * sampled is then exactly what the rows train on, including a failure prefix encoded as the start
 * of the answer (`encodePrompt(prompt, responsePrefix)`; under a chat template it follows the
 * assistant opening, not the user turn).
 */
export function sampleFromIds(model: InferenceModel, ids: readonly (readonly number[])[], o: GenerateOptions): Promise<GeneratedSample[][]> {
  const inf = model.inference;
  return generateFromIds(model, ids, { batchSize: inf.batchSize, path: inf.path, fitToLimit: inf.fitToLimit, ...o });
}

/** Sample G completions per prompt with `model` (its weights of the moment) and score them. */
export async function sampleCompletions(model: InferenceModel, prompts: readonly PromptItem[], s: SamplingSpec, onVerifyError?: (message: string) => void): Promise<Completion[]> {
  const generated = await sampleFromIds(model, prompts.map((p) => p.ids), {
    maxNewTokens: s.maxCompletionLength,
    numSamples: s.numGenerations,
    seed: s.seed,
    temperature: s.temperature,
    topP: s.topP,
    topK: s.topK,
  });
  const out: Completion[] = [];
  generated.forEach((samples, group) => {
    const example = prompts[group]!.example;
    const rewardPrefix = prompts[group]!.rewardPrefix ?? '';
    const task = getTask(example.task);
    for (const g of samples) {
      let reward = Number.NaN;
      let correct = false;
      let errorClass: string | null = null;
      try {
        const v = task.verify(example, rewardPrefix + g.text);
        reward = Number.isFinite(v.reward) ? v.reward : Number.NaN;
        correct = v.correct;
        errorClass = v.errorClass ?? null;
      } catch (e) {
        onVerifyError?.(`${example.task} could not verify a completion of ${example.id}: ${(e as Error).message}`);
      }
      out.push({ group, text: g.text, tokens: g.tokens, truncated: g.finishReason === 'length', reward, correct, errorClass });
    }
  });
  return out;
}

export interface TrainRows {
  batch: number;
  seqLen: number;
  inputIds: BigInt64Array;
  targetIds: BigInt64Array;
  /** float32 [batch, seqLen] completion mask (zero rows for masked truncated completions). */
  mask: Float32Array;
  /** Tokens each row's mask counts (|o_i|). */
  maskedTokens: number[];
  /** Tokens of each row (prompt + completion), for num_tokens. */
  rowTokens: number[];
}

/**
 * Rows for the policy graph: row i = prompt ids of completion i's group followed by its tokens.
 * `maskRow[i]` false zeroes row i's mask. Each row must fit seqLen tokens.
 */
export function packRows(prompts: readonly (readonly number[])[], completions: readonly Completion[], seqLen: number, padId: number, maskRow: readonly boolean[]): TrainRows {
  const B = completions.length;
  const inputIds = new BigInt64Array(B * seqLen).fill(BigInt(padId));
  const targetIds = new BigInt64Array(B * seqLen); // 0 where nothing is scored (masked anyway)
  const mask = new Float32Array(B * seqLen);
  const maskedTokens: number[] = [];
  const rowTokens: number[] = [];
  completions.forEach((c, b) => {
    const p = prompts[c.group]!;
    const ids = [...p, ...c.tokens];
    if (ids.length > seqLen) throw new Error(`rollout: row ${b} has ${ids.length} tokens, more than the ${seqLen} the training graph holds`);
    if (p.length === 0) throw new Error(`rollout: the prompt of row ${b} has no tokens`);
    ids.forEach((id, t) => {
      inputIds[b * seqLen + t] = BigInt(id);
      if (t > 0) targetIds[b * seqLen + t - 1] = BigInt(id);
    });
    let n = 0;
    if (maskRow[b]) {
      // position t predicts ids[t+1]: the completion's tokens are predicted at p−1 … p+c−2
      for (let t = p.length - 1; t < p.length - 1 + c.tokens.length; t++) {
        mask[b * seqLen + t] = 1;
        n++;
      }
    }
    maskedTokens.push(n);
    rowTokens.push(ids.length);
  });
  return { batch: B, seqLen, inputIds, targetIds, mask, maskedTokens, rowTokens };
}

/** Rows start … start+count−1 of `rows` (copies). */
export function sliceRows(rows: TrainRows, start: number, count: number): TrainRows {
  if (start < 0 || count < 1 || start + count > rows.batch) throw new Error(`rollout: rows ${start}…${start + count - 1} are outside a batch of ${rows.batch}`);
  const T = rows.seqLen;
  return {
    batch: count,
    seqLen: T,
    inputIds: rows.inputIds.slice(start * T, (start + count) * T),
    targetIds: rows.targetIds.slice(start * T, (start + count) * T),
    mask: rows.mask.slice(start * T, (start + count) * T),
    maskedTokens: rows.maskedTokens.slice(start, start + count),
    rowTokens: rows.rowTokens.slice(start, start + count),
  };
}
