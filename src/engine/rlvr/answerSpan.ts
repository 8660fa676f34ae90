/**
 * LLDS-MA (ALGORITHMS.md §2.2, Eq. 5): the final-answer span of a completion gets weight
 * `answer_weight` in the LLDS penalty, every other token 1. The span = the completion's tokens
 * from the task's answer marker on. Tasks declare no marker in their interface, so the markers
 * are listed here, mirroring where each verifier reads the answer; a task not listed (or a
 * completion without its marker) has no span, and LLDS-MA is off for it.
 */

/** Character index where the answer starts in `text`, or −1. */
export type AnswerMarker = (text: string) => number;

/** tasks/numbers.ts extractAnswerNumber: the number after the LAST "answer:", "answer is", "####", "\boxed{". */
const NUMBER_MARKER = /answer\s*(?:is\s*)?[:=]?|####|\\boxed\{/gi;
const lastNumberMarker: AnswerMarker = (text) => {
  let at = -1;
  for (const m of text.matchAll(NUMBER_MARKER)) at = m.index!;
  return at;
};

export const ANSWER_MARKERS: Readonly<Record<string, AnswerMarker>> = {
  // knightsKnaves/verify.ts answerRegion: inside <answer> tags, else after the last "CONCLUSION:"
  knights_knaves: (text) => {
    const tag = text.indexOf('<answer>');
    return tag >= 0 ? tag : text.lastIndexOf('CONCLUSION:');
  },
  arithmetic: lastNumberMarker,
  word_problems: lastNumberMarker,
};

export function hasAnswerMarker(task: string): boolean {
  return task in ANSWER_MARKERS;
}

/**
 * Index of the first completion token whose text reaches the marker (the token holding its
 * first character), or −1 when the task has no marker or the completion does not contain it.
 * `decode` turns a token prefix into text the way the completion's `text` was made.
 */
export function answerSpanStart(task: string, text: string, tokens: readonly number[], decode: (ids: readonly number[]) => string): number {
  const marker = ANSWER_MARKERS[task];
  if (!marker) return -1;
  const at = marker(text);
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
