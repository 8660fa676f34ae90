import { describe, expect, it } from 'vitest';
import { arithmeticTask, columnsWork } from '../../../src/engine/tasks/arithmetic';

/** Independent check: let JavaScript evaluate the prompt as a BigInt expression (its own precedence rules). */
function jsValue(prompt: string): bigint {
  const expr = prompt.slice(0, -1).replace(/\d+/g, (m) => `${BigInt(m)}n`);
  return new Function(`return (${expr});`)() as bigint;
}

describe('arithmetic generator', () => {
  it('gold answers equal an independent evaluation, for all operators and several operands', () => {
    const opts = { ops: ['+', '-', '*'], max_operands: 4, max_digits: 5, ood_digits: 3 };
    for (const split of ['train', 'test'] as const) {
      for (const e of arithmeticTask.generate(split, 300, 11, opts)) {
        expect(e.prompt).toMatch(/^\d+([+\-*]\d+)+=$/);
        expect(BigInt(e.answer)).toBe(jsValue(e.prompt));
      }
    }
  });

  it('train stays within max_digits; test adds ood examples beyond it, flagged', () => {
    const opts = { max_digits: 3, ood_digits: 2 };
    const longest = (p: string) => Math.max(...p.slice(0, -1).split(/[+\-*]/).map((s) => s.length));
    const train = arithmeticTask.generate('train', 500, 1, opts);
    expect(train.every((e) => longest(e.prompt) <= 3 && e.metadata.ood === false)).toBe(true);
    const test = arithmeticTask.generate('test', 400, 1, opts);
    for (const e of test) {
      expect(e.metadata.ood).toBe(longest(e.prompt) > 3);
      expect(e.metadata.digits).toBe(longest(e.prompt));
    }
    const ood = test.filter((e) => e.metadata.ood).length;
    expect(ood).toBeGreaterThan(100);
    expect(ood).toBeLessThan(400);
    expect(new Set(test.map((e) => e.metadata.digits))).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  it('allow_negative: false keeps results ≥ 0', () => {
    const es = arithmeticTask.generate('train', 300, 2, { ops: ['-'], allow_negative: false, max_operands: 3 });
    expect(es.every((e) => !e.answer.startsWith('-'))).toBe(true);
    const withNeg = arithmeticTask.generate('train', 300, 2, { ops: ['-'] });
    expect(withNeg.some((e) => e.answer.startsWith('-'))).toBe(true);
  });

  it('rejects bad options with the option named', () => {
    expect(() => arithmeticTask.generate('train', 5, 0, { ops: ['/'] })).toThrow(/option 'ops': expected a non-empty list of \+, -, \*/);
    expect(() => arithmeticTask.generate('train', 5, 0, { min_digits: 4, max_digits: 2 })).toThrow(/option 'min_digits'.*min_digits ≤ max_digits/);
    expect(() => arithmeticTask.generate('train', 5, 0, { max_digit: 2 })).toThrow(/option 'max_digit': unknown option; expected one of ops, min_digits/);
  });

  it('columns scratchpad: worked column by column (hand-worked), verified on the number after "answer:"', () => {
    expect(columnsWork(848n, 779n, 3)).toBe('8+9+0=17,4+7+1=12,8+7+1=16,answer: 1627');
    expect(columnsWork(5n, 7n, 3)).toBe('5+7+0=12,0+0+1=01,0+0+0=00,answer: 12');
    expect(columnsWork(999n, 1n, 2)).toBe('9+1+0=10,9+0+1=10,9+0+1=10,answer: 1000');
    const ex = arithmeticTask.generate('train', 200, 7, { pad_operands: true, scratchpad: 'columns', ood_digits: 0 });
    for (const e of ex) {
      expect(e.prompt).toMatch(/^\d{3}\+\d{3}=$/); // every operand padded to max_digits (3)
      const [a, b] = e.prompt.slice(0, -1).split('+').map((t) => BigInt(t)) as [bigint, bigint];
      // Each column's digits and two-digit sum re-derived here; the last line states a+b.
      const cols = e.answer.split(',');
      expect(cols.at(-1)).toBe(`answer: ${a + b}`);
      let carry = 0;
      cols.slice(0, -1).forEach((c, i) => {
        const x = Number((a / 10n ** BigInt(i)) % 10n);
        const y = Number((b / 10n ** BigInt(i)) % 10n);
        expect(c).toBe(`${x}+${y}+${carry}=${String(x + y + carry).padStart(2, '0')}`);
        carry = x + y + carry >= 10 ? 1 : 0;
      });
      expect(arithmeticTask.verify(e, e.answer).correct).toBe(true);
    }
    const e = ex[0]!;
    const wrongSum = e.answer.replace(/answer: (\d+)$/, (_, n: string) => `answer: ${BigInt(n) + 1n}`);
    expect(arithmeticTask.verify(e, wrongSum)).toMatchObject({ correct: false, errorClass: 'wrong_answer' });
    // Right columns, no final answer: the first number read is a digit of the work, not the sum.
    expect(arithmeticTask.verify(e, e.answer.replace(/,answer: \d+$/, '')).correct).toBe(false);
    expect(arithmeticTask.verify(e, `${e.answer} and then 5+5=10`).correct).toBe(true);
    // ood test operands set their own (wider) width
    const test = arithmeticTask.generate('test', 60, 7, { pad_operands: true, scratchpad: 'columns', ood_digits: 1 });
    expect(test.some((t) => /^\d{4}\+\d{4}=$/.test(t.prompt) && t.metadata.ood === true)).toBe(true);
    expect(() => arithmeticTask.generate('train', 5, 0, { ops: ['+', '-'], scratchpad: 'columns' })).toThrow(/option 'scratchpad': 'columns' works out two-operand addition/);
  });
});

