/**
 * The score executor on a real HF folder: every example's log-prob equals the float64 reference
 * decoder's log-softmax summed over the answer tokens, the histogram counts every example in the
 * bin its value falls in, and the per-task means are the means of the rows.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { initModelFolder, loadModelFolder, saveModelFolder, type ModelFolder } from '../../../src/engine/model/folder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { runScore } from '../../../src/engine/score/run';
import { loadExecutor } from '../../../src/engine/executors';
import { scoreHistogram, SCORE_KEYS } from '../../../src/shared/kinds/score';
import { referenceForward } from '../model/referenceDecoder';
import { recordingContext, tempDir } from '../runs/recordingContext';

let root: { dir: string; cleanup: () => void };
let modelDir: string;
let folder: ModelFolder;

beforeAll(async () => {
  root = tempDir('benchtop-score-');
  modelDir = join(root.dir, 'models', 'tiny');
  const init = await initModelFolder({
    config: { model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 24, max_position_embeddings: 128 },
    outDir: modelDir,
    seed: 5,
  });
  // Larger weights than the default init, so log-probs differ between examples by more than float error.
  await saveModelFolder(modelDir, { config: init.config, weights: initDecoderWeights(init.config, 9, 0.3), tokenizer: init.tokenizer });
  folder = await loadModelFolder(modelDir);
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

function refSpanLogprob(ids: number[], start: number): number {
  const logits = referenceForward(folder.config, folder.weights, [ids]).logits[0]!;
  let sum = 0;
  for (let t = Math.max(1, start); t < ids.length; t++) {
    const row = logits[t - 1]!;
    const m = Math.max(...row);
    sum += row[ids[t]!]! - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  }
  return sum;
}

describe('score executor', () => {
  it('scores answers as the reference decoder does and histograms every example', async () => {
    const runDir = join(root.dir, 'run1');
    mkdirSync(runDir);
    const r = recordingContext({ kind: 'score', seed: 2, model: modelDir, tasks: [{ task: 'arithmetic', options: { max_digits: 2 } }, { task: 'compare' }], num_examples: 5, bins: 4, batch_size: 3 }, runDir);
    expect(await loadExecutor('score')).toBe(runScore);
    await runScore(r.ctx);

    expect(r.samples).toHaveLength(10);
    const tok = folder.tokenizer;
    for (const s of r.samples) {
      const prompt = [tok.bosId!, ...tok.encode(s.prompt)];
      const ids = [...prompt, ...tok.encode(s.completion)];
      expect(s.extra!.tokens).toBe(ids.length - prompt.length);
      expect(Math.abs((s.reward as number) - refSpanLogprob(ids, prompt.length))).toBeLessThan(1e-3);
    }
    const values = r.samples.map((s) => s.reward as number);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.5);

    // The histogram as the run page and the bundle read it back from the series.
    const series = Object.fromEntries(
      [SCORE_KEYS.binLower, SCORE_KEYS.binCount, SCORE_KEYS.binWidth].map((k) => {
        const pts = r.series(k);
        return [k, { key: k, steps: pts.map((p) => p[0]), values: pts.map((p) => p[1]), downsampled: false }];
      }),
    );
    const bins = scoreHistogram(series);
    expect(bins).toHaveLength(4);
    expect(bins[0]!.lower).toBeCloseTo(Math.min(...values), 9);
    expect(bins[3]!.upper).toBeCloseTo(Math.max(...values), 9);
    bins.forEach((b, i) => expect(b.count, `bin ${i}`).toBe(values.filter((v) => v >= b.lower - 1e-9 && (i === 3 ? v <= b.upper + 1e-9 : v < b.upper - 1e-9)).length));

    const arith = r.samples.filter((s) => s.extra!.task === 'arithmetic').map((s) => s.reward as number);
    expect(r.last('logprob/arithmetic/mean')).toBeCloseTo(arith.reduce((a, b) => a + b, 0) / arith.length, 9);
    expect(r.last(SCORE_KEYS.mean)).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
    expect(r.last(SCORE_KEYS.examples)).toBe(10);
    const lines = readFileSync(join(runDir, 'scores.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(r.artifacts).toEqual([{ path: join(runDir, 'scores.jsonl'), kind: 'scores' }]);
  });

  it('per_token histograms the mean per answer token; an unknown task is named before the model loads', async () => {
    const runDir = join(root.dir, 'run2');
    mkdirSync(runDir);
    const r = recordingContext({ kind: 'score', model: modelDir, tasks: [{ task: 'compare' }], num_examples: 4, per_token: true }, runDir);
    await runScore(r.ctx);
    for (const s of r.samples) expect(s.reward).toBeCloseTo((s.extra!.logprob as number) / (s.extra!.tokens as number), 9);

    const bad = recordingContext({ kind: 'score', model: join(root.dir, 'nowhere'), tasks: [{ task: 'no_such_task' }] }, runDir);
    await expect(runScore(bad.ctx)).rejects.toThrow(/no_such_task/);
  });
});
