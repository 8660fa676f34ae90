/**
 * The `warmup_sft` step of a value run (src/engine/valuation/warmup.ts): a brief finetune on the
 * train examples as valued, before the features. What must hold, checked against the same run
 * without the warm-up (same examples, same corruption):
 *
 *   * it trains on the corrupted answers, not the gold ones: the mislabeled examples' completions
 *     become more likely (their mean log-prob rises), the model has started to fit the noise;
 *   * it runs through the sft kind's loop: `train/*` metrics at the finetune's steps, LoRA by
 *     default (only adapter parameters trainable), and a clean held-out accuracy at its end;
 *   * the values are those of the finetuned model (they differ from the untouched model's).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runValue, type ValueRow } from '../../../src/engine/valuation/run';
import { warmupExamples, WARMUP_DATASET } from '../../../src/engine/valuation/warmup';
import { cleanItems, drawExamples, mislabel } from '../../../src/engine/valuation/data';
import { formatExample } from '../../../src/engine/tasks';
import { estimateRunMemory } from '../../../src/engine/model/memoryEstimate';
import { loadModelFolder } from '../../../src/engine/model/folder';
import { resolveModelFolder } from '../../../src/engine/toolkit/modelRef';
import { valueConfigSchema } from '../../../src/shared/config/value';
import { recordingContext, tempDir } from '../runs/recordingContext';

const root = tempDir('benchtop-value-warmup-');
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

const TASKS = [{ task: 'brackets_classify' }, { task: 'majority' }];
const base = { kind: 'value', seed: 3, model: 'builtin:benchtop-tiny', train: { tasks: TASKS, num_examples: 48 }, val: { num_examples: 16 }, mislabel_ratio: 0.25, protocols: ['mislabel'] };

async function run(name: string, extra: Record<string, unknown>) {
  const runDir = join(root.dir, name);
  mkdirSync(runDir);
  const r = recordingContext({ ...base, ...extra }, runDir);
  await runValue(r.ctx);
  const rows = readFileSync(join(runDir, 'values.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ValueRow);
  return { r, rows };
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('value run: warmup_sft', () => {
  it('is off by default and documented as the paper’s condition', () => {
    const c = valueConfigSchema.parse({ kind: 'value', model: 'x' });
    expect(c.warmup_sft.enabled).toBe(false);
    expect(c.warmup_sft.lora.enabled).toBe(true);
    expect(valueConfigSchema.safeParse({ kind: 'value', model: 'x', warmup_sft: { enabled: true, steps: 3 } }).success).toBe(false);
  });

  it('hands the loop the train items with their answers as valued (corrupted where mislabeled)', () => {
    const items = mislabel(cleanItems(drawExamples(TASKS.map((t) => ({ ...t, weight: 1 })), 20, 'train', 1, 'train.tasks')), 0.3, 0);
    const ex = warmupExamples(items);
    expect(ex.map((e) => formatExample(e).completion)).toEqual(items.map((it) => it.completion));
    expect(ex.map((e) => e.prompt)).toEqual(items.map((it) => it.prompt));
    expect(new Set(ex.map((e) => e.task))).toEqual(new Set([WARMUP_DATASET]));
    expect(ex.every((e) => e.metadata.split === 'train')).toBe(true);
    expect(items.filter((it) => it.mislabeled).every((it) => it.completion !== it.originalCompletion)).toBe(true);
  });

  it('finetunes on the noisy set first: the wrong answers become likelier and the values change', async () => {
    const off = await run('off', {});
    const on = await run('on', { warmup_sft: { enabled: true, training: { max_steps: 12, learning_rate: 3e-3, batch_size: 8, log_every: 4 } } });
    // The same examples and corruption either way.
    expect(on.rows.map((x) => [x.id, x.completion, x.mislabeled])).toEqual(off.rows.map((x) => [x.id, x.completion, x.mislabeled]));
    const mis = (rows: ValueRow[]) => meanOf(rows.filter((x) => x.mislabeled).map((x) => x.mean_logprob));
    expect(mis(on.rows)).toBeGreaterThan(mis(off.rows) + 0.05);
    expect(on.rows.some((x, i) => Math.abs(x.value - off.rows[i]!.value) > 1e-6)).toBe(true);

    expect(on.r.series('train/loss').map(([s]) => s)).toEqual([4, 8, 12]);
    const trainable = on.r.last('train/trainable_parameters')!;
    expect(trainable).toBeGreaterThan(0);
    expect(trainable).toBeLessThan(100_000); // adapters only (the model has 0.8M parameters)
    for (const t of TASKS) expect(on.r.last(`eval/${t.task}/accuracy`)).toBeGreaterThanOrEqual(0);
    expect(off.r.series('train/loss')).toEqual([]);
    expect(on.r.last('value/auc_mislabel')).toBeGreaterThanOrEqual(0);
  });

  it('the memory estimate counts the warm-up’s training step and optimizer', async () => {
    const folder = await loadModelFolder(resolveModelFolder('builtin:benchtop-tiny', root.dir));
    const plain = estimateRunMemory(folder.config, valueConfigSchema.parse({ kind: 'value', model: 'x' }));
    const warm = estimateRunMemory(folder.config, valueConfigSchema.parse({ kind: 'value', model: 'x', warmup_sft: { enabled: true } }));
    const full = estimateRunMemory(folder.config, valueConfigSchema.parse({ kind: 'value', model: 'x', warmup_sft: { enabled: true, lora: { enabled: false } } }));
    expect(warm.totalBytes).toBeGreaterThan(plain.totalBytes);
    expect(warm.parts.some((p) => p.name === 'optimizer')).toBe(true);
    expect(full.parts.some((p) => p.name === 'trainer')).toBe(true);
    expect(full.totalBytes).toBeGreaterThan(warm.totalBytes);
  });
});
