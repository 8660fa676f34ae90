/**
 * The up-front memory estimate and the runner's guard: parameter and optimizer figures against
 * independent counts (the tensor list of weights.ts, the adapter shapes of lora.ts), how the
 * parts respond to the run config, and a run refused before its executor starts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRunConfig, type RunConfig } from '../../../src/shared/config';
import type { RunContext } from '../../../src/shared/runContext';
import { DEFAULT_SETTINGS } from '../../../src/shared/settings';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { expectedTensors } from '../../../src/engine/model/weights';
import { loraParameterCount } from '../../../src/engine/model/lora';
import { checkMemoryBudget, estimateDefaultRuns, estimateRunMemory, MemoryBudgetError, type MemoryEstimate } from '../../../src/engine/model/memoryEstimate';
import { withMemoryGuard } from '../../../src/engine/model/memoryGuard';
import { initModelFolder } from '../../../src/engine/model/folder';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const model = parseDecoderConfig('test', {
  model_type: 'qwen2', vocab_size: 1000, hidden_size: 64, num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 160, tie_word_embeddings: false,
});

function run(raw: Record<string, unknown>): RunConfig {
  const v = validateRunConfig({ name: 'x', model: '/nowhere', ...raw });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.config;
}
const part = (e: MemoryEstimate, name: string) => e.parts.find((p) => p.name === name)?.bytes ?? 0;
const TASKS = [{ task: 'arithmetic' }];

describe('estimateRunMemory', () => {
  it('counts the weights from the tensors the config implies, and the parts add up', () => {
    const P = expectedTensors(model).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    const e = estimateRunMemory(model, run({ kind: 'eval', tasks: TASKS }));
    expect(e.parameters).toBe(P);
    expect(e.fp32WeightBytes).toBe(4 * P);
    expect(part(e, 'weights')).toBe(4 * P);
    expect(e.totalBytes).toBe(e.parts.reduce((s, p) => s + p.bytes, 0));
  });

  it('optimizer state covers the LoRA adapters only with LoRA, every parameter without', () => {
    const lora = estimateRunMemory(model, run({ kind: 'sft', data: { tasks: TASKS }, lora: { enabled: true, r: 4, target_modules: ['q', 'v', 'down'] } }));
    const full = estimateRunMemory(model, run({ kind: 'sft', data: { tasks: TASKS }, lora: { enabled: false } }));
    expect(part(lora, 'optimizer')).toBe(3 * 4 * loraParameterCount(model, { r: 4, alpha: 16, targets: ['q', 'v', 'down'] }));
    expect(part(full, 'optimizer')).toBe(3 * 4 * full.parameters);
    expect(part(lora, 'activations')).toBe(part(full, 'activations'));
    // full SFT trains the loaded weights in place: no trainer copy (GRPO keeps one, below)
    expect(part(full, 'trainer')).toBe(0);
    expect(part(lora, 'trainer')).toBe(0);
  });

  it('training activations grow linearly with the batch; attention makes them super-linear in length', () => {
    const at = (batch: number, seq: number) =>
      part(estimateRunMemory(model, run({ kind: 'sft', data: { tasks: TASKS, seq_len: seq }, training: { batch_size: batch } })), 'activations');
    expect(at(8, 64)).toBeCloseTo(2 * at(4, 64), 6);
    expect(at(4, 128)).toBeGreaterThan(2 * at(4, 64));
    // the logits term alone: 3 × B·T × vocab × 4 bytes is a lower bound
    expect(at(4, 64)).toBeGreaterThan(3 * 4 * 64 * model.vocab_size * 4);
  });

  it('GRPO keeps a reference policy only for beta > 0 without LoRA', () => {
    const base = { kind: 'grpo', tasks: TASKS };
    expect(part(estimateRunMemory(model, run({ ...base, beta: 0 })), 'reference')).toBe(0);
    const withRef = estimateRunMemory(model, run({ ...base, beta: 0.04 }));
    expect(part(withRef, 'reference')).toBe(withRef.fp32WeightBytes);
    // the reference reads the loaded weights, so the trainer trains a copy of them
    expect(part(withRef, 'trainer')).toBe(withRef.fp32WeightBytes);
    expect(part(estimateRunMemory(model, run({ ...base, beta: 0 })), 'trainer')).toBe(0);
    expect(part(estimateRunMemory(model, run({ ...base, beta: 0.04, lora: { enabled: true } })), 'reference')).toBe(0);
  });

  it('estimates every folder run kind with its defaults (for the Models page)', () => {
    const all = estimateDefaultRuns(model);
    expect(Object.keys(all)).toEqual(['eval', 'prune', 'value', 'sft', 'grpo']);
    for (const [kind, e] of Object.entries(all)) {
      expect(e.kind).toBe(kind);
      expect(e.totalBytes).toBeGreaterThan(e.fp32WeightBytes);
    }
    // default SFT is LoRA, default GRPO a full finetune with beta 0: it trains the loaded
    // weights in place, so neither carries a trainer copy
    expect(part(all.sft, 'trainer')).toBe(0);
    expect(part(all.grpo, 'trainer')).toBe(0);
  });

  it('checkMemoryBudget refuses with the estimate in the message', () => {
    const e = estimateRunMemory(model, run({ kind: 'eval', tasks: TASKS }));
    expect(() => checkMemoryBudget(e, e.totalBytes)).not.toThrow();
    let err: unknown;
    try {
      checkMemoryBudget(e, e.totalBytes - 1);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(MemoryBudgetError);
    expect((err as Error).name).toBe('MemoryBudgetError');
    expect((err as Error).message).toContain(`${(e.totalBytes / 2 ** 30).toFixed(2)} GiB`);
    expect((err as Error).message).toMatch(/activations .* GiB/);
  });
});

describe('withMemoryGuard', () => {
  async function context(raw: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), 'bt-guard-'));
    dirs.push(dir);
    const modelDir = join(dir, 'model');
    await initModelFolder({ config: { model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 32 }, outDir: modelDir, seed: 1 });
    const v = validateRunConfig({ name: 'g', model: modelDir, ...raw });
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    const logs: string[] = [];
    const ctx: RunContext = {
      runId: 'g', config: v.config, settings: DEFAULT_SETTINGS, runDir: dir, dataDir: dir, signal: new AbortController().signal, resumeFrom: null,
      progress: () => {}, metrics: () => {}, log: (level, text) => logs.push(`${level} ${text}`), sample: () => {}, artifact: () => {}, checkpoint: () => {}, device: () => {},
    };
    return { ctx, logs };
  }

  it('refuses a run larger than the machine before the executor starts', async () => {
    const { ctx } = await context({ kind: 'eval', tasks: TASKS, batch_size: 100_000 });
    let started = false;
    const guarded = withMemoryGuard(async () => void (started = true), { totalBytes: 8 * 2 ** 30, availableBytes: null });
    await expect(guarded(ctx)).rejects.toThrow(MemoryBudgetError);
    await expect(guarded(ctx)).rejects.toThrow(/but the machine has 8\.00 GiB/);
    expect(started).toBe(false);
  });

  it('runs one that fits, logging the estimate, and warns when less than it is free', async () => {
    const { ctx, logs } = await context({ kind: 'eval', tasks: TASKS });
    let started = false;
    await withMemoryGuard(async () => void (started = true), { totalBytes: 8 * 2 ** 30, availableBytes: 1 })(ctx);
    expect(started).toBe(true);
    expect(logs.some((l) => /^info memory: .* GiB estimated for this eval run/.test(l))).toBe(true);
    expect(logs.some((l) => /^warn memory: .*only 0\.0 GiB is free/.test(l))).toBe(true);
  });
});
