/**
 * The data of a `value` run: counts shared by weight, examples drawn per task with errors naming
 * the config entry, and the mislabeling — exactly round(ratio·n) examples, each judged wrong by
 * its own task's verifier, choice labels flipped to another choice, a trailing number changed in
 * one digit, otherwise another example's answer; deterministic in the seed.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/random';
import { getTask, formatExample } from '../../../src/engine/tasks';
import { cleanItems, corruptTrailingNumber, drawExamples, mislabel, splitCounts } from '../../../src/engine/valuation/data';

const TASKS = [
  { task: 'arithmetic', weight: 1, options: { min_digits: 1, max_digits: 3, ood_digits: 0, pad_operands: true, scratchpad: 'columns' } },
  { task: 'brackets_classify', weight: 1 },
  { task: 'compare', weight: 1, options: { max_digits: 3 } },
  { task: 'brackets', weight: 1, options: { max_pairs: 5 } },
];

describe('value run data', () => {
  it('splitCounts shares a total by weight (largest remainder) and always adds up', () => {
    expect(splitCounts([1, 1, 1], 200)).toEqual([67, 67, 66]);
    expect(splitCounts([2, 1], 10)).toEqual([7, 3]);
    expect(splitCounts([1, 3], 2)).toEqual([1, 1]); // remainders tie (½, ½): the earlier entry wins
    expect(splitCounts([1, 4], 3)).toEqual([1, 2]);
    const rng = createRng(2);
    for (let i = 0; i < 100; i++) {
      const w = Array.from({ length: 1 + rng.nextInt(6) }, () => 0.1 + rng.nextFloat() * 3);
      const total = rng.nextInt(500);
      const c = splitCounts(w, total);
      expect(c.reduce((a, b) => a + b, 0)).toBe(total);
      const sum = w.reduce((a, b) => a + b, 0);
      c.forEach((k, j) => expect(Math.abs(k - (total * w[j]!) / sum)).toBeLessThan(1));
    }
  });

  it('draws each task’s share of the split; errors name the config entry', () => {
    const ex = drawExamples(TASKS.slice(0, 3), 10, 'test', 3, 'val.tasks');
    expect(ex.map((e) => e.task)).toEqual([...Array(4).fill('arithmetic'), ...Array(3).fill('brackets_classify'), ...Array(3).fill('compare')]);
    expect(() => drawExamples([{ task: 'arithmetic', weight: 1 }, { task: 'compare', weight: 1 }], 1, 'train', 0, 'train.tasks')).toThrow(/^train.tasks\[1\]: task 'compare' gets no examples out of 1/);
    expect(() => drawExamples([{ task: 'arithmetic', weight: 1, options: { max_digits: 0 } }], 2, 'train', 0, 'train.tasks')).toThrow(/^train.tasks\[0\]: arithmetic: option 'max_digits'/);
  });

  it('mislabels round(ratio·n) examples, each wrong by its task’s verifier, the rest untouched', () => {
    const clean = cleanItems(drawExamples(TASKS, 80, 'train', 5, 'train.tasks'));
    const out = mislabel(clean, 0.25, 9);
    expect(out.filter((o) => o.mislabeled).length).toBe(20);
    const kinds = new Set<string>();
    out.forEach((o, i) => {
      const c = clean[i]!;
      expect(o.prompt).toBe(c.prompt);
      if (!o.mislabeled) {
        expect(o.completion).toBe(c.completion);
        expect(o.corruption).toBeNull();
        return;
      }
      kinds.add(`${o.task}:${o.corruption}`);
      expect(o.originalCompletion).toBe(c.completion);
      expect(o.completion).not.toBe(c.completion);
      // the corrupted example formats to the corrupted completion, and the task's own verifier
      // (reading the untouched example) calls it wrong
      expect(formatExample(o.example).completion).toBe(o.completion);
      expect(getTask(o.task).verify(c.example, o.completion).correct, `${o.task}: ${c.completion} → ${o.completion}`).toBe(false);
      if (o.corruption === 'label_flip') {
        expect(o.example.label).not.toBe(c.example.label);
        expect(o.example.choices![o.example.label!]).toBe(o.completion);
      }
      if (o.corruption === 'number') {
        // one digit of the final number changed, everything before it kept
        const diff = [...o.completion].map((ch, k) => (ch === c.completion[k] ? 0 : 1)).reduce<number>((a, b) => a + b, 0);
        expect(o.completion.length).toBe(c.completion.length);
        expect(diff).toBe(1);
        expect(o.completion.slice(0, c.completion.lastIndexOf(' '))).toBe(c.completion.slice(0, c.completion.lastIndexOf(' ')));
      }
      if (o.corruption === 'swap') expect(clean.some((x) => x.task === o.task && x.completion === o.completion)).toBe(true);
    });
    expect(kinds).toEqual(new Set(['arithmetic:number', 'brackets_classify:label_flip', 'compare:label_flip', 'brackets:swap']));
    // deterministic in the seed; another seed picks other examples
    expect(mislabel(clean, 0.25, 9)).toEqual(out);
    const other = mislabel(clean, 0.25, 10);
    expect(other.map((o) => o.mislabeled)).not.toEqual(out.map((o) => o.mislabeled));
    expect(mislabel(clean, 0, 9).some((o) => o.mislabeled)).toBe(false);
  });

  it('refuses a ratio it cannot meet', () => {
    // Every example of a single-answer task is identical in answer: nothing to swap in.
    const same = cleanItems(drawExamples([{ task: 'brackets', weight: 1, options: { max_pairs: 1, types: ['()'] } }], 3, 'train', 0, 'train.tasks'));
    expect(new Set(same.map((s) => s.completion)).size).toBe(1);
    expect(() => mislabel(same, 0.5, 0)).toThrow(/^mislabel_ratio: only 0 of the 3 train examples can be given a wrong answer, 2 asked for/);
  });

  it('corruptTrailingNumber changes one digit, never a leading digit to 0', () => {
    const rng = createRng(1);
    for (let i = 0; i < 200; i++) {
      const s = corruptTrailingNumber('x=1,answer: 50', rng)!;
      expect(s).toMatch(/^x=1,answer: [1-9]\d$/);
      expect(s).not.toBe('x=1,answer: 50');
      expect(corruptTrailingNumber('7', rng)).toMatch(/^[0-689]$/);
    }
    expect(corruptTrailingNumber('no number', rng)).toBeNull();
  });
});
