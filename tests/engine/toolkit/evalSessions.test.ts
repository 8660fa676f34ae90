/**
 * Periodic evals during SFT feed the trainer's weights of the moment to the eval model's graphs
 * (trainable 'all'), so the sessions the first eval opens serve every later eval and the final
 * one: no ORT session is built after the first eval (full finetune and LoRA). And what the eval
 * model generates is the trained model's: the same greedy tokens and log-probs as a model built
 * from the returned weights stored in its graphs, not the initial model's.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { initModelFolder, loadModelFolder } from '../../../src/engine/model/folder';
import { runTrainLoop } from '../../../src/engine/toolkit/trainLoop';
import { trainingSchema } from '../../../src/shared/config/common';
import { clearSessionCache } from '../../../src/engine/onnx';
import { sessionBuildCount } from '../../../src/engine/onnx/session';
import { runSft } from '../../../src/engine/sft/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

let root: { dir: string; cleanup: () => void };
let base: string;
beforeAll(async () => {
  root = tempDir('benchtop-eval-sessions-');
  base = join(root.dir, 'base');
  await initModelFolder({
    config: { model_type: 'qwen2', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 32 },
    outDir: base,
    seed: 2,
  });
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

for (const lora of [false, true]) {
  describe(`sft periodic evals (${lora ? 'LoRA' : 'full finetune'})`, () => {
    it('build no session after the first eval', async () => {
      const r = recordingContext(
        {
          kind: 'sft',
          seed: 1,
          model: base,
          data: { tasks: [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }], seq_len: 16 },
          lora: { enabled: lora, r: 4, alpha: 8 },
          training: { max_steps: 3, batch_size: 4, learning_rate: 1e-2, log_every: 1, eval_every: 1 },
          output_dir: `out-${lora}`,
        },
        root.dir,
      );
      // the build count when each eval's metrics arrive (eval steps 1 and 2, then the final eval at 3)
      const atEval: [number, number][] = [];
      const metrics = r.ctx.metrics.bind(r.ctx);
      r.ctx.metrics = (step, values) => {
        if (Object.keys(values).some((k) => k.startsWith('eval/'))) atEval.push([step, sessionBuildCount()]);
        metrics(step, values);
      };
      await runSft(r.ctx);
      expect(atEval.map(([s]) => s)).toEqual([1, 2, 3]);
      const [first, ...later] = atEval.map(([, n]) => n);
      for (const n of later) expect(n - first!).toBe(0);
      expect(r.last('eval/arithmetic/accuracy')).toBeGreaterThanOrEqual(0);
    });
  });
}

const PROMPTS = ['3+4=', '9-2='];
const greedy = (m: InferenceModel) => m.sample(PROMPTS, { maxNewTokens: 4, temperature: 0 });

for (const lora of [false, true]) {
  it(`the eval model generates with the trained ${lora ? 'adapters' : 'weights'}`, async () => {
    const folder = await loadModelFolder(base);
    const r = recordingContext({ kind: 'sft', seed: 1, model: base, data: { tasks: [{ task: 'arithmetic' }], seq_len: 16 } }, root.dir);
    const res = await runTrainLoop({
      ctx: r.ctx,
      config: folder.config,
      weights: folder.weights,
      tokenizer: folder.tokenizer,
      training: trainingSchema.parse({ max_steps: 3, batch_size: 4, learning_rate: 3e-2, log_every: 1 }),
      tasks: [{ task: 'arithmetic', weight: 1, options: { max_digits: 1, ood_digits: 0 } }],
      seqLen: 16,
      seed: 1,
      completionOnly: true,
      ...(lora ? { lora: { r: 4, alpha: 8, targets: ['q', 'k', 'v', 'o'] } } : {}),
    });
    const stored = InferenceModel.create(folder.config, res.weights, folder.tokenizer, { fitToLimit: true });
    const initial = InferenceModel.create(folder.config, folder.weights, folder.tokenizer, { fitToLimit: true });
    try {
      const [fed, ref, init] = [await greedy(res.evalModel), await greedy(stored), await greedy(initial)];
      let moved = 0;
      fed.forEach((rows, i) => {
        expect(rows[0]!.tokens).toEqual(ref[i]![0]!.tokens);
        rows[0]!.logprobs.forEach((lp, j) => {
          expect(Math.abs(lp - ref[i]![0]!.logprobs[j]!)).toBeLessThan(1e-4);
          if (init[i]![0]!.tokens[j] !== rows[0]!.tokens[j] || Math.abs(lp - init[i]![0]!.logprobs[j]!) > 1e-3) moved++;
        });
      });
      expect(moved).toBeGreaterThan(0);
    } finally {
      await Promise.all([res.evalModel.release(), stored.release(), initial.release()]);
    }
  });
}
