/**
 * The sft executor (full finetune) on a real HF folder: completion-only loss starts at
 * ln(vocab) for a fresh init and falls; the finetuned folder keeps the tokenizer and loads;
 * unknown tasks are refused with a message naming the field (LoRA runs: sftLora.test.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { initModelFolder, loadModelFolder } from '../../../src/engine/model/folder';
import { runSft } from '../../../src/engine/sft/run';
import { recordingContext, tempDir } from './recordingContext';

let root: { dir: string; cleanup: () => void };
let base: string;
beforeAll(async () => {
  root = tempDir('benchtop-sft-');
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

const config = (extra: Record<string, unknown> = {}) => ({
  kind: 'sft',
  seed: 1,
  model: '',
  data: { tasks: [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }], seq_len: 16 },
  lora: { enabled: false },
  training: { max_steps: 80, batch_size: 16, learning_rate: 1e-2, warmup_steps: 5, lr_scheduler_type: 'constant_with_warmup', log_every: 1, gradient_accumulation_steps: 2 },
  output_dir: 'finetuned',
  ...extra,
});

describe('sft executor', () => {
  it('full finetune with completion-only loss: loss falls, folder saved and loadable', async () => {
    const r = recordingContext({ ...config(), model: base }, root.dir);
    await runSft(r.ctx);
    const loss = r.series('train/loss');
    expect(loss).toHaveLength(80);
    const first = loss[0]![1];
    const tail = loss.slice(-10).reduce((s, [, v]) => s + v, 0) / 10;
    console.log(`sft loss ${[1, 20, 40, 60, 80].map((s) => `${s}:${loss[s - 1]![1].toFixed(3)}`).join(' ')}`);
    expect(Math.abs(first - Math.log(101))).toBeLessThan(0.05);
    // completion-only targets: the answer digits and <eos> (no unpredictable prompt digits), so the loss can fall far
    expect(tail).toBeLessThan(0.4 * first);
    expect(new Map(r.series('train/learning_rate')).get(80)).toBe(1e-2);
    const out = join(root.dir, 'finetuned');
    expect(r.artifacts).toContainEqual({ path: join(out, 'config.json'), kind: 'model' });
    const f = await loadModelFolder(out);
    expect(f.config.model_type).toBe('qwen2');
    expect(f.tokenizer.vocabSize).toBe(101);
    expect(r.last('eval/arithmetic/accuracy')).toBeGreaterThanOrEqual(0);
  });

  it('refuses unknown tasks, naming the field', async () => {
    const bad = recordingContext({ ...config(), model: base, data: { tasks: [{ task: 'sudoku' }] } }, root.dir);
    await expect(runSft(bad.ctx)).rejects.toThrow(/data\.tasks\[0\]: sudoku: unknown task/);
  });
});
