/**
 * The generation-batch metrics (§1.8 names) on a hand-made batch, the clip extremes over
 * completions, the logging window's means, and masked rows for mask_truncated_completions (§1.5).
 */
import { describe, expect, it } from 'vitest';
import { groupAdvantages, passAtKAdvantages } from '../../../src/engine/rlvr/advantages';
import * as ort from 'onnxruntime-node';
import { clipExtremes, MetricWindow, policyMonitorMetrics, rolloutMetrics } from '../../../src/engine/rlvr/metrics';
import { POLICY_OUTPUTS } from '../../../src/engine/rlvr/policyLoss';
import { packRows, type Completion } from '../../../src/engine/rlvr/rollout';

const c = (group: number, n: number, reward: number, truncated = false): Completion => ({
  group, text: '', tokens: Array.from({ length: n }, (_, i) => i + 1), truncated, reward, correct: reward === 1, errorClass: null,
});

describe('GRPO metrics', () => {
  it('rollout metrics of two groups of 3, one all right', () => {
    // group 0 (task a): rewards 1, 0, 0; lengths 2, 5 (truncated), 3
    // group 1 (task b): rewards 1, 1, 1; lengths 4, 4, 6 (truncated)
    const comps = [c(0, 2, 1), c(0, 5, 0, true), c(0, 3, 0), c(1, 4, 1), c(1, 4, 1), c(1, 6, 1, true)];
    const adv = groupAdvantages(comps.map((x) => x.reward), 3, 'group');
    const m = rolloutMetrics(comps, adv, (x) => (x.group === 0 ? 'a' : 'b'), 3);
    expect(m['completions/mean_length']).toBeCloseTo(24 / 6, 12);
    expect(m['completions/min_length']).toBe(2);
    expect(m['completions/max_length']).toBe(6);
    expect(m['completions/mean_terminated_length']).toBeCloseTo((2 + 3 + 4 + 4) / 4, 12);
    expect(m['completions/max_terminated_length']).toBe(4);
    expect(m['completions/clipped_ratio']).toBeCloseTo(2 / 6, 12);
    expect(m.reward).toBeCloseTo(4 / 6, 12);
    // Bessel std of 1,0,0,1,1,1: mean ⅔, Σ(r−μ)² = 4·(1/9) + 2·(4/9) = 4/3, /5
    expect(m.reward_std).toBeCloseTo(Math.sqrt(4 / 15), 12);
    expect(m['rewards/a/mean']).toBeCloseTo(1 / 3, 12);
    expect(m['rewards/a/std']).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(m['rewards/b/mean']).toBe(1);
    expect(m['rewards/b/std']).toBe(0);
    expect(m.frac_reward_zero_std).toBe(0.5);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m['groups/solve_all']).toBe(0.5);
    expect(m['groups/solve_none']).toBe(0);
  });

  it('frac_advantage_zero counts groups whose trained advantages are all 0 (Pass@k: more than the zero-std groups)', () => {
    // G = 8, k = 4, three groups with 5, 2 and 8 correct. Group 0: n − c = 3 < k, every 4-subset
    // holds a correct sample → Chen's advantages are 0 though its rewards differ. Group 1 has
    // signal; group 2 is all right (zero std). So 1/3 of groups have zero reward std, 2/3 no signal.
    const right = [5, 2, 8];
    const comps = right.flatMap((r, g) => Array.from({ length: 8 }, (_, i) => c(g, 3, i < r ? 1 : 0)));
    const adv = groupAdvantages(comps.map((x) => x.reward), 8, 'group');
    const trained = passAtKAdvantages(comps.map((x) => x.correct), 8, 4);
    const m = rolloutMetrics(comps, adv, () => 't', 8, trained);
    expect(m.frac_reward_zero_std).toBeCloseTo(1 / 3, 12);
    expect(m.frac_advantage_zero).toBeCloseTo(2 / 3, 12);
    // plain GRPO: the two agree
    expect(rolloutMetrics(comps, adv, () => 't', 8, adv.advantages).frac_advantage_zero).toBeCloseTo(1 / 3, 12);
  });

  it('clip extremes skip completions with an empty mask', () => {
    expect(clipExtremes([0.5, 0, 0.25], [0, 0.75, 0.1], [3, 0, 2])).toEqual({ lowMin: 0.25, highMax: 0.1 });
    expect(clipExtremes([0.5], [0.5], [0])).toEqual({ lowMin: 0, highMax: 0 });
  });

  it('the window averages each key over the steps that wrote it', () => {
    const w = new MetricWindow();
    w.add({ loss: 1, reward: 0.5 });
    w.add({ loss: 3, kl: Number.NaN });
    expect(w.flush()).toEqual({ loss: 2, reward: 0.5 });
    expect(w.flush()).toEqual({});
  });

  it('LLD monitors every step, LLDS values only with LLDS on; NaN (no A > 0 completion) is left out of the window', () => {
    const s = (v: number) => new ort.Tensor('float32', Float32Array.from([v]), []);
    const o = { [POLICY_OUTPUTS.logprobPosMean]: s(Number.NaN), [POLICY_OUTPUTS.logprobNegMean]: s(-2.5), [POLICY_OUTPUTS.lldsLoss]: s(0.25), [POLICY_OUTPUTS.lldsGatedFraction]: s(0.5) };
    expect(Object.keys(policyMonitorMetrics(o, false)).sort()).toEqual(['logprob/neg_mean', 'logprob/pos_mean']);
    const m = policyMonitorMetrics(o, true);
    expect(m).toMatchObject({ 'logprob/neg_mean': -2.5, 'llds/loss': 0.25, 'llds/gated_fraction': 0.5 });
    const w = new MetricWindow();
    w.add(m);
    expect(w.flush()).toEqual({ 'logprob/neg_mean': -2.5, 'llds/loss': 0.25, 'llds/gated_fraction': 0.5 });
  });

  it('masked rows (mask_truncated_completions) keep their tokens but count nothing', () => {
    const rows = packRows([[1, 2]], [c(0, 3, 1), c(0, 2, 0, true)], 6, 0, [true, false]);
    expect(rows.maskedTokens).toEqual([3, 0]);
    expect(Array.from(rows.mask)).toEqual([0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(rows.inputIds.slice(6), Number)).toEqual([1, 2, 1, 2, 0, 0]);
    expect(rows.rowTokens).toEqual([5, 4]);
    expect(() => packRows([[1, 2]], [c(0, 5, 1)], 6, 0, [true])).toThrow(/7 tokens, more than the 6/);
  });
});
