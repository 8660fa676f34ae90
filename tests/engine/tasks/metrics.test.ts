import { describe, expect, it } from 'vitest';
import {
  accuracy,
  accuracyBy,
  breakdown,
  choiceAccuracy,
  choicePrediction,
  errorClassCounts,
  majAtK,
  majAtKEstimate,
  majorityVote,
  meanPassAtK,
  passAtK,
  type Scored,
} from '../../../src/engine/tasks/metrics';

function* subsets(n: number, k: number, start = 0): Generator<number[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= n - k; i++) for (const rest of subsets(n, k - 1, i + 1)) yield [i, ...rest];
}

describe('pass@k (ALGORITHMS.md §5.1)', () => {
  it('equals the share of k-subsets holding a correct sample, for every n ≤ 8, c, k', () => {
    for (let n = 1; n <= 8; n++) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) {
          // samples 0..c-1 correct
          let hit = 0;
          let total = 0;
          for (const s of subsets(n, k)) {
            total++;
            if (s.some((i) => i < c)) hit++;
          }
          expect(passAtK(n, c, k)).toBeCloseTo(hit / total, 12);
        }
      }
    }
  });
  it('k = 1 is c/n; stable for large n', () => {
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 14);
    // 1 − C(900,100)/C(1000,100) via log-gamma-free recurrence of ratios, computed another way:
    let ratio = 1;
    for (let i = 0; i < 100; i++) ratio *= (900 - i) / (1000 - i);
    expect(passAtK(1000, 100, 100)).toBeCloseTo(1 - ratio, 12);
    expect(Number.isFinite(passAtK(2000, 1, 1000))).toBe(true);
    expect(passAtK(2000, 1, 1000)).toBeCloseTo(0.5, 12);
  });
  it('rejects impossible inputs', () => {
    expect(() => passAtK(4, 5, 1)).toThrow(/c \(correct samples\) must be ≤ n/);
    expect(() => passAtK(4, 1, 5)).toThrow(/k ≤ n/);
    expect(() => passAtK(4, 1, 0)).toThrow(/k must be a whole number ≥ 1/);
  });
  it('averages over problems', () => {
    expect(meanPassAtK([{ n: 4, c: 0 }, { n: 4, c: 4 }], 2)).toBe(0.5);
    expect(meanPassAtK([], 1)).toBeNull();
  });
});

describe('maj@k', () => {
  it('votes over the first k parsed answers, ties to the first seen, nulls abstain', () => {
    expect(majorityVote(['3', '5', '5', '3', '3'], 3)).toBe('5');
    expect(majorityVote(['3', '5', '5', '3', '3'], 5)).toBe('3');
    expect(majorityVote(['7', '5', null, null], 4)).toBe('7');
    expect(majorityVote([null, null], 2)).toBeNull();
    expect(majAtK(['1', '2', '2'], '2', 3)).toBe(true);
    expect(majAtK(['1', '2', '2'], '2', 1)).toBe(false);
    expect(() => majorityVote(['1'], 2)).toThrow(/k ≤ 1/);
  });
});

describe('accuracy and breakdowns', () => {
  const recs: Scored[] = [
    { correct: true, metadata: { digits: 1, ood: false } },
    { correct: true, metadata: { digits: 2, ood: false } },
    { correct: false, metadata: { digits: 2, ood: false }, errorClass: 'wrong_answer' },
    { correct: false, metadata: { digits: 10, ood: true }, errorClass: 'no_number' },
    { correct: false, metadata: {}, errorClass: 'wrong_answer' },
  ];
  it('groups by knob value (numeric order), counts error classes', () => {
    expect(accuracy(recs)).toEqual({ count: 5, correct: 2, accuracy: 0.4 });
    expect(accuracyBy(recs, 'digits')).toEqual({
      '1': { count: 1, correct: 1, accuracy: 1 },
      '2': { count: 2, correct: 1, accuracy: 0.5 },
      '10': { count: 1, correct: 0, accuracy: 0 },
      '(none)': { count: 1, correct: 0, accuracy: 0 },
    });
    expect(Object.keys(accuracyBy(recs, 'digits'))).toEqual(['1', '2', '10', '(none)']);
    expect(breakdown(recs, ['ood']).ood!.true).toEqual({ count: 1, correct: 0, accuracy: 0 });
    expect(errorClassCounts(recs)).toEqual({ correct: 2, wrong_answer: 2, no_number: 1 });
    expect(accuracy([])).toEqual({ count: 0, correct: 0, accuracy: null });
  });
});

