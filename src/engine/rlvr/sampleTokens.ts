/**
 * Per-token data of a logged GRPO completion for the samples viewer's token heat
 * (src/shared/sampleQuery.ts TOKEN_HEAT_FIELDS), one value per completion token, in order (the
 * ending EOS included, as the completion's `tokens`):
 *
 *   token_text       each token's text (decoded alone)
 *   token_logprob    log π_old(token) — the scoring pass the loss trains against (temperature-
 *                    scaled logits, ALGORITHMS.md §1.1), summing to the completion's log-prob
 *   token_advantage  advantage × token weight (THR's 1 + p·sign(THR), else 1), 0 on tokens the
 *                    loss does not see (a masked truncated completion)
 *   token_entropy    the policy's entropy at the token, when the scorer computed it (THR on)
 *
 * Row layout (rollout.ts packRows): completion token j of row i is predicted at position
 * promptLength − 1 + j.
 */
import type { GenerationBatch } from './generationBatch';

export interface SampleTokenData extends Record<string, unknown> {
  token_text: string[];
  token_logprob: number[];
  token_advantage: number[];
  token_entropy?: number[];
}

export function completionTokenData(b: GenerationBatch, row: number, tokenText: (id: number) => string): SampleTokenData {
  const c = b.completions[row]!;
  const T = b.rows.seqLen;
  const start = row * T + b.prompts[c.group]!.ids.length - 1;
  const at = (j: number) => start + j;
  const adv = b.advantages[row]!;
  const out: SampleTokenData = {
    token_text: c.tokens.map(tokenText),
    token_logprob: c.tokens.map((_, j) => b.oldLogprobs[at(j)]!),
    token_advantage: c.tokens.map((_, j) => (b.rows.mask[at(j)] ? adv * b.tokenWeights[at(j)]! : 0)),
  };
  if (b.thr) out.token_entropy = c.tokens.map((_, j) => b.thr!.entropy[at(j)]!);
  return out;
}
