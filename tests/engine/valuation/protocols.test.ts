/**
 * §6.3 protocols on scores: the Mann–Whitney AUC against a brute-force count over all
 * positive/negative pairs (ties count ½), recall@k, and the influence, mislabel and selection
 * protocols on hand-built cases whose answers are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/random';
import {
  aucMannWhitney,
  cleanPerValProtocol,
  influenceProtocol,
  meanStd,
  mislabelByClass,
  mislabelProtocol,
  rankDescending,
  recallAtK,
  selectionProtocol,
} from '../../../src/engine/valuation/protocols';

function bruteAuc(scores: number[], pos: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!pos[i]) return;
    scores.forEach((t, j) => {
      if (pos[j]) return;
      pairs++;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('AUC and recall', () => {
  it('Mann–Whitney AUC = brute-force pair count, with ties', () => {
    const rng = createRng(4);
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + rng.nextInt(40);
      const scores = Array.from({ length: n }, () => rng.nextInt(6) - 2); // few values: many ties
      const pos = Array.from({ length: n }, () => rng.nextFloat() < 0.4);
      if (!pos.some(Boolean) || pos.every(Boolean)) {
        expect(aucMannWhitney(scores, pos)).toBeNull();
        continue;
      }
      expect(aucMannWhitney(scores, pos)!).toBeCloseTo(bruteAuc(scores, pos), 12);
      const cont = scores.map(() => rng.normal());
      expect(aucMannWhitney(cont, pos)!).toBeCloseTo(bruteAuc(cont, pos), 12);
    }
  });

  it('hand cases: perfect, reversed, all tied; bad input refused', () => {
    expect(aucMannWhitney([3, 2, 1, 0], [true, true, false, false])).toBe(1);
    expect(aucMannWhitney([0, 1, 2, 3], [true, true, false, false])).toBe(0);
    expect(aucMannWhitney([1, 1, 1], [true, false, false])).toBe(0.5);
    expect(() => aucMannWhitney([1, Number.NaN], [true, false])).toThrow(/score 1 is NaN/);
    expect(() => aucMannWhitney([1, 2], [true])).toThrow(/2 scores but 1 labels/);
  });

  it('recall@k and ranks (ties → lower index first)', () => {
    expect(rankDescending([1, 5, 5, 0])).toEqual([1, 2, 0, 3]);
    expect(recallAtK([0.9, 0.1, 0.8, 0.7], [true, false, false, true], 2)).toBe(0.5);
    expect(recallAtK([0.9, 0.1, 0.8, 0.7], [true, false, false, true], 3)).toBeCloseTo(2 / 3, 12);
    expect(() => recallAtK([1], [true], 0)).toThrow(/k ≥ 1/);
    expect(meanStd([1, 3])).toEqual({ mean: 2, std: 1, count: 2 });
  });
});

describe('protocols', () => {
  // 4 train samples: classes a, a, b, b; 2 validation samples of class a and b.
  const trainClass = ['a', 'a', 'b', 'b'];
  const valClass = ['a', 'b'];

  it('influence: AUC and recall@k (k = same-class count) per validation sample, mean ± std', () => {
    const pw = [
      [5, 4, 1, 0], // a: both a's first → AUC 1, recall 1
      [3, 0, 2, 1], // b: positives 2,1 vs negatives 3,0: pairs (2>3 no, 2>0 yes, 1>3 no, 1>0 yes) → 0.5; top 2 = {0, 2} → recall 0.5
    ];
    const r = influenceProtocol(pw, trainClass, valClass);
    expect(r.perVal).toEqual([
      { auc: 1, recall: 1 },
      { auc: 0.5, recall: 0.5 },
    ]);
    expect(r.auc.mean).toBeCloseTo(0.75, 12);
    expect(r.auc.std).toBeCloseTo(0.25, 12);
    expect(r.recall.mean).toBeCloseTo(0.75, 12);
    expect(r.byClass).toEqual({ a: { auc: 1, recall: 1, count: 1 }, b: { auc: 0.5, recall: 0.5, count: 1 } });
    // A validation class no train sample has is left out of the mean.
    const r2 = influenceProtocol([pw[0]!, [1, 2, 3, 4]], trainClass, ['a', 'c']);
    expect(r2.perVal[1]).toEqual({ auc: null, recall: null });
    expect(r2.auc.count).toBe(1);
  });

  it('mislabel: low value ⇒ mislabeled, recall among the lowest m; per class', () => {
    const values = [0.5, -2, 0.3, -0.1, 1];
    const flags = [false, true, false, true, false];
    // −value: mislabeled 2 and 0.1 vs clean −0.5, −0.3, −1 → all 6 pairs won.
    expect(mislabelProtocol(values, flags)).toEqual({ auc: 1, recall: 1, k: 2 });
    const r = mislabelProtocol([0.5, -2, -0.3, 0.1, 1], flags);
    // lowest two values: −2 (mislabeled), −0.3 (clean) → recall 0.5. −value of the mislabeled: 2 beats
    // all three clean (−0.5, 0.3, −1); −0.1 beats −0.5 and −1 → AUC 5/6.
    expect(r.recall).toBe(0.5);
    expect(r.auc).toBeCloseTo(5 / 6, 12);
    expect(mislabelProtocol(values, [false, false, false, false, false])).toEqual({ auc: null, recall: null, k: 0 });
    expect(mislabelByClass(values, flags, ['a', 'a', 'b', 'b', 'b'])).toEqual({ a: 1, b: 1 });
    expect(mislabelByClass(values, flags, ['a', 'b', 'a', 'c', 'c'])).toEqual({ c: 1 });
  });

  it('clean-per-validation (the paper’s variant): positives = same class and clean', () => {
    const pw = [
      [5, 4, 1, 0],
      [0, 1, 3, 2],
    ];
    const flags = [false, true, false, false];
    // val a: positive only train 0 (5) vs 4, 1, 0 → 1. val b: positives 2 (3), 3 (2) vs 0, 1 → 1.
    expect(cleanPerValProtocol(pw, trainClass, valClass, flags)).toEqual({ mean: 1, std: 0, count: 2 });
    // flagging train 0 leaves val a without a positive: left out.
    expect(cleanPerValProtocol(pw, trainClass, valClass, [true, true, false, false]).count).toBe(1);
  });

  it('selection: top ceil(ratio·n) by value, share clean vs the whole set', () => {
    const values = [0.1, 0.9, 0.5, 0.7, 0.3, 0.2, 0.0, 0.4, 0.6, 0.8];
    const flags = [false, true, false, false, false, false, true, false, false, false];
    const r = selectionProtocol(values, flags, 0.3); // top 3: 0.9 (mislabeled), 0.8, 0.7
    expect(r.selected).toEqual([1, 9, 3]);
    expect(r.cleanRatio).toBeCloseTo(2 / 3, 12);
    expect(r.baseline).toBeCloseTo(0.8, 12);
    expect(selectionProtocol(values, flags, 0.01).selected).toEqual([1]);
    expect(selectionProtocol(values, flags, 0.1).selected).toEqual([1]);
    expect(selectionProtocol(values, flags, 1).selected.length).toBe(10);
  });
});