describe('choice log-likelihood accuracy', () => {
  it('sum vs length-normalised scoring', () => {
    // choice 0: 1 token, logp −2; choice 1: 4 tokens, logp −4 (−1 per token)
    expect(choicePrediction([-2, -4], 'sum')).toBe(0);
    expect(choicePrediction([-2, -4], 'length_normalized', [1, 4])).toBe(1);
    expect(choicePrediction([-1, -1, -3])).toBe(0); // tie → lower index
    expect(choicePrediction([-Infinity, -5])).toBe(1);
    expect(() => choicePrediction([-1, -2], 'length_normalized')).toThrow(/one length per choice/);
    expect(() => choicePrediction([NaN, -2])).toThrow(/NaN/);
  });
  it('accuracy over items', () => {
    const items = [
      { logprobs: [-2, -4], lengths: [1, 4], label: 1 },
      { logprobs: [-1, -3], lengths: [1, 1], label: 0 },
      { logprobs: [-5, -1], lengths: [2, 2], label: 0 },
    ];
    expect(choiceAccuracy(items, 'sum')).toEqual({ count: 3, correct: 1, accuracy: 1 / 3, predictions: [0, 0, 1] });
    expect(choiceAccuracy(items, 'length_normalized')).toEqual({ count: 3, correct: 2, accuracy: 2 / 3, predictions: [1, 0, 1] });
  });
});

describe('maj@k over all samples (majAtKEstimate)', () => {
  /** Brute force: every k-subset, majority with 1/m credit on an m-way tie for the top. */
  function brute(answers: (string | null)[], gold: string, k: number): number {
    let sum = 0;
    let total = 0;
    for (const s of subsets(answers.length, k)) {
      total++;
      const counts = new Map<string, number>();
      for (const i of s) if (answers[i] !== null) counts.set(answers[i]!, (counts.get(answers[i]!) ?? 0) + 1);
      const top = Math.max(0, ...counts.values());
      const leaders = [...counts].filter(([, c]) => c === top);
      if (top > 0 && leaders.some(([a]) => a === gold)) sum += 1 / leaders.length;
    }
    return sum / total;
  }
  it('equals the brute-force mean over every k-subset (random answer lists, nulls, ties)', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['a', 'b', 'c', 'd', null];
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(rand() * 9);
      const answers = Array.from({ length: n }, () => alphabet[Math.floor(rand() * (2 + (trial % 4)))]!);
      for (let k = 1; k <= n; k++) {
        for (const gold of ['a', 'b']) expect(majAtKEstimate(answers, gold, k), `${JSON.stringify(answers)} k ${k} gold ${gold}`).toBeCloseTo(brute(answers, gold, k), 12);
      }
    }
  });
  it('hand-worked: k = 1 is the gold share; k = n with a 2-way tie is ½; stable at n = 400', () => {
    expect(majAtKEstimate(['a', 'b', 'a', null], 'a', 1)).toBeCloseTo(0.5, 14);
    expect(majAtKEstimate(['a', 'b', 'a', 'b'], 'a', 4)).toBeCloseTo(0.5, 14);
    expect(majAtKEstimate(['a', 'b', 'b'], 'c', 2)).toBe(0);
    // 400 samples, 240 'a' and 160 'b', k = 399: 'a' leads in every subset
    const big = [...Array(240).fill('a'), ...Array(160).fill('b')] as string[];
    expect(majAtKEstimate(big, 'a', 399)).toBeCloseTo(1, 12);
    expect(majAtKEstimate(big, 'b', 399)).toBeCloseTo(0, 12);
  });
});
