/**
 * Layer selection on hand-made score vectors: one-shot lowest scores, best contiguous block,
 * reverse order, the protect_first/protect_last ranges and their errors, and the greedy search
 * against a brute-force replay of its rule. Plus the pure score maps from a hand-made
 * similarity matrix.
 */
import { validateRunConfig, type PruneConfig } from '../../../src/shared/config';
import { describe, expect, it } from 'vitest';
import { bestBlock, greedySearch, lowestScores, protectSpecOf, removableLayers, reverseOrder, type ProtectSpec } from '../../../src/engine/pruning/select';
import { angularDistance, blockInfluence, meanNormalizedAccuracy, streamlineScores } from '../../../src/engine/pruning/scores';

const spec = (numLayers: number, numRemove: number, protectFirst = 1, protectLast = 0): ProtectSpec => ({ numLayers, numRemove, protectFirst, protectLast });

describe('removable layers and their errors', () => {
  it('is [protect_first, L − protect_last)', () => {
    expect(removableLayers(spec(6, 1))).toEqual([1, 2, 3, 4, 5]);
    expect(removableLayers(spec(6, 2, 2, 1))).toEqual([2, 3, 4]);
    expect(removableLayers(spec(6, 1, 0, 0))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('names num_layers when too many are asked for', () => {
    expect(() => removableLayers(spec(4, 4, 0, 0))).toThrow(/^num_layers: expected fewer layers to remove than the model has \(4\), got 4/);
    expect(() => removableLayers(spec(4, 3, 1, 1))).toThrow(/^num_layers: expected at most 2 .*protect_first 1 and protect_last 1 keep 2 of them\), got 3/);
  });

  it('names protect_first and protect_last when nothing is removable', () => {
    expect(() => removableLayers(spec(4, 1, 2, 2))).toThrow(/protect_first \(2\) and protect_last \(2\) protect all 4 layers/);
    expect(() => removableLayers(spec(4, 1, 5, 0))).toThrow(/nothing is removable/);
  });
});

describe('reverse order', () => {
  it('removes the last n unprotected layers, deepest first', () => {
    expect(reverseOrder(spec(8, 3, 1, 0))).toEqual([7, 6, 5]);
    expect(reverseOrder(spec(8, 3, 1, 2))).toEqual([5, 4, 3]);
    expect(reverseOrder(spec(4, 3, 1, 0))).toEqual([3, 2, 1]);
    expect(() => reverseOrder(spec(4, 3, 1, 1))).toThrow(/^num_layers/);
  });
});

describe('one-shot lowest scores (block influence, ppl)', () => {
  it('takes the lowest allowed scores in increasing order', () => {
    //                 0     1    2    3     4    5
    const bi = [0.01, 0.5, 0.2, 0.05, 0.3, 0.9];
    // layer 0 has the lowest score but is protected
    expect(lowestScores(bi, spec(6, 2))).toEqual([3, 2]);
    expect(lowestScores(bi, spec(6, 2, 0))).toEqual([0, 3]);
    // protect_last 3 leaves 1, 2 → both
    expect(lowestScores(bi, spec(6, 2, 1, 3))).toEqual([2, 1]);
  });

  it('breaks ties towards the larger index', () => {
    expect(lowestScores([0, 0.1, 0.1, 0.1, 0.4], spec(5, 2))).toEqual([3, 2]);
  });

  it('refuses a wrong-length or non-finite vector', () => {
    expect(() => lowestScores([0.1, 0.2], spec(3, 1))).toThrow(/expected 3 layer scores/);
    expect(() => lowestScores([0.1, Number.NaN, 0.2], spec(3, 1))).toThrow(/no finite score for index 1/);
  });
});

describe('best contiguous block (angular distance, streamline)', () => {
  it('picks the start with the min (or max) score among blocks inside the removable range', () => {
    // L = 6, n = 2: starts 0…4
    const d = [0.05, 0.3, 0.2, 0.25, 0.1];
    expect(bestBlock(d, 'min', spec(6, 2))).toEqual([5, 4]); // start 0 is protected → start 4
    expect(bestBlock(d, 'min', spec(6, 2, 0))).toEqual([1, 0]);
    // protect_last 1: starts 1…3 → min at 2
    expect(bestBlock(d, 'min', spec(6, 2, 1, 1))).toEqual([3, 2]);
    expect(bestBlock(d, 'max', spec(6, 2))).toEqual([2, 1]);
  });

  it('breaks ties towards the deeper block and needs one score per start', () => {
    expect(bestBlock([0.1, 0.1, 0.1], 'min', spec(4, 2, 0))).toEqual([3, 2]);
    expect(() => bestBlock([0.1, 0.1], 'min', spec(4, 2))).toThrow(/expected 3 block scores/);
  });
});

describe('greedy search (sleb, iterative_task)', () => {
  // A non-additive score: removing layer c after S costs w[c] + 0.3·|S ∩ {c−1, c+1}| (neighbours interact).
  const w = [9, 0.5, 0.4, 0.45, 0.41, 0.6];
  const cost = (removed: readonly number[], c: number) => w[c]! + 0.3 * removed.filter((r) => Math.abs(r - c) === 1).length + 0.01 * removed.length;

  it('removes the best candidate each iteration, rescoring with the layers removed so far', async () => {
    const calls: [number[], number][] = [];
    const r = await greedySearch(spec(6, 3), 'min', async (removed, c) => {
      calls.push([[...removed], c]);
      return cost(removed, c);
    });
    // Replay of the rule by hand: iteration 1 → 2 (0.4); iteration 2: 4 costs 0.41+0.01, 3 costs 0.45+0.3+0.01 → 4;
    // iteration 3: 1 costs 0.5+0.3+0.02, 3 costs 0.45+0.6+0.02, 5 costs 0.6+0.3+0.02 → 1.
    expect(r!.order).toEqual([2, 4, 1]);
    expect(r!.iterations.map((it) => Object.keys(it.scores).map(Number))).toEqual([
      [1, 2, 3, 4, 5],
      [1, 3, 4, 5],
      [1, 3, 5],
    ]);
    expect(calls).toHaveLength(5 + 4 + 3);
    expect(r!.iterations[1]!.scores[3]).toBeCloseTo(0.45 + 0.3 + 0.01, 12);
  });

  it('maximises in max mode, ties → larger index, and stops when the score says cancelled', async () => {
    const r = await greedySearch(spec(5, 2), 'max', async (_removed, c) => (c === 1 || c === 3 ? 1 : 0.5));
    expect(r!.order).toEqual([3, 1]);
    const cancelled = await greedySearch(spec(5, 2), 'max', async (removed) => (removed.length ? null : 1));
    expect(cancelled).toBeNull();
  });
});

describe('scores from a similarity matrix', () => {
  // 3 layers → hidden states 0…3
  const sim = [
    [1, 0.9, 0.5, 0.2],
    [0.9, 1, 0.8, 0.4],
    [0.5, 0.8, 1, 0.95],
    [0.2, 0.4, 0.95, 1],
  ];
  it('block influence is 1 − cos of consecutive states', () => {
    const bi = blockInfluence(sim);
    [0.1, 0.2, 0.05].forEach((v, i) => expect(bi[i]).toBeCloseTo(v, 12));
  });
  it('streamline is 0.5 + 0.5·cos(h_j, h_{j+n}) per start; angular reads the (l, l+n) entry', () => {
    const s = streamlineScores(sim, 2);
    expect(s).toHaveLength(2);
    expect(s[0]).toBeCloseTo(0.75, 12);
    expect(s[1]).toBeCloseTo(0.7, 12);
    expect(angularDistance(sim, 1)).toEqual([0.9, 0.8, 0.95]);
    expect(() => streamlineScores(sim, 4)).toThrow(/block size 4/);
  });
  it('mean normalized accuracy skips tasks the base model scores 0 on', () => {
    expect(meanNormalizedAccuracy({ a: 0.4, b: 0.1, c: 0.3 }, { a: 0.8, b: 0, c: 0.3 })).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(meanNormalizedAccuracy({ a: 0.4 }, { a: 0 })).toBeNull();
  });
});

describe('protected layers from the config', () => {
  const parsed = (extra: Record<string, unknown>) => {
    const v = validateRunConfig({ kind: 'prune', model: 'm', ...extra });
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    return v.config as PruneConfig;
  };
  it("SLEB keeps the last layer unless protect_last says otherwise (SLEB's latter barrier, §7.2)", () => {
    const s = protectSpecOf(parsed({ method: 'sleb', num_layers: 2 }), 6);
    expect(s).toEqual({ numLayers: 6, numRemove: 2, protectFirst: 1, protectLast: 1 });
    expect(removableLayers(s)).toEqual([1, 2, 3, 4]);
    expect(protectSpecOf(parsed({ method: 'sleb', protect_last: 0 }), 6).protectLast).toBe(0);
    // the other methods keep their default 0 (reverse_order removes the deepest layers by design)
    expect(protectSpecOf(parsed({ method: 'reverse_order' }), 6).protectLast).toBe(0);
    expect(protectSpecOf(parsed({ method: 'block_influence', protect_last: 2 }), 6).protectLast).toBe(2);
  });
});
