/**
 * `training.steps_per_call` in the shared training loop (SFT, pretrain): several optimizer steps
 * per onnxruntime call train the same model as one step per call — the same loss at every step,
 * the same final weights — while evals still land on their steps (calls are cut at eval and
 * checkpoint boundaries, and at max_steps).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initModelFolder, loadModelFolder } from '../../../src/engine/model/folder';
import { runTrainLoop } from '../../../src/engine/toolkit/trainLoop';
import { tensorsFromWeights } from '../../../src/engine/model/weights';
import { trainingSchema } from '../../../src/shared/config/common';
import { clearSessionCache } from '../../../src/engine/onnx';
import { recordingContext, tempDir } from '../runs/recordingContext';

let root: { dir: string; cleanup: () => void };
let base: string;
beforeAll(async () => {
  root = tempDir('benchtop-steps-per-call-');
  base = join(root.dir, 'base');
  await initModelFolder({
    config: { model_type: 'llama', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 32 },
    outDir: base,
    seed: 4,
  });
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

describe('training.steps_per_call', () => {
  it('3 steps per call (with accumulation 2 and an eval every 4 steps) trains exactly as 1 step per call', async () => {
    const folder = await loadModelFolder(base);
    const train = async (stepsPerCall: number) => {
      const r = recordingContext({ kind: 'sft', seed: 1, model: base, data: { tasks: [{ task: 'arithmetic' }], seq_len: 16 } }, root.dir);
      const evalSteps: number[] = [];
      const metrics = r.ctx.metrics.bind(r.ctx);
      r.ctx.metrics = (step, values) => {
        if (Object.keys(values).some((k) => k.startsWith('eval/'))) evalSteps.push(step);
        metrics(step, values);
      };
      const res = await runTrainLoop({
        ctx: r.ctx,
        config: folder.config,
        weights: folder.weights,
        tokenizer: folder.tokenizer,
        training: trainingSchema.parse({ max_steps: 7, batch_size: 3, gradient_accumulation_steps: 2, learning_rate: 3e-2, log_every: 1, eval_every: 4, steps_per_call: stepsPerCall }),
        tasks: [{ task: 'arithmetic', weight: 1, options: { max_digits: 1, ood_digits: 0 } }],
        seqLen: 16,
        seed: 1,
        completionOnly: true,
        evalExamples: 4,
      });
      await res.evalModel.release();
      return { res, evalSteps, tokens: r.last('train/tokens') };
    };
    const one = await train(1);
    const three = await train(3);
    expect(three.res.step).toBe(7);
    expect([...three.res.losses.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const [s, loss] of one.res.losses) expect(Math.abs(three.res.losses.get(s)! - loss), `loss at step ${s}`).toBeLessThan(1e-5);
    expect(three.evalSteps).toEqual(one.evalSteps);
    expect(three.evalSteps).toContain(4);
    expect(three.tokens).toBe(one.tokens);
    const after = new Map(tensorsFromWeights(folder.config, three.res.weights));
    for (const [name, w] of tensorsFromWeights(folder.config, one.res.weights)) {
      const v = after.get(name)!.data;
      let d = 0;
      for (let i = 0; i < w.data.length; i++) d = Math.max(d, Math.abs(w.data[i]! - v[i]!));
      expect(d, name).toBeLessThan(1e-5);
    }
  });
});
