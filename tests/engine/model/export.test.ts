/**
 * Exported model folders: saved in the source folder's dtype by default, in HF's layout
 * (config.json, generation_config.json, tokenizer files, sharded safetensors + index), and a
 * pruned model written out and loaded back scores exactly as the in-memory one did.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initModelFolder, loadModelFolder, saveModelFolder } from '../../../src/engine/model/folder';
import { expectedTensors } from '../../../src/engine/model/weights';
import { readSafetensorsHeader } from '../../../src/engine/model/safetensors';
import { removeLayers } from '../../../src/engine/pruning/removeLayers';
import { ModelRuntime } from '../../../src/engine/generate/runtime';
import { scoreIds } from '../../../src/engine/generate/scoring';

const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'bt-export-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const tiny = { model_type: 'qwen2', hidden_size: 32, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 48, tie_word_embeddings: true };

async function headerDtypes(file: string): Promise<Set<string>> {
  const h = await readSafetensorsHeader(file);
  return new Set([...h.tensors.values()].map((t) => t.dtype));
}

describe('exported model folders', () => {
  it('a BF16 folder pruned and saved stays BF16; an F32 one stays F32', async () => {
    for (const dtype of ['BF16', 'F32'] as const) {
      const src = await tmp();
      await initModelFolder({ config: tiny, outDir: src, seed: 3, checkpoint: { dtype } });
      const m = await loadModelFolder(src);
      expect(m.dtype).toBe(dtype);
      const pruned = removeLayers(m.config, m.weights, [2]);
      const out = await tmp();
      await saveModelFolder(out, { config: pruned.config, weights: pruned.weights, tokenizer: { json: m.tokenizer.json, configJson: m.tokenizer.configJson } });
      expect(await headerDtypes(join(out, 'model.safetensors'))).toEqual(new Set([dtype]));
      const cfg = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
      expect(cfg.torch_dtype).toBe(dtype === 'BF16' ? 'bfloat16' : 'float32');
      // BF16 → fp32 → BF16 is exact, so the saved file holds the source's values.
      const back = await loadModelFolder(out);
      expect(Array.from(back.weights.layers[2]!.down.data)).toEqual(Array.from(m.weights.layers[3]!.down.data));
    }
  });

  it('a pruned model written out and loaded back scores identically', async () => {
    const src = await tmp();
    await initModelFolder({ config: tiny, outDir: src, seed: 4, checkpoint: { dtype: 'BF16' } });
    const m = await loadModelFolder(src);
    const pruned = removeLayers(m.config, m.weights, [1]);
    const out = await tmp();
    await saveModelFolder(out, { config: pruned.config, weights: pruned.weights, tokenizer: { json: m.tokenizer.json, configJson: m.tokenizer.configJson }, generationConfig: m.generationConfig });
    const seqs = [m.tokenizer.encode('12+34=46'), m.tokenizer.encode('7*8=56 and 9')];
    const inMemory = new ModelRuntime({ ...m, config: pruned.config, weights: pruned.weights }, { executionProvider: 'cpu', threads: 1 });
    const loaded = new ModelRuntime(await loadModelFolder(out), { executionProvider: 'cpu', threads: 1 });
    const a = await scoreIds(inMemory, seqs);
    const b = await scoreIds(loaded, seqs);
    await inMemory.release();
    await loaded.release();
    expect(a.flat().filter((x) => x !== null).length).toBeGreaterThan(10);
    expect(b).toEqual(a);
    // and the unpruned model scores differently (the check can fail)
    const full = new ModelRuntime(m, { executionProvider: 'cpu', threads: 1 });
    const c = await scoreIds(full, seqs);
    await full.release();
    expect(c).not.toEqual(a);
  });

  it('sharded folders follow the HF layout: index with total_size and a sorted weight_map over every tensor', async () => {
    const src = await tmp();
    const made = await initModelFolder({ config: tiny, outDir: src, seed: 5, checkpoint: { dtype: 'BF16', maxShardBytes: 40_000 } });
    // dotfiles (Benchtop's output marker) are not part of the HF layout; transformers ignores them
    const files = (await readdir(src)).filter((f) => !f.startsWith('.')).sort();
    const shards = files.filter((f) => f.endsWith('.safetensors'));
    expect(shards.length).toBeGreaterThan(1);
    shards.forEach((f, i) => expect(f).toBe(`model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`));
    expect(files).toEqual(['config.json', 'generation_config.json', 'model.safetensors.index.json', ...shards, 'tokenizer.json', 'tokenizer_config.json'].sort());
    const index = JSON.parse(await readFile(join(src, 'model.safetensors.index.json'), 'utf8'));
    expect(Object.keys(index)).toEqual(['metadata', 'weight_map']);
    // total_size = the data sections of all shards (file size − 8 − header length)
    let data = 0;
    for (const f of shards) {
      const h = await readSafetensorsHeader(join(src, f));
      data += (await stat(join(src, f))).size - h.dataStart;
    }
    expect(index.metadata.total_size).toBe(data);
    const names = expectedTensors(made.config).map((t) => t.name);
    expect(Object.keys(index.weight_map)).toEqual([...names].sort());
    expect(new Set(Object.values(index.weight_map))).toEqual(new Set(shards));
    const config = JSON.parse(await readFile(join(src, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', num_hidden_layers: 4, torch_dtype: 'bfloat16', tie_word_embeddings: true });
    const gen = JSON.parse(await readFile(join(src, 'generation_config.json'), 'utf8'));
    expect(gen.eos_token_id).toBe(config.eos_token_id);
    expect(gen.bos_token_id).toBe(config.bos_token_id);
    const tk = JSON.parse(await readFile(join(src, 'tokenizer.json'), 'utf8'));
    expect(tk.model).toBeDefined();
  });
});
