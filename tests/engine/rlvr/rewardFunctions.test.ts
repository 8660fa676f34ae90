/**
 * Multiple weighted reward functions (ALGORITHMS.md §1.2): the config field, the weighted sum with
 * TRL's NaN = not-applicable rule, the format function on hand-made completions, per-function
 * metrics, and a one-step run whose logged reward is the weighted sum of the per-function means.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { validateRunConfig, type GrpoConfig } from '../../../src/shared/config';
import { clearSessionCache } from '../../../src/engine/onnx';
import { applyRewardFunctions, rewardFunctionMetrics, weightedReward } from '../../../src/engine/rlvr/rewardFunctions';
import type { Completion, PromptItem } from '../../../src/engine/rlvr/rollout';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

const base = { kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'knights_knaves' }] };
const parse = (extra: Record<string, unknown>) => validateRunConfig({ ...base, ...extra });

describe('reward_functions config', () => {
  it('defaults to the verifier alone; takes weighted functions; names the bad field', () => {
    const d = parse({});
    expect(d.ok && (d.config as GrpoConfig).reward_functions).toEqual([{ name: 'correctness', weight: 1 }]);
    const two = parse({ reward_functions: [{ name: 'correctness' }, { name: 'format', weight: 0.25 }] });
    expect(two.ok && (two.config as GrpoConfig).reward_functions).toEqual([{ name: 'correctness', weight: 1 }, { name: 'format', weight: 0.25 }]);
    const dup = parse({ reward_functions: [{ name: 'format' }, { name: 'format' }] });
    expect(dup.ok ? [] : dup.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['reward_functions.1.name: expected each reward function once (reward_functions[0] is the same), got "format"']);
    const bad = parse({ reward_functions: [{ name: 'length' }] });
    expect(bad.ok ? '' : bad.issues[0]!.path).toBe('reward_functions.0.name');
  });
});

describe('weighted rewards', () => {
  it('Σ w·r over the functions that apply; NaN when none applies', () => {
    expect(weightedReward([1, 0.5], [2, -1])).toBeCloseTo(1.5, 14);
    expect(weightedReward([Number.NaN, 1], [2, 0.3])).toBeCloseTo(0.3, 14);
    expect(weightedReward([Number.NaN, Number.NaN], [1, 1])).toBeNaN();
  });

  it('format reads the task answer marker; tasks without one are not applicable', () => {
    const item = (task: string): PromptItem => ({ example: { id: 'x', task, prompt: '', answer: '', metadata: {} }, ids: [1] });
    const c = (group: number, text: string, reward: number): Completion => ({ group, text, tokens: [1], truncated: false, reward, correct: reward === 1, errorClass: null });
    const items = [item('knights_knaves'), item('parity')];
    const comps = [c(0, 'think... <answer>a+ b-</answer>', 1), c(0, 'a+ b-', 0), c(1, '1', 1), c(1, '0', Number.NaN)];
    const s = applyRewardFunctions(comps, items, [{ name: 'correctness', weight: 1 }, { name: 'format', weight: 0.5 }]);
    expect(s.byFunction.format).toEqual([1, 0, Number.NaN, Number.NaN]);
    expect(s.completions.map((x) => x.reward)).toEqual([1.5, 0, 1, Number.NaN]);
    expect(comps[0]!.reward).toBe(1); // inputs untouched
    const m = rewardFunctionMetrics(s.byFunction);
    expect(m['rewards/format/mean']).toBeCloseTo(0.5, 14);
    expect(m['rewards/format/std']).toBeCloseTo(Math.SQRT1_2, 14);
    expect(m['rewards/correctness/mean']).toBeCloseTo(2 / 3, 14);
  });
});

const t = tempDir('benchtop-grpo-rf-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

describe('a run with two reward functions', () => {
  it('logs rewards/<name>/mean|std and reward = Σ w · mean', async () => {
    const r = recordingContext(
      {
        ...base,
        seed: 3,
        tasks: [{ task: 'knights_knaves', options: { people: [2] } }],
        num_generations: 4,
        prompts_per_step: 2,
        max_completion_length: 16,
        temperature: 1.3,
        reward_functions: [{ name: 'correctness', weight: 1 }, { name: 'format', weight: 0.5 }],
        training: { max_steps: 1, learning_rate: 1e-5 },
        eval_examples: 2,
      },
      t.dir,
    );
    await runGrpo(r.ctx);
    const m = Object.assign({}, ...r.metrics.filter((x) => x.step === 1).map((x) => x.values)) as Record<string, number>;
    for (const k of ['rewards/correctness/mean', 'rewards/correctness/std', 'rewards/format/mean', 'rewards/format/std']) expect(Number.isFinite(m[k]), k).toBe(true);
    expect(m.reward).toBeCloseTo(m['rewards/correctness/mean']! + 0.5 * m['rewards/format/mean']!, 10);
  });
});
