/**
 * A short grpo run with failure-prefix conditioning on the built-in model (Knights & Knaves, 2–3
 * people, solved about half the time, so a low saturation threshold finds "saturated" problems):
 * the pool is built at step 0 and refreshed at step 2 (§3.4), the construction metrics are logged
 * at both and are consistent with each other, and conditioned batches train on prompts that
 * extend a task prompt and carry their reward metric. The built-in model's K&K completion IS the
 * answer ("a+ b-"), so a prefix cuts the answer itself and the continuation alone never verifies:
 * the run scores prefix + continuation (reward_text prefix_and_continuation).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-fp-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

describe('grpo with failure_prefix on the built-in model', () => {
  it('builds, refreshes and trains on conditioned prompts; the metrics exist', async () => {
    const r = recordingContext(
      {
        kind: 'grpo',
        seed: 5,
        model: 'builtin:benchtop-tiny',
        tasks: [{ task: 'knights_knaves', options: { people: [2, 3] } }],
        num_generations: 4,
        prompts_per_step: 2,
        max_completion_length: 16,
        failure_prefix: { enabled: true, problems: 6, samples_per_problem: 8, saturation_threshold: 0.25, probe_samples: 4, refresh_every: 2, reward_text: 'prefix_and_continuation' },
        training: { max_steps: 3, learning_rate: 1e-4 },
        eval_examples: 4,
        completions_to_log: 4,
      },
      t.dir,
    );
    await runGrpo(r.ctx);
    const byStep = new Map<number, Record<string, number>>();
    for (const m of r.metrics) byStep.set(m.step, { ...byStep.get(m.step), ...m.values });
    for (const s of [1, 3]) {
      const m = byStep.get(s)!;
      for (const k of ['problems_probed', 'saturated_problems', 'solved_all_problems', 'failures_collected', 'prompts', 'mean_prefix_tokens', 'mean_prefix_fraction', 'too_long', 'conditioned']) {
        expect(Number.isFinite(m[`failure_prefix/${k}`]), `step ${s} failure_prefix/${k}`).toBe(true);
      }
      expect(m['failure_prefix/problems_probed']).toBe(6);
      expect(m['failure_prefix/saturated_problems']! + m['failure_prefix/solved_all_problems']!).toBeLessThanOrEqual(6);
      // one failure per saturated problem, one chosen prefix per failure (probe on)
      expect(m['failure_prefix/failures_collected']).toBe(m['failure_prefix/saturated_problems']);
      expect(m['failure_prefix/prompts']).toBeLessThanOrEqual(m['failure_prefix/failures_collected']!);
      console.log(`step ${s}: ${JSON.stringify(Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('failure_prefix/'))))}`);
    }
    expect(byStep.get(2)!['failure_prefix/saturated_problems']).toBeUndefined(); // no rebuild at step 1
    const m1 = byStep.get(1)!;
    if (m1['failure_prefix/prompts']! - m1['failure_prefix/too_long']! > 0) {
      expect(m1['failure_prefix/conditioned']).toBe(1);
      expect(Number.isFinite(m1['failure_prefix/conditioned_reward'])).toBe(true);
      expect(m1['failure_prefix/conditioned_reward']).toBeCloseTo(m1.reward!, 6);
      expect(m1['failure_prefix/mean_prefix_tokens']).toBeGreaterThanOrEqual(1);
      const fr = m1['failure_prefix/mean_prefix_fraction']!;
      expect(fr > 0 && fr < 1).toBe(true);
      // the logged prompts of step 1 are task prompts followed by a prefix
      const s1 = r.samples.filter((x) => x.step === 1);
      expect(s1.length).toBeGreaterThan(0);
      for (const x of s1) expect(x.prompt).toMatch(/\S/);
    } else {
      expect(m1['failure_prefix/conditioned']).toBe(0);
    }
    expect(Number.isFinite(byStep.get(3)!.loss)).toBe(true);
  });
});
