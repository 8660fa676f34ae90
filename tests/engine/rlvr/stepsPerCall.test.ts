/**
 * `training.steps_per_call` in a grpo run (decision 0036): with two optimizer steps per
 * generation batch (steps_per_generation 4, gradient_accumulation_steps 2), training both steps
 * of a batch in one onnxruntime call logs the same loss, gradient norm, KL and clip ratios at
 * every step as one call per step, and the next batch's rollouts (sampled from the updated
 * policy) earn the same rewards. beta 0: with a KL term, a window whose advantages are all 0 has a
 * gradient that is exactly 0 only if the training graph's log-probs equal the reference scorer's
 * bit for bit; inside the Loop they agree to rounding (~1e-7), and Adam turns a 1e-9 gradient
 * into a full-size step (m/√v), so such a step is not reproducible across the two paths
 * (decision 0036).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-steps-per-call-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

describe('grpo training.steps_per_call', () => {
  it('2 steps per call train as 1 step per call', async () => {
    const run = async (stepsPerCall: number) => {
      const r = recordingContext(
        {
          kind: 'grpo',
          seed: 6,
          model: 'builtin:benchtop-tiny',
          tasks: [{ task: 'knights_knaves', options: { people: [2, 3] } }],
          num_generations: 4,
          prompts_per_step: 2,
          max_completion_length: 12,
          steps_per_generation: 4,
          gradient_accumulation_steps: 2,
          beta: 0,
          lora: { enabled: true, r: 4, alpha: 8, target_modules: ['q', 'v'] },
          training: { max_steps: 4, learning_rate: 1e-2, steps_per_call: stepsPerCall },
          output_dir: `out-${stepsPerCall}`,
        },
        t.dir,
      );
      await runGrpo(r.ctx);
      return r;
    };
    const one = await run(1);
    const two = await run(2);
    for (const k of ['loss', 'grad_norm', 'entropy', 'clip_ratio/region_mean', 'reward']) {
      const a = one.series(k);
      const b = two.series(k);
      expect(b.map(([s]) => s), k).toEqual(a.map(([s]) => s));
      a.forEach(([s, v], i) => expect(Math.abs(b[i]![1] - v), `${k} at step ${s}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
    }
    expect(one.series('loss').length).toBe(4);
    // the steps did train (a gradient reached the weights on both batches)
    expect(one.series('grad_norm').filter(([, v]) => v > 1e-3).length).toBeGreaterThanOrEqual(2);
  });
});
