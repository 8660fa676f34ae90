/**
 * Loading warns about NaN/±Inf weights, naming each tensor and the count of bad values (counted
 * here independently from the values the test wrote), and says nothing for a clean folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initModelFolder, loadModelFolder } from '../../../src/engine/model/folder';
import { nonFiniteWarning, scanNonFinite } from '../../../src/engine/model/validateFolder';
import type { LoadedTensor } from '../../../src/engine/model/safetensors';
import { tempDir } from '../../core/support/backend';

const TINY = { model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 32, tie_word_embeddings: false };
let scratch: { dir: string; cleanup(): void };
beforeAll(() => {
  scratch = tempDir('benchtop-nonfinite-');
});
afterAll(() => scratch.cleanup());

/** Overwrite float32 values of one tensor in a single-file safetensors checkpoint. */
function poison(dir: string, tensor: string, values: [index: number, value: number][]): void {
  const file = join(dir, 'model.safetensors');
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const entry = header[tensor]!;
  expect(entry.dtype).toBe('F32');
  for (const [i, v] of values) buf.writeFloatLE(v, 8 + n + entry.data_offsets[0] + 4 * i);
  writeFileSync(file, buf);
}

async function loadWarnings(dir: string): Promise<string[]> {
  const seen: string[] = [];
  const original = console.warn;
  console.warn = (...a: unknown[]) => void seen.push(a.map(String).join(' '));
  try {
    await loadModelFolder(dir);
  } finally {
    console.warn = original;
  }
  return seen;
}

describe('non-finite weights', () => {
  it('a clean folder loads without a warning', async () => {
    const dir = join(scratch.dir, 'clean');
    await initModelFolder({ config: TINY, outDir: dir, seed: 2 });
    expect(await loadWarnings(dir)).toEqual([]);
  });

  it('loading names each tensor with NaN or Inf and counts its bad values', async () => {
    const dir = join(scratch.dir, 'bad');
    await initModelFolder({ config: TINY, outDir: dir, seed: 2 });
    poison(dir, 'model.layers.1.mlp.up_proj.weight', [[0, NaN], [7, NaN], [30, Infinity]]);
    poison(dir, 'model.norm.weight', [[3, -Infinity]]);
    const warnings = await loadWarnings(dir);
    expect(warnings).toHaveLength(1);
    const w = warnings[0]!;
    expect(w).toMatch(/^warning: non-finite weights: /);
    expect(w).toContain(`'model.layers.1.mlp.up_proj.weight' (${join(dir, 'model.safetensors')}) holds 2 NaN and 1 ±Inf of ${32 * 16} values`);
    expect(w).toContain(`'model.norm.weight' (${join(dir, 'model.safetensors')}) holds 1 ±Inf of 16 values`);
  });

  it('the scan counts NaN, +Inf and −Inf and ignores integer tensors', () => {
    const f = new Float32Array([1, NaN, Infinity, -Infinity, 0, -0, 3.4e38, NaN]);
    const tensors = new Map<string, LoadedTensor>([
      ['a', { dtype: 'F32', shape: [8], data: f, file: 'x.safetensors' }],
      ['ok', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]), file: 'x.safetensors' }],
      ['ids', { dtype: 'I32', shape: [2], data: new Int32Array([1, 2]), file: 'x.safetensors' }],
    ]);
    // Independent count: NaN is the one value unequal to itself; Inf has |x| = Infinity.
    const nan = [...f].filter((x) => x !== x).length;
    const inf = [...f].filter((x) => Math.abs(x) === Infinity).length;
    expect(scanNonFinite(tensors)).toEqual([{ tensor: 'a', file: 'x.safetensors', nan, inf, size: 8 }]);
    expect(nonFiniteWarning([])).toBeNull();
    const many = Array.from({ length: 7 }, (_, i) => ({ tensor: `t${i}`, file: 'f', nan: 1, inf: 0, size: 4 }));
    expect(nonFiniteWarning(many)).toMatch(/'t4'.*; and 2 more tensors\. Outputs/);
  });
});
