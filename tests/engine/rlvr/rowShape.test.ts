/**
 * The automatic prompt limit with failure-prefix conditioning, and the run-log notice of an empty
 * pool (decision 0044): with max_prompt_length 0 the limit was the longest PLAIN prompt, so every
 * conditioned prompt (problem + part of an answer) was dropped as too long and only the
 * failure_prefix/too_long metric said so (decision 0039, preset (b) v2/v3).
 */
import { describe, expect, it } from 'vitest';
import { grpoConfigSchema } from '../../../src/shared/config/grpo';
import { poolBuildNotice, rowShape } from '../../../src/engine/rlvr/rowShape';
import { conditionedItems } from '../../../src/engine/rlvr/prefixPool';
import type { ConditionedPrompt } from '../../../src/engine/rlvr/failurePrefix';

// one token per character: prompt lengths are counted by hand
const encode = (t: string) => [...t].map((c) => c.charCodeAt(0));
const tasks = [{ task: 'brackets', weight: 1, options: { min_pairs: 2, max_pairs: 2 } }];
const cfgOf = (over: Record<string, unknown>) => grpoConfigSchema.parse({ kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'brackets' }], max_completion_length: 40, ...over });
const noLog = () => {};

describe('automatic max_prompt_length with failure-prefix conditioning', () => {
  it('keeps room for the longest prefix: floor(max fraction · completion length) + 2 tokens', () => {
    const plain = rowShape(cfgOf({}), tasks, encode, 256, 'test', noLog);
    const logs: string[] = [];
    const on = rowShape(cfgOf({ failure_prefix: { enabled: true, prefix_fractions: [0.25, 0.75] } }), tasks, encode, 256, 'test', (_l, t) => logs.push(t));
    // brackets with 2 pairs: the prompt is at most 2·2 − 1 open/close characters + '=' (the cut leaves ≥ 1 to close)
    expect(plain.maxPrompt).toBeLessThanOrEqual(4);
    expect(on.maxPrompt).toBe(plain.maxPrompt + Math.floor(0.75 * 40) + 2);
    expect(on.seqLen).toBe(on.maxPrompt + 40);
    expect(logs.join('\n')).toMatch(/kept for failure prefixes/);
    // a conditioned prompt with the longest possible prefix (0.75 · 40 tokens) now fits
    const cp: ConditionedPrompt = { example: { id: 'b', task: 'brackets', prompt: '([(=', answer: ')])', metadata: {} }, originalPrompt: '([(=', prefixText: ')'.repeat(30), prefixTokens: 30, prefixFraction: 0.75, probeAccuracy: null };
    expect(conditionedItems([cp], (t, p) => encode(t + p), plain.maxPrompt, false).tooLong).toBe(1);
    expect(conditionedItems([cp], (t, p) => encode(t + p), on.maxPrompt, false).tooLong).toBe(0);
  });

  it('an explicit max_prompt_length is kept; the automatic one is still capped by the positions', () => {
    expect(rowShape(cfgOf({ max_prompt_length: 10, failure_prefix: { enabled: true } }), tasks, encode, 256, 'test', noLog).maxPrompt).toBe(10);
    const logs: string[] = [];
    expect(rowShape(cfgOf({ failure_prefix: { enabled: true } }), tasks, encode, 60, 'test', (_l, t) => logs.push(t)).maxPrompt).toBe(20);
    expect(logs.join('\n')).toMatch(/only prompts up to 20 tokens fit/);
  });
});

describe('pool build notice', () => {
  const cfg = cfgOf({ failure_prefix: { enabled: true, problems: 64 } });
  it('warns when every conditioned prompt was dropped as too long', () => {
    const n = poolBuildNotice({ 'failure_prefix/prompts': 32, 'failure_prefix/too_long': 32, 'failure_prefix/saturated_problems': 20 }, 0, cfg, 18);
    expect(n).toHaveLength(1);
    expect(n[0]!.level).toBe('warn');
    expect(n[0]!.message).toMatch(/all 32 conditioned prompts are longer than the automatic max_prompt_length \(18 tokens\).*nothing is conditioned/);
  });
  it('says "none saturated" only when nothing was built, and warns about partial drops', () => {
    expect(poolBuildNotice({ 'failure_prefix/prompts': 0, 'failure_prefix/too_long': 0 }, 0, cfg, 18)[0]!.message).toMatch(/none of 64 problems is saturated/);
    const n = poolBuildNotice({ 'failure_prefix/prompts': 10, 'failure_prefix/too_long': 3, 'failure_prefix/saturated_problems': 8 }, 7, cfg, 18);
    expect(n.map((x) => x.level)).toEqual(['info', 'warn']);
    expect(n[1]!.message).toMatch(/3 of 10 conditioned prompts are longer/);
    expect(poolBuildNotice({ 'failure_prefix/prompts': 10, 'failure_prefix/too_long': 0, 'failure_prefix/saturated_problems': 8 }, 10, cfg, 18)).toHaveLength(1);
  });
});

describe('grpo run on the built-in model: conditioned prompts dropped as too long are warned about', () => {
  it('brackets, max_prompt_length at the plain prompts: the run log names the drop', async () => {
    const { runGrpo } = await import('../../../src/engine/rlvr/run');
    const { recordingContext, tempDir } = await import('../runs/recordingContext');
    const { clearSessionCache } = await import('../../../src/engine/onnx');
    const t = tempDir('benchtop-fp-toolong-');
    try {
      const r = recordingContext(
        {
          kind: 'grpo',
          seed: 7,
          model: 'builtin:benchtop-tiny',
          tasks: [{ task: 'brackets', options: { min_pairs: 4, max_pairs: 4 } }],
          num_generations: 4,
          prompts_per_step: 2,
          max_completion_length: 12,
          max_prompt_length: 8,
          temperature: 1.5,
          failure_prefix: { enabled: true, problems: 16, samples_per_problem: 8, saturation_threshold: 0.1, probe_samples: 0, prefix_fractions: [0.75] },
          training: { max_steps: 1, learning_rate: 1e-5 },
          eval_examples: 2,
        },
        t.dir,
      );
      await runGrpo(r.ctx);
      const m = r.metrics.find((x) => 'failure_prefix/too_long' in x.values)!.values;
      console.log(JSON.stringify(m));
      expect(m['failure_prefix/too_long']).toBeGreaterThan(0);
      const warns = r.logs.filter((l) => l.level === 'warn').map((l) => l.text);
      expect(warns.some((w) => /conditioned prompts are longer than max_prompt_length 8/.test(w)), warns.join('\n')).toBe(true);
    } finally {
      t.cleanup();
      await clearSessionCache();
    }
  });
});
