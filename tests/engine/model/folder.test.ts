import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initModelFolder, loadModelFolder, saveModelFolder } from '../../../src/engine/model/folder';
import { writeSafetensors, readSafetensors } from '../../../src/engine/model/safetensors';

const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'bt-folder-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const tiny = {
  model_type: 'llama',
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 32,
  tie_word_embeddings: false,
};

describe('model folders', () => {
  it('init writes a normal HF folder; same seed gives identical bytes, another seed differs', async () => {
    const [a, b, c] = [await tmp(), await tmp(), await tmp()];
    await initModelFolder({ config: tiny, outDir: a, seed: 7 });
    await initModelFolder({ config: tiny, outDir: b, seed: 7 });
    await initModelFolder({ config: tiny, outDir: c, seed: 8 });
    expect((await readdir(a)).sort()).toEqual(['.benchtop-output', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const fa = await readFile(join(a, 'model.safetensors'));
    expect(fa.equals(await readFile(join(b, 'model.safetensors')))).toBe(true);
    expect(fa.equals(await readFile(join(c, 'model.safetensors')))).toBe(false);
    const m = await loadModelFolder(a);
    expect(m.dir).toBe(a);
    expect(m.config.vocab_size).toBe(m.tokenizer.vocabSize);
    expect([m.config.bos_token_id, m.config.eos_token_id, m.config.pad_token_id]).toEqual([1, [2], 0]);
    expect(m.generationConfig).toEqual({ bos_token_id: 1, eos_token_id: 2, pad_token_id: 0 });
    expect(m.weights.layers).toHaveLength(2);
    expect(m.weights.layers[0]!.k.shape).toEqual([8, 16]);
    expect(m.weights.lmHead!.shape).toEqual([m.config.vocab_size, 16]);
    // Norms start at 1, linear weights are N(0, 0.02²): 512 samples, sample std within ±15%.
    expect([...m.weights.finalNorm.data].every((x) => x === 1)).toBe(true);
    expect([...m.weights.layers[1]!.inputNorm.data].every((x) => x === 1)).toBe(true);
    const w = m.weights.layers[1]!.gate.data;
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.017);
    expect(std).toBeLessThan(0.023);
    // Every tensor differs from every other (one stream, not restarted per tensor).
    expect(m.weights.layers[0]!.q.data[0]).not.toBe(m.weights.layers[1]!.q.data[0]);
    expect(m.tokenizer.decode(m.tokenizer.encode('12+3=15'))).toBe('12+3=15');
  });

  it('save → load round-trips qwen2 (biases), qwen3 (q/k norms) and tied embeddings exactly in F32', async () => {
    for (const extra of [{ model_type: 'qwen2' }, { model_type: 'qwen3', head_dim: 4, tie_word_embeddings: true }]) {
      const a = await tmp();
      const made = await initModelFolder({ config: { ...tiny, ...extra }, outDir: a, seed: 3 });
      // Give the zero-initialised biases and unit norms distinct values so the mapping is checked.
      made.weights.layers.forEach((l, i) => {
        for (const t of [l.qBias, l.kBias, l.vBias, l.qNorm, l.kNorm]) t?.data.forEach((_, j, arr) => (arr[j] = i + j / 100));
      });
      const b = await tmp();
      await saveModelFolder(b, made);
      const back = await loadModelFolder(b);
      expect(back.config).toEqual(made.config);
      expect(back.weights).toEqual(made.weights);
      const names = [...(await readSafetensors(join(b, 'model.safetensors'))).tensors.keys()];
      if (extra.model_type === 'qwen2') {
        expect(names).toContain('model.layers.1.self_attn.k_proj.bias');
        expect(names).toContain('lm_head.weight');
        expect(back.weights.layers[1]!.kBias!.data[2]).toBeCloseTo(1.02, 6);
      } else {
        expect(names).toContain('model.layers.0.self_attn.q_norm.weight');
        expect(names).not.toContain('lm_head.weight');
        expect(back.weights.lmHead).toBeUndefined();
      }
    }
  });

  it('loads sharded BF16 folders', async () => {
    const dir = await tmp();
    const made = await initModelFolder({ config: tiny, outDir: dir, seed: 1, checkpoint: { dtype: 'BF16', maxShardBytes: 2000 } });
    const files = await readdir(dir);
    expect(files).toContain('model.safetensors.index.json');
    expect(files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length).toBeGreaterThan(2);
    const m = await loadModelFolder(dir);
    const orig = made.weights.layers[0]!.q.data;
    const back = m.weights.layers[0]!.q.data;
    for (let i = 0; i < orig.length; i++) expect(Math.abs(back[i]! - orig[i]!)).toBeLessThanOrEqual(Math.abs(orig[i]!) * 2 ** -8);
    // Saving as a single file again removes the shards and the index, so the stale index cannot win.
    await saveModelFolder(dir, m);
    expect((await readdir(dir)).filter((f) => f.includes('safetensors'))).toEqual(['model.safetensors']);
  });

  it('malformed folders get errors naming the file and the problem', async () => {
    const dir = await tmp();
    await initModelFolder({ config: tiny, outDir: dir, seed: 1 });
    const cfgPath = join(dir, 'config.json');
    const st = join(dir, 'model.safetensors');
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));

    // Missing config key.
    await writeFile(cfgPath, JSON.stringify({ ...cfg, hidden_size: undefined }));
    await expect(loadModelFolder(dir)).rejects.toThrow(`${cfgPath}: missing key 'hidden_size': expected a whole number > 0`);
    // Unknown architecture.
    await writeFile(cfgPath, JSON.stringify({ ...cfg, model_type: 'bert', architectures: ['BertModel'] }));
    await expect(loadModelFolder(dir)).rejects.toThrow(`${cfgPath}: unknown architecture: key 'model_type' is 'bert'`);
    // Wrong tensor shape (config and weights disagree).
    await writeFile(cfgPath, JSON.stringify({ ...cfg, intermediate_size: 48 }));
    await expect(loadModelFolder(dir)).rejects.toThrow(
      `${st}: tensor 'model.layers.0.mlp.gate_proj.weight' has shape [32, 16], expected [48, 16] from config.json`,
    );
    // Fewer layers in config than in the file.
    await writeFile(cfgPath, JSON.stringify({ ...cfg, num_hidden_layers: 1 }));
    await expect(loadModelFolder(dir)).rejects.toThrow(`${st}: unexpected tensor 'model.layers.1.`);
    // Tokenizer larger than the vocabulary.
    await writeFile(cfgPath, JSON.stringify({ ...cfg, vocab_size: 10 }));
    await expect(loadModelFolder(dir)).rejects.toThrow(/tokenizer\.json: has \d+ tokens but config\.json vocab_size is 10/);
    await writeFile(cfgPath, JSON.stringify(cfg));

    // Missing tensor.
    const good = await readFile(st);
    const { tensors } = await readSafetensors(st);
    tensors.delete('model.layers.1.self_attn.v_proj.weight');
    await writeSafetensors(st, tensors);
    await expect(loadModelFolder(dir)).rejects.toThrow(`${st}: missing tensor 'model.layers.1.self_attn.v_proj.weight' (expected shape [8, 16])`);
    // Bad safetensors header.
    const bytes = Buffer.from(good);
    bytes.fill(0x21, 8, 20);
    await writeFile(st, bytes);
    await expect(loadModelFolder(dir)).rejects.toThrow(`${st}: safetensors header is not valid JSON`);
    await writeFile(st, good);
    await expect(loadModelFolder(dir)).resolves.toBeTruthy();

    // Invalid generation_config.json, then a missing tokenizer.
    await writeFile(join(dir, 'generation_config.json'), '[1]');
    await expect(loadModelFolder(dir)).rejects.toThrow(`${join(dir, 'generation_config.json')}: expected a JSON object`);
    await rm(join(dir, 'generation_config.json'));
    await expect(loadModelFolder(dir)).resolves.toBeTruthy(); // optional
    const tokJson = await readFile(join(dir, 'tokenizer.json'));
    await rm(join(dir, 'tokenizer.json'));
    await expect(loadModelFolder(dir)).rejects.toThrow(`${join(dir, 'tokenizer.json')}: file not found`);
    await writeFile(join(dir, 'tokenizer.json'), '{"model": 1');
    await expect(loadModelFolder(dir)).rejects.toThrow(`${join(dir, 'tokenizer.json')}: not valid JSON`);
    await writeFile(join(dir, 'tokenizer.json'), tokJson);
    // No weights at all.
    await rm(st);
    await expect(loadModelFolder(dir)).rejects.toThrow(`${dir}: no weights: expected model.safetensors or model.safetensors.index.json`);
  });

  it('init refuses a config whose vocabulary is smaller than the tokenizer, naming the config file', async () => {
    await expect(initModelFolder({ config: { ...tiny, vocab_size: 5 }, outDir: await tmp(), seed: 0, configFile: '/x/tiny.json' })).rejects.toThrow(
      /^\/x\/tiny\.json: key 'vocab_size': expected at least the tokenizer's \d+ tokens, found 5/,
    );
  });
});
