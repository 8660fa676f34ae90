/**
 * LLDS-MA (ALGORITHMS.md §2.2, Eq. 5): the final-answer span of a completion gets weight
 * `answer_weight` in the LLDS penalty, every other token 1. The span = the completion's tokens
 * from where the task's verifier starts reading the answer (Task.answerStart) on; a task without
 * one (or a completion without its marker) has no span, and LLDS-MA is off for it.
 */
import { getTask, hasTask } from '../tasks';

/** Whether the task declares where its answer starts (built-in tasks only; imported sets read whole responses). */
export function hasAnswerMarker(task: string): boolean {
  return hasTask(task) && typeof getTask(task).answerStart === 'function';
}

/**
 * Index of the first completion token whose text reaches the marker (the token holding its
 * first character), or −1 when the task has no marker or the completion does not contain it.
 * `decode` turns a token prefix into text the way the completion's `text` was made.
 */
export function answerSpanStart(task: string, text: string, tokens: readonly number[], decode: (ids: readonly number[]) => string): number {
  if (!hasAnswerMarker(task)) return -1;
  const at = getTask(task).answerStart!(text);
  if (at < 0) return -1;
  for (let k = 0; k < tokens.length; k++) if (decode(tokens.slice(0, k + 1)).length > at) return k;
  return -1;
}

/**
 * The head's `llds_weights` [B, T]: `answerWeight` at the positions predicting the answer span's
 * tokens (row b's completion token j is predicted at position promptLength_b − 1 + j), 1 elsewhere.
 */
export function lldsAnswerWeights(
  rows: { batch: number; seqLen: number },
  completions: readonly { tokens: readonly number[]; text: string; task: string; promptLength: number }[],
  answerWeight: number,
  decode: (ids: readonly number[]) => string,
): Float32Array {
  const w = new Float32Array(rows.batch * rows.seqLen).fill(1);
  if (answerWeight === 1) return w;
  completions.forEach((c, b) => {
    const start = answerSpanStart(c.task, c.text, c.tokens, decode);
    if (start < 0) return;
    for (let j = start; j < c.tokens.length; j++) w[b * rows.seqLen + c.promptLength - 1 + j] = answerWeight;
  });
  return w;
}
