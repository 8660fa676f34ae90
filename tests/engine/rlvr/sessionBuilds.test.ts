/**
 * A full-finetune grpo run on the built-in model creates no ORT session after its first step:
 * the rollout, eval and scoring graphs take the trained weights as inputs, so each policy update
 * is a new feed. `perf/session_builds` (sessions created since the end of the first step) is
 * logged and 0 at every step, while the counter it reads did count the first step's sessions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { sessionBuildCount } from '../../../src/engine/onnx/session';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-sessions-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

describe('grpo session builds', () => {
  it('full finetune with evals between steps: perf/session_builds is 0 after the first step', async () => {
    const steps = 4;
    const r = recordingContext(
      {
        kind: 'grpo',
        seed: 5,
        model: 'builtin:benchtop-tiny',
        tasks: [{ task: 'knights_knaves', options: { people: [2, 3] } }],
        num_generations: 4,
        prompts_per_step: 2,
        max_completion_length: 12,
        beta: 0.04,
        training: { max_steps: steps, learning_rate: 1e-3, eval_every: 2 },
        eval_examples: 4,
      },
      t.dir,
    );
    const before = sessionBuildCount();
    await runGrpo(r.ctx);
    const builds = r.series('perf/session_builds');
    expect(builds.map(([s]) => s)).toEqual([1, 2, 3, 4]);
    for (const [s, v] of builds) expect(v, `step ${s}`).toBe(0);
    // the first step did build its sessions (rollout, π_old scorer, reference scorer, train step)
    expect(sessionBuildCount() - before).toBeGreaterThanOrEqual(4);
    // and the policy moved: the KL to the frozen reference grows from 0
    const kl = r.series('kl');
    expect(kl[0]![1]).toBeLessThan(1e-6);
    expect(kl.at(-1)![1]).toBeGreaterThan(0);
  });

  it('LoRA with micro-batches (steps_per_generation 4, gradient_accumulation_steps 2): two optimizer steps per generation batch, no session after the first step', async () => {
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
        llds: { enabled: true },
        lora: { enabled: true, r: 4, alpha: 8, target_modules: ['q', 'v'] },
        training: { max_steps: 4, learning_rate: 1e-3 },
      },
      t.dir,
    );
    await runGrpo(r.ctx);
    // a generation batch on steps 1 and 3 only (its reward is logged where it was generated)
    expect(r.series('reward').map(([s]) => s)).toEqual([1, 3]);
    for (const [s, v] of r.series('perf/session_builds')) expect(v, `step ${s}`).toBe(0);
    for (const k of ['loss', 'grad_norm', 'entropy', 'clip_ratio/high_max', 'llds/loss']) {
      const v = r.series(k);
      expect(v.length, k).toBe(4);
      for (const [s, x] of v) expect(Number.isFinite(x), `${k} at ${s}`).toBe(true);
    }
    // the second step on a batch trains with π_old ≠ π_θ, so LLDS can act without num_iterations 2: no inert-LLDS warning
    expect(r.logs.some((e) => /LLDS has no effect/.test(e.text))).toBe(false);
  });
});
