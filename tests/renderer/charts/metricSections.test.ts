import { describe, expect, it } from 'vitest';
import { sectionMetricKeys, sectionOf, summaryOf } from '../../../src/renderer/src/charts/metricSections';
import { isFractionKey, tooltipText, zoomedRange } from '../../../src/renderer/src/charts/lineChart';

describe('metric sections', () => {
  it('sorts the GRPO keys into the TRL/verl sections', () => {
    const keys = ['loss', 'grad_norm', 'kl', 'entropy', 'clip_ratio/low_mean', 'reward', 'reward_std', 'rewards/gsm8k/mean', 'frac_reward_zero_std',
      'accuracy', 'groups/solve_all', 'completions/mean_length', 'logprob/pos_mean', 'llds/loss', 'step_time', 'num_tokens', 'system/cpu_percent',
      'eval/gsm8k/accuracy', 'failure_prefix/prompts', 'learning_rate', 'mystery'];
    const secs = sectionMetricKeys(keys);
    expect(secs.map((s) => s.id)).toEqual(['reward', 'policy', 'lengths', 'likelihood', 'throughput', 'evaluation', 'prefix:failure_prefix', 'other']);
    expect(secs.find((s) => s.id === 'policy')!.keys).toEqual(['clip_ratio/low_mean', 'entropy', 'grad_norm', 'kl', 'learning_rate', 'loss']);
    expect(secs.find((s) => s.id === 'reward')!.keys).toEqual(['accuracy', 'frac_reward_zero_std', 'groups/solve_all', 'reward', 'reward_std', 'rewards/gsm8k/mean']);
    expect(secs.find((s) => s.id === 'likelihood')!.keys).toEqual(['llds/loss', 'logprob/pos_mean']);
    expect(secs.find((s) => s.id === 'throughput')!.title).toBe('Throughput and time');
    expect(sectionMetricKeys(['loss'], { policyTitle: 'Training' })[0].title).toBe('Training');
    expect(sectionOf('loss/eval')).toBe('policy');
  });

  it('summarises single-point and constant series, not varying or empty ones', () => {
    expect(summaryOf({ key: 'a', steps: [5], values: [2], downsampled: false })).toEqual({ key: 'a', value: 2, firstStep: 5, lastStep: 5, points: 1 });
    expect(summaryOf({ key: 'b', steps: [1, 2, 3, 4], values: [7, NaN, 7, 7], downsampled: false })).toEqual({ key: 'b', value: 7, firstStep: 1, lastStep: 4, points: 3 });
    expect(summaryOf({ key: 'c', steps: [1, 2], values: [7, 7.0001], downsampled: false })).toBeNull();
    expect(summaryOf({ key: 'd', steps: [1], values: [NaN], downsampled: false })).toBeNull();
  });
});

describe('chart details', () => {
  it('knows which keys are fractions (axis capped at 1)', () => {
    for (const k of ['accuracy', 'eval/gsm8k/accuracy', 'eval/gsm8k/pass@1', 'clip_ratio/high_max', 'completions/clipped_ratio', 'frac_reward_zero_std', 'llds/gated_fraction'])
      expect(isFractionKey(k), k).toBe(true);
    for (const k of ['loss', 'reward', 'completions/mean_length', 'accuracy_gap/x']) expect(isFractionKey(k), k).toBe(false);
  });

  it('writes whole steps without decimals and lists raw and smoothed values', () => {
    const html = tooltipText([
      { seriesName: 'loss (raw)', value: [80, 1.25], marker: '' },
      { seriesName: 'loss', value: [80, 1.5], marker: '' },
    ], 'step');
    expect(html).toContain('step 80<');
    expect(html).not.toContain('80.00');
    expect(html).toMatch(/loss \(raw\) <b>1\.25/);
    expect(html).toMatch(/loss <b>1\.5/);
    expect(tooltipText([{ seriesName: '<b>x', value: [1, 1] }], 'step')).toContain('&lt;b&gt;x');
  });

  it('zooms around the pointer on Ctrl + wheel and stays inside the data', () => {
    // In at the middle: width 100 → 80, centred on 50.
    expect(zoomedRange(0, 100, 0.5, -1)).toEqual({ start: 10, end: 90 });
    // In at a quarter of [20, 60]: the step under the pointer (30) stays under it.
    const r = zoomedRange(20, 60, 0.25, -1);
    expect(r.end - r.start).toBeCloseTo(32, 12);
    expect(r.start + 0.25 * (r.end - r.start)).toBeCloseTo(30, 12);
    // Out from the whole range stays the whole range; out near an edge is clamped.
    expect(zoomedRange(0, 100, 0.9, 1)).toEqual({ start: 0, end: 100 });
    const e = zoomedRange(70, 100, 1, 1);
    expect(e.end).toBe(100);
    expect(e.end - e.start).toBeCloseTo(37.5, 12);
  });
});
