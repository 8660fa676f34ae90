/**
 * The pretrain executor run for real on a tiny decoder (hidden 32, 2 layers) over 1-digit
 * addition: the loss starts at ln(vocab) (near-uniform logits of a 0.02-std init) and falls
 * well below it; the LR follows the cosine-with-warmup schedule worked by hand; the saved folder
 * loads; a run resumed from a checkpoint repeats the uninterrupted run's losses exactly; a cancel
 * stops it between steps without saving a model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { loadModelFolder } from '../../../src/engine/model/folder';
import { runPretrain } from '../../../src/engine/pretrain/run';
import { recordingContext, tempDir, type Recorded } from './recordingContext';

const dirs: (() => void)[] = [];
afterAll(async () => {
  dirs.forEach((c) => c());
  await clearSessionCache();
});
function runDir(): string {
  const t = tempDir('benchtop-pretrain-');
  dirs.push(t.cleanup);
  return t.dir;
}

const STEPS = 150;
const CONFIG = {
  kind: 'pretrain',
  name: 'tiny addition',
  seed: 3,
  model: { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 32 },
  data: { tasks: [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }], seq_len: 16 },
  training: { max_steps: STEPS, batch_size: 16, learning_rate: 1e-2, warmup_steps: 10, weight_decay: 0.01, log_every: 1, eval_every: 75, checkpoint_every: 50 },
};

let full: Recorded;
let fullDir: string;

describe('pretrain executor', () => {
  it('trains: loss falls from ln(vocab), metrics, checkpoints, a loadable HF folder', async () => {
    fullDir = runDir();
    full = recordingContext(CONFIG, fullDir);
    const t0 = performance.now();
    await runPretrain(full.ctx);
    const secs = (performance.now() - t0) / 1000;

    const loss = full.series('train/loss');
    expect(loss.map(([s]) => s)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    const first = loss[0]![1];
    const tail = loss.slice(-10).reduce((s, [, v]) => s + v, 0) / 10;
    console.log(`pretrain ${STEPS} steps in ${secs.toFixed(2)} s (${(STEPS / secs).toFixed(0)} steps/s); loss ` +
      [1, 25, 50, 75, 100, 125, 150].map((s) => `${s}:${loss[s - 1]![1].toFixed(3)}`).join(' '));
    // 101 tokens (4 specials + 97 characters); init std 0.02 → logits ≈ 0 → loss ≈ ln 101.
    expect(Math.abs(first - Math.log(101))).toBeLessThan(0.05);
    expect(tail).toBeLessThan(0.4 * first);

    // LR: step k (1-based) used lr(k−1): warmup 1e-2·(k−1)/10, then cosine over the remaining 140.
    const lr = new Map(full.series('train/learning_rate'));
    expect(lr.get(1)).toBe(0);
    expect(lr.get(6)).toBeCloseTo(1e-2 * 0.5, 10);
    expect(lr.get(81)).toBeCloseTo(1e-2 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), 10);
    for (const key of ['train/grad_norm', 'train/tokens_per_second', 'train/tokens']) expect(full.last(key)).toBeGreaterThan(0);
    // periodic eval at 75 and the final eval at 150
    expect(full.series('eval/arithmetic/accuracy').map(([s]) => s)).toEqual([75, 150]);

    expect(full.progress.at(-1)).toEqual({ step: STEPS, total: STEPS, phase: 'train' });
    expect(full.devices).toEqual(['cpu']);
    expect(full.checkpoints).toEqual([50, 100].map((step) => ({ step, dir: join(fullDir, 'checkpoints', `step-${String(step).padStart(6, '0')}`) })));

    const model = join(fullDir, 'model');
    expect(full.artifacts).toContainEqual({ path: join(model, 'config.json'), kind: 'model' });
    expect(full.artifacts).toContainEqual({ path: join(model, 'model.safetensors'), kind: 'model-file' });
    const folder = await loadModelFolder(model);
    expect(folder.config.hidden_size).toBe(32);
    expect(folder.config.vocab_size).toBe(101);
    expect(folder.tokenizer.encode('7+2=')).toHaveLength(4);
  });

  it('resumes from a checkpoint with the same losses as the uninterrupted run; cancel stops between steps', async () => {
    const dir = runDir();
    const ck = full.checkpoints.find((c) => c.step === 50)!;
    let r: Recorded;
    r = recordingContext(CONFIG, dir, {
      resumeFrom: ck,
      onProgress: (step) => {
        if (step === 56) r.controller.abort();
      },
    });
    await runPretrain(r.ctx);
    const resumed = r.series('train/loss');
    expect(resumed.map(([s]) => s)).toEqual([51, 52, 53, 54, 55, 56]);
    const want = new Map(full.series('train/loss'));
    for (const [s, v] of resumed) expect(v, `loss at step ${s}`).toBe(want.get(s));
    // cancelled: no more steps, no model, no final eval
    expect(r.progress.at(-1)!.step).toBe(56);
    expect(r.artifacts).toEqual([]);
    expect(existsSync(join(dir, 'model'))).toBe(false);
    expect(r.logs.some((l) => /resumed from .*step-000050 at step 50/.test(l.text))).toBe(true);
    expect(r.logs.some((l) => /cancelled at step 56 of 150/.test(l.text))).toBe(true);
  });

  it('rejects a seq_len longer than the model positions, naming both fields', async () => {
    const r = recordingContext({ ...CONFIG, data: { ...CONFIG.data, seq_len: 64 } }, runDir());
    await expect(runPretrain(r.ctx)).rejects.toThrow(/data\.seq_len \(64\) exceeds model\.max_position_embeddings \(32\)/);
  });
});
