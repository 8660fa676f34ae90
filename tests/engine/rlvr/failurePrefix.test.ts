/**
 * Failure-prefix construction (ALGORITHMS.md §3.2) on a hand-made policy and verifier: tokens are
 * characters, so every cut is checkable by hand. Problems (threshold 0.75, 8 samples each):
 *   A  7/8 correct → saturated; its failure "abcdefghij" (10 tokens) → cuts 2, 5, 7
 *   B  8/8         → solved every time, not saturated (no failure to condition on)
 *   C  5/8         → below threshold
 *   D  6/8         → saturated exactly at the threshold; failures "pqrst" then "uvwxyz"
 * Probe accuracies (continuing from prompt + prefix): A:ab 7/8, A:abcde 4/8, A:abcdefg 1/8,
 * D:p 6/8, D:pq 2/8 (tie with D:p at |acc − 0.5| = 0.25 → the shorter wins), D:pqr 0/8.
 */
import { describe, expect, it } from 'vitest';
import { buildFailurePrefixPrompts, failurePrefixMetrics, prefixCuts, type FailurePrefixSpec, type PrefixSampler } from '../../../src/engine/rlvr/failurePrefix';
import type { Example } from '../../../src/engine/tasks';

const ex = (name: string): Example => ({ id: `fake:${name}`, task: 'fake', prompt: `${name}:`, answer: '=1', metadata: {} });
const problems = ['A', 'B', 'C', 'D'].map(ex);

const ok = (n: number) => Array.from({ length: n }, (_, i) => `s${i}=1`);
/** Responses per prompt text, in sampling order. */
const table: Record<string, string[]> = {
  'A:': [...ok(3), 'abcdefghij', ...ok(4)],
  'B:': ok(8),
  'C:': [...ok(5), 'w', 'w', 'w'],
  'D:': ['pqrst', ...ok(3), 'uvwxyz', ...ok(3)],
};
const probeCorrect: Record<string, number> = { 'A:ab': 7, 'A:abcde': 4, 'A:abcdefg': 1, 'D:p': 6, 'D:pq': 2, 'D:pqr': 0 };

function fakeSampler(calls: { prompts: string[]; n: number }[]): PrefixSampler {
  return {
    // a character-level policy: the answer's given start simply follows the prompt text
    async sample(original, n, _seed, prefixes) {
      const prompts = original.map((p, i) => p + (prefixes?.[i] ?? ''));
      calls.push({ prompts, n });
      return prompts.map((p) => {
        const texts = table[p] ?? Array.from({ length: n }, (_, i) => (i < probeCorrect[p]! ? 'x=1' : 'x=0'));
        expect(texts).toHaveLength(n);
        return texts.map((text) => ({ text, tokens: [...text].map((c) => c.charCodeAt(0)) }));
      });
    },
    decode: (ids) => String.fromCharCode(...ids),
  };
}
const isCorrect = (e: Example, text: string) => text.endsWith(e.answer);
const spec: FailurePrefixSpec = { samplesPerProblem: 8, saturationThreshold: 0.75, failuresPerProblem: 1, prefixFractions: [0.25, 0.5, 0.75], targetAccuracy: 0.5, probeSamples: 8, rewardWithPrefix: false };

describe('prefixCuts', () => {
  it('cuts at floor(f·L) token boundaries, clamped to 1…L−1 and deduplicated', () => {
    expect(prefixCuts(10, [0.25, 0.5, 0.75])).toEqual([2, 5, 7]);
    expect(prefixCuts(5, [0.1, 0.25, 0.99])).toEqual([1, 4]); // 0.5→0→1, 1.25→1, 4.95→4
    expect(prefixCuts(1, [0.5])).toEqual([]);
  });
});

