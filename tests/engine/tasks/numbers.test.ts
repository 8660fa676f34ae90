import { describe, expect, it } from 'vitest';
import { arithmeticTask, verifyNumberAnswer } from '../../../src/engine/tasks/arithmetic';
import { extractAnswerNumber, findNumbers, lastAnswerMarkerStart } from '../../../src/engine/tasks/numbers';
import { getTask } from '../../../src/engine/tasks';
import { ratToString } from '../../../src/engine/tasks/rational';
import type { Example } from '../../../src/engine/tasks/types';

const ex = (prompt: string, answer: string): Example => ({ id: 't', task: 'arithmetic', prompt, answer, metadata: {} });

describe('number extraction', () => {
  it('reads thousands commas, signs and decimals', () => {
    expect(findNumbers('total 1,234,567 and -5 and 2.50').map((f) => ratToString(f.value))).toEqual(['1234567', '-5', '5/2']);
  });
  it('treats a minus after an operand as binary, not a sign', () => {
    expect(findNumbers('5-3').map((f) => ratToString(f.value))).toEqual(['5', '3']);
    expect(findNumbers('(2) - 3').map((f) => ratToString(f.value))).toEqual(['2', '3']);
    expect(findNumbers('= -3').map((f) => ratToString(f.value))).toEqual(['-3']);
  });
  it('prefers the number after the last answer marker', () => {
    expect(ratToString(extractAnswerNumber('3*4=12 so answer: 15 (maybe 16)', 'last')!.value)).toBe('15');
    expect(ratToString(extractAnswerNumber('#### 1,200', 'first')!.value)).toBe('1200');
    expect(ratToString(extractAnswerNumber('\\boxed{42}', 'first')!.value)).toBe('42');
  });
  it('falls back to first or last', () => {
    expect(ratToString(extractAnswerNumber('357\n12+3=15', 'first')!.value)).toBe('357');
    expect(ratToString(extractAnswerNumber('5*12=60. 23+60=83', 'last')!.value)).toBe('83');
    expect(extractAnswerNumber('no digits here', 'first')).toBeNull();
  });
  it('does not read digits glued to words', () => {
    expect(findNumbers('a1 b22 c')).toEqual([]);
  });
});

describe('arithmetic verifier', () => {
  const e = ex('12+345=', '357');
  const cases: [string, boolean][] = [
    ['357', true],
    [' 357', true],
    ['357\n', true],
    ['357 and then some text', true],
    ['357\n4+4=8', true],
    ['answer: 357', true],
    ['Answer:357', true],
    ['0357', true],
    ['357.0', true],
    ['358', false],
    ['3570', false],
    ['35', false],
    ['357.5', false],
    ['-357', false],
  ];
  for (const [resp, ok] of cases) {
    it(`${JSON.stringify(resp)} → ${ok}`, () => expect(arithmeticTask.verify(e, resp).correct).toBe(ok));
  }
  it('handles thousands separators', () => {
    const big = ex('999+235=', '1234');
    expect(arithmeticTask.verify(big, '1,234').correct).toBe(true);
    expect(arithmeticTask.verify(big, '1234').correct).toBe(true);
    expect(arithmeticTask.verify(big, '1,235').correct).toBe(false);
    expect(arithmeticTask.verify(ex('1000000+0=', '1000000'), '1,000,000').correct).toBe(true);
  });
  it('handles negative results of subtraction', () => {
    const neg = ex('12-345=', '-333');
    expect(arithmeticTask.verify(neg, '-333').correct).toBe(true);
    expect(arithmeticTask.verify(neg, ' -333').correct).toBe(true);
    expect(arithmeticTask.verify(neg, 'answer: -333').correct).toBe(true);
    expect(arithmeticTask.verify(neg, '− 333').correct).toBe(true);
    expect(arithmeticTask.verify(neg, '333').correct).toBe(false);
  });
  it('classifies failures', () => {
    expect(arithmeticTask.verify(e, 'no idea')).toMatchObject({ correct: false, reward: 0, errorClass: 'no_number' });
    expect(arithmeticTask.verify(e, '356')).toMatchObject({ correct: false, reward: 0, errorClass: 'wrong_answer', parsed: '356' });
    expect(arithmeticTask.verify(e, '357')).toMatchObject({ correct: true, reward: 1, parsed: '357' });
  });
  it('compares exactly beyond 2^53', () => {
    expect(verifyNumberAnswer('123456789012345678901', '123,456,789,012,345,678,901', 'first').correct).toBe(true);
    expect(verifyNumberAnswer('123456789012345678901', '123456789012345678900', 'first').correct).toBe(false);
  });
});

describe('where the answer starts (Task.answerStart, used for answer spans)', () => {
  it('is the last marker the number reader uses; −1 without one', () => {
    const r = '3+4=7. answer: 7, no wait, the answer is 8 and then more';
    expect(lastAnswerMarkerStart(r)).toBe(r.indexOf('answer is'));
    expect(extractAnswerNumber(r, 'first')!.start).toBeGreaterThan(lastAnswerMarkerStart(r));
    expect(lastAnswerMarkerStart('357')).toBe(-1);
    expect(getTask('word_problems').answerStart!('8+3=11. answer: 11')).toBe(8);
    expect(getTask('knights_knaves').answerStart!('<think>x</think>\n<answer> a is a knight </answer>')).toBe(17);
    expect(getTask('parity').answerStart).toBeUndefined();
  });
});

