/**
 * sft on self-generated responses (ALGORITHMS.md §7.3): prompts split over the mixture by
 * weight (hand-worked); with greedy decoding the training completions are exactly what the
 * teacher generates for those prompts (checked by generating again with a fresh model); the
 * teacher's accuracy is reported; periodic/final evals score the source tasks; only_correct with
 * a teacher that gets nothing right stops with the field named.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { initModelFolder, loadModelFolder } from '../../../src/engine/model/folder';
import { clearSessionCache } from '../../../src/engine/onnx';
import { promptsPerTask } from '../../../src/engine/sft/selfGenerate';
import { runSft } from '../../../src/engine/sft/run';
import { getTask } from '../../../src/engine/tasks';
import { recordingContext, tempDir } from './recordingContext';

const BUILTIN = resolve(import.meta.dirname, '..', '..', '..', 'resources', 'models', 'benchtop-tiny');
const root = tempDir('benchtop-sft-self-');
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

const ARITH = { min_digits: 2, max_digits: 3, ood_digits: 0, pad_operands: true, scratchpad: 'columns' };

describe('sft on self-generated responses', () => {
  it('splits prompts over the mixture by weight', () => {
    const t = (w: number) => ({ task: 'arithmetic', weight: w, options: {} });
    expect(promptsPerTask([t(3), t(1)], 10)).toEqual([8, 2]); // 7.5 / 2.5 → floors 7, 2; one left goes to the first .5
    expect(promptsPerTask([t(1), t(1), t(1)], 10)).toEqual([4, 3, 3]);
    expect(promptsPerTask([t(100), t(1)], 10)).toEqual([9, 1]); // every task keeps at least one prompt
  });

  it('trains on what the teacher generates and scores the source tasks', async () => {
    const runDir = join(root.dir, 'run');
    mkdirSync(runDir);
    const r = recordingContext(
      {
        kind: 'sft',
        seed: 5,
        model: BUILTIN,
        data: {
          tasks: [{ task: 'arithmetic', weight: 1, options: ARITH }, { task: 'brackets', weight: 1, options: { max_pairs: 5 } }],
          seq_len: 96,
          responses: { source: 'self_generated', num_prompts: 24, temperature: 0, max_new_tokens: 48 },
        },
        lora: { enabled: true, r: 4, alpha: 8 },
        training: { max_steps: 4, batch_size: 4, learning_rate: 1e-4, warmup_steps: 0, eval_every: 0, checkpoint_every: 0, log_every: 1 },
      },
      runDir,
    );
    await runSft(r.ctx);
    const lines = readFileSync(join(runDir, 'self-generated.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { task: string; prompt: string; response: string; correct: boolean });
    expect(lines).toHaveLength(24);
    expect(r.artifacts).toContainEqual({ path: join(runDir, 'self-generated.jsonl'), kind: 'self-generated' });

    // Greedy: a fresh model on the same prompts writes the same responses.
    const folder = await loadModelFolder(BUILTIN);
    const fresh = InferenceModel.create(folder.config, folder.weights, folder.tokenizer, { executionProvider: 'cpu', threads: 1, batchSize: 8 }, folder.generationConfig);
    try {
      const again = await fresh.generate(lines.map((l) => l.prompt), { maxNewTokens: 48, temperature: 0, topP: 1, numSamples: 1, seed: 1 });
      expect(again.map((s) => s[0])).toEqual(lines.map((l) => l.response));
    } finally {
      await fresh.release();
    }
    // The training stream draws exactly those responses as completions.
    const arith = getTask('self:arithmetic').generate('train', 12, 0);
    const want = new Map(lines.filter((l) => l.task === 'arithmetic').map((l) => [l.prompt, l.response]));
    for (const e of arith) expect(e.answer).toBe(want.get(e.prompt));
    // Teacher accuracy = share of responses the task's verifier accepted.
    const share = (t: string) => lines.filter((l) => l.task === t && l.correct).length / lines.filter((l) => l.task === t).length;
    expect(r.last('self_generated/arithmetic/accuracy')).toBeCloseTo(share('arithmetic'), 12);
    expect(r.last('self_generated/brackets/accuracy')).toBeCloseTo(share('brackets'), 12);
    expect(share('arithmetic')).toBeGreaterThan(0.9); // the built-in model is good at its own format
    expect(r.series('train/loss')).toHaveLength(4);
    // the final eval scores the source tasks (gold verifiers), not the self-generated copies
    expect(r.last('eval/arithmetic/accuracy')).toBeDefined();
    expect(r.last('eval/self:arithmetic/accuracy')).toBeUndefined();
  });

  it('only_correct with a teacher that gets nothing right stops with the field named', async () => {
    const modelDir = join(root.dir, 'random');
    await initModelFolder({
      config: { model_type: 'llama', hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 128 },
      outDir: modelDir,
      seed: 1,
    });
    const r = recordingContext(
      {
        kind: 'sft',
        seed: 1,
        model: modelDir,
        data: { tasks: [{ task: 'arithmetic', options: ARITH }], responses: { source: 'self_generated', num_prompts: 8, only_correct: true, max_new_tokens: 8 } },
        training: { max_steps: 2 },
      },
      join(root.dir, 'run2'),
    );
    await expect(runSft(r.ctx)).rejects.toThrow(/data\.responses: the teacher got none of 8 'arithmetic' prompts right and only_correct is on/);
  });
});
