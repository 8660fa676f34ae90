/**
 * A short grpo run with the failure-prefix robustness evals (§3.5) on the built-in model: the set
 * is built at run start (its counts logged), and eval/<task>/misleading_prefix_accuracy and
 * correct_prefix_accuracy are logged at step 0 and at the final eval, as fractions of the built
 * prompts of each kind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-pe-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

describe('grpo with prefix_eval on the built-in model', () => {
  it('logs misleading and correct prefix accuracies at the start and the end', async () => {
    const r = recordingContext(
      {
        kind: 'grpo',
        seed: 4,
        model: 'builtin:benchtop-tiny',
        tasks: [{ task: 'knights_knaves', options: { people: [2] } }],
        num_generations: 4,
        prompts_per_step: 2,
        max_completion_length: 16,
        temperature: 1.3,
        failure_prefix: { reward_text: 'prefix_and_continuation' },
        prefix_eval: { enabled: true, problems: 8, samples_per_problem: 6, prefix_fraction: 0.5 },
        training: { max_steps: 2, learning_rate: 1e-5 },
        eval_examples: 2,
      },
      t.dir,
    );
    await runGrpo(r.ctx);
    const at = (step: number) => Object.assign({}, ...r.metrics.filter((x) => x.step === step).map((x) => x.values)) as Record<string, number>;
    const m0 = at(0);
    const nMis = m0['prefix_eval/misleading_prompts']!;
    const nCor = m0['prefix_eval/correct_prompts']!;
    // at temperature 1.3 the built-in model both solves and fails 2-person puzzles (seeded)
    expect(nMis).toBeGreaterThan(0);
    expect(nCor).toBeGreaterThan(0);
    expect(nMis).toBeLessThanOrEqual(8);
    for (const step of [0, 2]) {
      const m = at(step);
      for (const [kind, n] of [['misleading', nMis], ['correct', nCor]] as const) {
        const acc = m[`eval/knights_knaves/${kind}_prefix_accuracy`]!;
        expect(acc >= 0 && acc <= 1, `step ${step} ${kind} ${acc}`).toBe(true);
        expect(Math.abs(acc * n - Math.round(acc * n)), 'a fraction of the built prompts').toBeLessThan(1e-9);
      }
    }
  });
});