describe('buildFailurePrefixPrompts', () => {
  it('selects saturated problems, keeps the first failure and the prefix closest to the target accuracy', async () => {
    const calls: { prompts: string[]; n: number }[] = [];
    const { prompts, stats } = await buildFailurePrefixPrompts(problems, fakeSampler(calls), isCorrect, spec, 3);
    expect(calls[0]).toEqual({ prompts: ['A:', 'B:', 'C:', 'D:'], n: 8 });
    expect(calls[1]).toEqual({ prompts: ['A:ab', 'A:abcde', 'A:abcdefg', 'D:p', 'D:pq', 'D:pqr'], n: 8 });
    expect(prompts.map((p) => [p.example.id, p.originalPrompt + p.prefixText, p.prefixText, p.prefixTokens, p.probeAccuracy])).toEqual([
      ['fake:A', 'A:abcde', 'abcde', 5, 0.5],
      ['fake:D', 'D:p', 'p', 1, 0.75],
    ]);
    // the example is the problem itself: a verifier that reads the prompt must not see the prefix in it
    expect(prompts.map((p) => p.example)).toEqual([problems[0], problems[3]]);
    expect(prompts[0]!.originalPrompt).toBe('A:');
    expect(prompts[0]!.example.answer).toBe('=1');
    expect(stats).toEqual({ problems: 4, saturated: 2, solvedAll: 1, failures: 2, prompts: 2, meanPrefixTokens: 3, meanPrefixFraction: (5 / 10 + 1 / 5) / 2, meanProbeAccuracy: 0.625, droppedWithoutSignal: 0 });
    expect('failure_prefix/dropped_without_signal' in failurePrefixMetrics(stats)).toBe(false);
    const m = failurePrefixMetrics(stats);
    expect(m['failure_prefix/saturated_problems']).toBe(2);
    expect(m['failure_prefix/mean_probe_accuracy']).toBe(0.625);
  });

  it('without a probe keeps every candidate of every kept failure', async () => {
    const calls: { prompts: string[]; n: number }[] = [];
    const { prompts, stats } = await buildFailurePrefixPrompts(problems, fakeSampler(calls), isCorrect, { ...spec, probeSamples: 0, failuresPerProblem: 2 }, 3);
    expect(calls).toHaveLength(1);
    expect(prompts.map((p) => p.originalPrompt + p.prefixText)).toEqual(['A:ab', 'A:abcde', 'A:abcdefg', 'D:p', 'D:pq', 'D:pqr', 'D:u', 'D:uvw', 'D:uvwx']);
    expect(prompts.every((p) => p.probeAccuracy === null)).toBe(true);
    expect(stats.failures).toBe(3);
    expect(stats.meanPrefixTokens).toBeCloseTo((2 + 5 + 7 + 1 + 2 + 3 + 1 + 3 + 4) / 9, 12);
    expect(Number.isNaN(stats.meanProbeAccuracy)).toBe(true);
    expect('failure_prefix/mean_probe_accuracy' in failurePrefixMetrics(stats)).toBe(false);
  });

  it('drops a problem whose chosen prefix probed at accuracy 0 or 1 only when asked', async () => {
    // τ = 0: A's closest candidate is A:abcdefg (1/8), D's is D:pqr (0/8) — no within-group signal.
    const keep = await buildFailurePrefixPrompts(problems, fakeSampler([]), isCorrect, { ...spec, targetAccuracy: 0 }, 3);
    expect(keep.prompts.map((p) => [p.originalPrompt + p.prefixText, p.probeAccuracy])).toEqual([['A:abcdefg', 0.125], ['D:pqr', 0]]);
    const drop = await buildFailurePrefixPrompts(problems, fakeSampler([]), isCorrect, { ...spec, targetAccuracy: 0, dropWithoutSignal: true }, 3);
    expect(drop.prompts.map((p) => [p.originalPrompt + p.prefixText, p.probeAccuracy])).toEqual([['A:abcdefg', 0.125]]);
    expect(drop.stats).toMatchObject({ prompts: 1, droppedWithoutSignal: 1, meanProbeAccuracy: 0.125 });
    expect(failurePrefixMetrics(drop.stats)['failure_prefix/dropped_without_signal']).toBe(1);
    // τ = 1: A:ab (7/8) and D:p (6/8) are closest; neither is 0 or 1, nothing is dropped.
    const high = await buildFailurePrefixPrompts(problems, fakeSampler([]), isCorrect, { ...spec, targetAccuracy: 1, dropWithoutSignal: true }, 3);
    expect(high.prompts.map((p) => p.originalPrompt + p.prefixText)).toEqual(['A:ab', 'D:p']);
    expect(high.stats.droppedWithoutSignal).toBe(0);
  });

  it('scores prefix + continuation in the probe when asked', async () => {
    const seen: string[] = [];
    const verify = (e: Example, text: string) => (seen.push(text), isCorrect(e, text));
    await buildFailurePrefixPrompts([ex('A')], fakeSampler([]), verify, { ...spec, rewardWithPrefix: true }, 3);
    expect(seen.slice(8)).toContain('abcdex=1');
    expect(seen.slice(8).every((s) => /^ab/.test(s))).toBe(true);
  });
});

describe('failure_prefix config', () => {
  const base = { kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'knights_knaves' }] };
  it('is off by default with the §3.2 defaults, and names bad fields', async () => {
    const { validateRunConfig } = await import('../../../src/shared/config');
    const v = validateRunConfig(base);
    expect(v.ok && v.config.kind === 'grpo' && v.config.failure_prefix).toEqual({
      enabled: false, problems: 64, samples_per_problem: 128, saturation_threshold: 0.945, failures_per_problem: 1,
      prefix_fractions: [0.25, 0.5, 0.75], target_accuracy: 0.5, probe_samples: 16, drop_without_signal: false, reward_text: 'continuation', refresh_every: 0,
    });
    const noProbe = validateRunConfig({ ...base, failure_prefix: { enabled: true, probe_samples: 0, drop_without_signal: true } });
    expect(noProbe.ok ? [] : noProbe.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([expect.stringMatching(/failure_prefix.*drop_without_signal.*probe_samples > 0/)]);
    const bad = validateRunConfig({ ...base, failure_prefix: { enabled: true, prefix_fractions: [0.5, 1] } });
    expect(bad.ok ? [] : bad.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([expect.stringMatching(/failure_prefix.*prefix_fractions.*1.*fractions in \(0, 1\)/)]);
  });
});
