/**
 * The eval executor on a real HF folder (a freshly initialised random decoder): near-zero
 * arithmetic accuracy, metrics with pass@k / maj@k and per-knob breakdowns, one sample per
 * example, the eval-results.json artifact; clear errors for an unknown task and a missing
 * built-in model.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { initModelFolder } from '../../../src/engine/model/folder';
import { runEval } from '../../../src/engine/eval/run';
import { resolveModelFolder } from '../../../src/engine/toolkit';
import { recordingContext, tempDir } from './recordingContext';

let root: { dir: string; cleanup: () => void };
let modelDir: string;

beforeAll(async () => {
  root = tempDir('benchtop-eval-');
  modelDir = join(root.dir, 'models', 'random-model');
  await initModelFolder({
    config: { model_type: 'llama', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 64 },
    outDir: modelDir,
    seed: 5,
  });
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

describe('eval executor', () => {
  it('scores a random model near 0 and reports metrics, breakdowns, samples and results', async () => {
    const runDir = join(root.dir, 'run1');
    mkdirSync(runDir);
    const r = recordingContext(
      { kind: 'eval', seed: 1, model: modelDir, tasks: [{ task: 'arithmetic', options: { max_digits: 2 } }], num_examples: 10, num_samples: 3, k: [1, 3], temperature: 1, max_new_tokens: 5, batch_size: 4 },
      runDir,
    );
    await runEval(r.ctx);
    const acc = r.last('eval/arithmetic/accuracy')!;
    expect(acc).toBeLessThanOrEqual(0.1);
    const keys = Object.keys(r.metrics[0]!.values);
    expect(keys).toEqual(expect.arrayContaining(['eval/arithmetic/accuracy', 'eval/arithmetic/pass@1', 'eval/arithmetic/pass@3', 'eval/arithmetic/maj@3']));
    expect(keys.some((k) => /^breakdown\/arithmetic\/digits=\d$/.test(k))).toBe(true);
    expect(r.metrics.every((m) => m.step === 0)).toBe(true);

    // progress per batch of 4: 4, 8, 10 of 10
    expect(r.progress.map((p) => p.step)).toEqual([4, 8, 10]);
    expect(r.samples).toHaveLength(10);
    for (const s of r.samples) {
      expect(s.prompt).toMatch(/^\d+\+\d+=$/);
      expect(s.completion.length).toBeLessThanOrEqual(5); // max_new_tokens characters
      expect(s.extra).toMatchObject({ task: 'arithmetic', correct: expect.any(Boolean), metadata: { digits: expect.any(Number) } });
      expect(s.reward === 0 || s.reward === 1).toBe(true);
    }
    // samples agree with the accuracy metric (first completion of each example)
    expect(r.samples.filter((s) => s.extra!.correct).length / 10).toBe(acc);

    const file = join(runDir, 'eval-results.json');
    expect(r.artifacts).toEqual([{ path: file, kind: 'eval-results' }]);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.results[0]).toMatchObject({ task: 'arithmetic', kind: 'generative', count: 10, accuracy: acc });
    expect(json.results[0].outcomes).toBeUndefined();
    expect(r.devices).toEqual(['cpu']);
  });

  it('names an unknown task before loading the model', async () => {
    const r = recordingContext({ kind: 'eval', model: modelDir, tasks: [{ task: 'arithmetic' }, { task: 'no_such_task' }] }, root.dir);
    await expect(runEval(r.ctx)).rejects.toThrow(/tasks\[1\]: no_such_task: unknown task; expected one of arithmetic/);
  });

  it('says when a model folder or the built-in model is missing', () => {
    expect(() => resolveModelFolder('builtin:benchtop-tiny', root.dir, root.dir)).toThrow(
      /built-in model 'benchtop-tiny' is not built yet \(expected .*resources\/models\/benchtop-tiny\)/,
    );
    expect(() => resolveModelFolder(join(root.dir, 'nowhere'), root.dir)).toThrow(/is not a model folder \(no config\.json in .*nowhere\)/);
    // a registered id: a folder under <dataDir>/models
    expect(resolveModelFolder('random-model', root.dir, root.dir)).toBe(modelDir);
  });

  it('resolves run:<id> to the model folder an earlier run saved', async () => {
    const runs = join(root.dir, 'runs');
    await initModelFolder({
      config: { model_type: 'llama', hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 64 },
      outDir: join(runs, '20261123-101010-abc123', 'model'),
      seed: 1,
    });
    mkdirSync(join(runs, '20261123-101011-abd999'), { recursive: true }); // a run that saved no model
    expect(resolveModelFolder('run:20261123-101010-abc123', root.dir)).toBe(join(runs, '20261123-101010-abc123', 'model'));
    expect(resolveModelFolder('run:abc123', root.dir)).toBe(join(runs, '20261123-101010-abc123', 'model'));
    expect(() => resolveModelFolder('run:ab', root.dir)).toThrow(/'run:ab' matches 2 runs/);
    expect(() => resolveModelFolder('run:abd999', root.dir)).toThrow(/run 20261123-101011-abd999 saved no model in .*abd999\/model/);
    expect(() => resolveModelFolder('run:zzz', root.dir)).toThrow(/no run 'zzz' in .*runs; expected run:<run id>/);
  });
});
