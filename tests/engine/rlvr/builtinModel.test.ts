/**
 * A short grpo run on the built-in model (benchtop-tiny, Knights & Knaves with 2–3 people, which
 * it solves about half the time, so rewards vary within groups): LoRA adapters, a KL term to the
 * frozen base (beta ≠ 0) and two iterations per generation batch (so the second step trains with
 * ratio ≠ 1) with LLDS on. Every metric of docs/dev/GRPO-CONTRACT.md is written and finite, rewards are the
 * binary verifier's, the KL is 0 before the first update and positive after, sample rows carry
 * advantages, and the HF folder and the PEFT adapter are saved. Prints the reward curve.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-builtin-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

/** Keys every logged step carries (the contract's per-step metrics with beta ≠ 0). */
const STEP_KEYS = [
  'loss', 'grad_norm', 'learning_rate', 'entropy', 'kl', 'num_tokens', 'step_time',
  'clip_ratio/low_mean', 'clip_ratio/high_mean', 'clip_ratio/region_mean', 'clip_ratio/low_min', 'clip_ratio/high_max',
  'llds/loss', 'llds/gated_fraction',
];
/** Keys of the steps that generated a batch. */
const BATCH_KEYS = [
  'reward', 'reward_std', 'frac_reward_zero_std', 'accuracy', 'rewards/knights_knaves/mean', 'rewards/knights_knaves/std',
  'completions/mean_length', 'completions/min_length', 'completions/max_length', 'completions/clipped_ratio',
  'completions/mean_terminated_length', 'completions/min_terminated_length', 'completions/max_terminated_length',
  'groups/solve_all', 'groups/solve_none',
];

describe('grpo on the built-in model', () => {
  it('runs with LoRA, beta, LLDS and two iterations per batch; every contract metric is finite', async () => {
    const steps = 8;
    const r = recordingContext(
      {
        kind: 'grpo',
        seed: 11,
        model: 'builtin:benchtop-tiny',
        tasks: [{ task: 'knights_knaves', options: { people: [2, 3] } }],
        num_generations: 8,
        prompts_per_step: 4,
        max_completion_length: 16,
        beta: 0.04,
        epsilon_high: 0.28,
        num_iterations: 2,
        llds: { enabled: true, answer_weight: 0.5 },
        lora: { enabled: true, r: 8, alpha: 16, target_modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
        training: { max_steps: steps, learning_rate: 1e-3, eval_every: 4 },
        eval_examples: 16,
        completions_to_log: 8,
      },
      t.dir,
    );
    await runGrpo(r.ctx);
    const byStep = new Map<number, Record<string, number>>();
    for (const m of r.metrics) byStep.set(m.step, { ...byStep.get(m.step), ...m.values });
    for (let s = 1; s <= steps; s++) {
      const m = byStep.get(s)!;
      const keys = s % 2 === 1 ? [...STEP_KEYS, ...BATCH_KEYS] : STEP_KEYS; // a new batch every 2 steps
      for (const k of keys) expect(Number.isFinite(m[k]), `step ${s}: ${k} = ${m[k]}`).toBe(true);
    }
    // LLDS: Δ = 0 on a batch's first step (π_old is the policy of the moment), so L_LLDS ≈ 0 there
    for (let s = 1; s <= steps; s += 2) expect(byStep.get(s)!['llds/loss'], `step ${s}`).toBeLessThan(1e-5);
    for (const k of ['logprob/pos_mean', 'logprob/neg_mean']) {
      const v = r.series(k);
      expect(v.length, k).toBeGreaterThan(0); // NaN (no such completion) is left out of a window
      for (const [, x] of v) expect(x).toBeLessThan(0);
    }
    console.log(`llds/loss: ${r.series('llds/loss').map(([s, v]) => `${s}:${v.toExponential(2)}`).join(' ')}`);
    for (const s of [0, 4, 8]) expect(Number.isFinite(byStep.get(s)!['eval/knights_knaves/accuracy']), `eval at step ${s}`).toBe(true);
    const reward = r.series('reward');
    console.log(`built-in K&K reward (sampled, per generation batch): ${reward.map(([s, v]) => `${s}:${v.toFixed(3)}`).join(' ')}`);
    console.log(`built-in K&K greedy eval accuracy: ${r.series('eval/knights_knaves/accuracy').map(([s, v]) => `${s}:${v.toFixed(3)}`).join(' ')}`);
    console.log(`kl: ${r.series('kl').map(([s, v]) => `${s}:${v.toExponential(2)}`).join(' ')}; step_time: ${r.series('step_time').map(([, v]) => v.toFixed(2)).join(' ')} s`);
    // binary verifier: accuracy is the mean reward, each within [0, 1]
    for (const [s, v] of reward) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(byStep.get(s)!.accuracy).toBeCloseTo(v, 12);
    }
    // the LoRA policy starts as the frozen reference (B = 0) and leaves it after the first update
    const kl = r.series('kl');
    expect(kl[0]![1]).toBeLessThan(1e-6);
    expect(kl[kl.length - 1]![1]).toBeGreaterThan(0);
    expect(r.samples.length).toBe(8 * (steps / 2));
    expect(r.samples.every((s) => typeof s.extra?.advantage === 'number' && Number.isFinite(s.extra.advantage as number))).toBe(true);
    expect(r.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['model', 'lora-adapter']));
    expect(r.progress.at(-1)).toMatchObject({ step: steps, total: steps, phase: 'train' });
  });
});
