/**
 * LLDS-MA answer spans (ALGORITHMS.md §2.2 Eq. 5): the span starts at the token holding the
 * first character of the task's answer marker; weights land on the positions that predict the
 * span's tokens. Hand-made vocabularies of multi-character tokens, worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { answerSpanStart, hasAnswerMarker, lldsAnswerWeights } from '../../../src/engine/rlvr/answerSpan';

const VOCAB = ['so ', 'A is', ' a knight', ' <ans', 'wer>', '</answer>', 'CONCLUSION:', ' B', 'The answer is', ' 42', ' then', '#### 7'];
const decode = (ids: readonly number[]) => ids.map((i) => VOCAB[i]!).join('');
const textOf = decode;

describe('LLDS-MA answer span', () => {
  it('starts at the token holding the marker’s first character', () => {
    // "so A is a knight <answer>A is a knight</answer>": ' <ans' (token 3) holds '<'
    const kk = [0, 1, 2, 3, 4, 1, 2, 5];
    expect(answerSpanStart('knights_knaves', textOf(kk), kk, decode)).toBe(3);
    // no <answer>: the last CONCLUSION:
    const concl = [6, 7, 0, 6, 1, 2];
    expect(answerSpanStart('knights_knaves', textOf(concl), concl, decode)).toBe(3);
    // numbers tasks: the last of "answer is" / "####"
    const wp = [8, 9, 10, 11];
    expect(answerSpanStart('word_problems', textOf(wp), wp, decode)).toBe(3);
    expect(answerSpanStart('arithmetic', textOf([8, 9]), [8, 9], decode)).toBe(0);
  });

  it('no marker in the text, or a task without one: no span', () => {
    expect(answerSpanStart('knights_knaves', textOf([0, 1, 2]), [0, 1, 2], decode)).toBe(-1);
    expect(answerSpanStart('parity', textOf([8, 9]), [8, 9], decode)).toBe(-1);
    expect(hasAnswerMarker('parity')).toBe(false);
    expect(hasAnswerMarker('knights_knaves')).toBe(true);
  });

  it('weights the positions predicting the span (prompt length p: token j at p − 1 + j), 1 elsewhere', () => {
    const rows = { batch: 2, seqLen: 8 };
    const comps = [
      { tokens: [0, 3, 4, 7], text: textOf([0, 3, 4, 7]), task: 'knights_knaves', promptLength: 3 }, // span = tokens 1..3 → positions 3..5
      { tokens: [0, 1], text: textOf([0, 1]), task: 'knights_knaves', promptLength: 2 }, // no marker
    ];
    const w = Array.from(lldsAnswerWeights(rows, comps, 0.25, decode));
    expect(w.slice(0, 8)).toEqual([1, 1, 1, 0.25, 0.25, 0.25, 1, 1]);
    expect(w.slice(8)).toEqual(Array(8).fill(1));
    expect(Array.from(lldsAnswerWeights(rows, comps, 1, decode))).toEqual(Array(16).fill(1));
  });
});
