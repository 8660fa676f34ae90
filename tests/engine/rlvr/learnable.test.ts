/**
 * The grpo executor end to end on a tiny random model and a trivially learnable reward (a task
 * registered here: reward 1 when the completion starts with a digit, ≈10% of the character
 * vocabulary at random init): the mean reward rises within 30 steps. The run resumed from its
 * step-10 checkpoint repeats the uninterrupted run's rewards and losses exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { initModelFolder } from '../../../src/engine/model/folder';
import { registerDatasetTask, type Example, type Task } from '../../../src/engine/tasks';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir, type Recorded } from '../runs/recordingContext';

const DIGIT_FIRST: Task = {
  name: 'test_digit_first',
  kind: 'generative',
  description: 'test only: reward 1 when the completion starts with a digit',
  knobs: [],
  options: [],
  generate(split, count, seed): Example[] {
    return Array.from({ length: count }, (_, i) => {
      const n = (seed * 31 + i) % 1000;
      return { id: `test_digit_first:${split}-${n}`, task: 'test_digit_first', prompt: `${split === 'train' ? 'q' : 't'}${n}=`, answer: '1', metadata: {} };
    });
  },
  verify(_example, response) {
    const ok = /^[0-9]/.test(response);
    return { correct: ok, reward: ok ? 1 : 0, ...(ok ? {} : { errorClass: 'no_digit' }) };
  },
};

let root: { dir: string; cleanup: () => void };
let model: string;
beforeAll(async () => {
  registerDatasetTask(DIGIT_FIRST);
  root = tempDir('benchtop-grpo-learn-');
  model = `${root.dir}/base`;
  await initModelFolder({
    config: { model_type: 'llama', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 32 },
    outDir: model,
    seed: 5,
  });
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

const CONFIG = (runDir: string, maxSteps: number) => ({
  kind: 'grpo',
  seed: 3,
  model,
  tasks: [{ task: 'test_digit_first' }],
  num_generations: 8,
  prompts_per_step: 4,
  max_completion_length: 3,
  training: { max_steps: maxSteps, learning_rate: 1e-2, log_every: 1, checkpoint_every: 10 },
  eval_examples: 8,
  output_dir: `${runDir}/out`,
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
let first: Recorded;

describe('grpo executor on a learnable reward', () => {
  it('the mean reward rises over 30 steps', async () => {
    const r = recordingContext(CONFIG(root.dir, 30), root.dir);
    first = r;
    await runGrpo(r.ctx);
    const reward = r.series('reward').map(([, v]) => v);
    expect(reward).toHaveLength(30);
    console.log(`digit-first reward by step: ${reward.map((v) => v.toFixed(2)).join(' ')}`);
    expect(mean(reward.slice(0, 5))).toBeLessThan(0.35);
    expect(mean(reward.slice(-5))).toBeGreaterThan(0.8);
    expect(r.checkpoints.map((c) => c.step)).toEqual([10, 20]);
    expect(r.artifacts.some((a) => a.kind === 'model')).toBe(true);
    expect(r.last('eval/test_digit_first/accuracy')).toBeGreaterThan(0.5); // final greedy eval
  });

  it('resumed from the step-10 checkpoint, steps 11–30 repeat exactly', async () => {
    const dir = `${root.dir}/resumed`;
    const r = recordingContext(CONFIG(dir, 30), root.dir, { resumeFrom: first.checkpoints[0]! });
    await runGrpo(r.ctx);
    for (const key of ['reward', 'loss', 'entropy', 'completions/mean_length']) {
      const want = first.series(key).filter(([s]) => s > 10);
      expect(r.series(key), key).toEqual(want);
    }
  });
});
