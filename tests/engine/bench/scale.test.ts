/**
 * Pieces of the scale bench that run in seconds: the byte-level BPE tokenizer files it writes
 * (vocabulary size, specials, lossless on any UTF-8 text) and its export check on a tiny folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { byteAlphabet, byteBpeTokenizerFiles, QWEN25_STYLE, SMOLLM2_STYLE } from '../../../src/engine/bench/scaleTokenizer';
import { runScaleOp } from '../../../src/engine/bench/scaleOps';
import { initModelFolder } from '../../../src/engine/model/folder';
import { tokenizerFromJson } from '../../../src/engine/model/tokenizer';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('scale bench tokenizers', () => {
  it('the byte alphabet is 256 distinct printable characters; space is Ġ as in GPT-2', () => {
    const a = byteAlphabet();
    expect(new Set(a).size).toBe(256);
    expect(a[32]).toBe('Ġ');
    expect(a[65]).toBe('A');
    expect(a.every((c) => !/\s/.test(c))).toBe(true);
  });

  it('SmolLM2 style: 49152 ids, specials first with BOS and EOS; Qwen style: specials last, no BOS', () => {
    const smol = tokenizerFromJson(...Object.values(byteBpeTokenizerFiles({ ...SMOLLM2_STYLE, vocabSize: 4000 })) as [Record<string, unknown>, Record<string, unknown>]);
    expect(smol.vocabSize).toBe(4000);
    expect([smol.bosId, smol.eosId]).toEqual([1, 2]);
    const qwen = tokenizerFromJson(...Object.values(byteBpeTokenizerFiles({ ...QWEN25_STYLE, vocabSize: 3000 })) as [Record<string, unknown>, Record<string, unknown>]);
    expect(qwen.bosId).toBeNull();
    expect(qwen.eosId).toBe(2997);
    expect(qwen.tokenToId('<|im_end|>')).toBe(2999);
  });

  it('encodes any text losslessly, and merges make ordinary text shorter than its bytes', () => {
    const f = byteBpeTokenizerFiles({ ...SMOLLM2_STYLE, vocabSize: 12_000 });
    const tk = tokenizerFromJson(f.json, f.config);
    for (const text of ['Question: 12 + 35 = ?\nAnswer: 47', 'naïve café – 東京 🙂', '\t\u0000 odd  spacing  ']) {
      const ids = tk.encode(text);
      expect(tk.decode(ids)).toBe(text);
      expect(ids.every((i) => i >= 3 && i < 12_000)).toBe(true);
    }
    const plain = 'The answer to 12 + 35 is 47, and the answer to 8 * 9 is 72.';
    expect(tk.encode(plain).length).toBeLessThan(0.6 * new TextEncoder().encode(plain).length);
  });
});

describe('scale bench export check', () => {
  it('a pruned BF16 folder written and read back scores identically', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bt-scale-'));
    dirs.push(root);
    const f = byteBpeTokenizerFiles({ ...SMOLLM2_STYLE, vocabSize: 600 });
    const tokenizer = tokenizerFromJson(f.json, f.config);
    const model = join(root, 'model');
    await initModelFolder({ config: { model_type: 'llama', hidden_size: 32, num_hidden_layers: 5, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, tie_word_embeddings: true }, outDir: model, seed: 2, tokenizer, checkpoint: { dtype: 'BF16' } });
    const line = await runScaleOp('export', model, root);
    expect(line).toMatchObject({ op: 'export', stored_dtype: 'BF16', torch_dtype: 'bfloat16', num_hidden_layers: 3, identical: true, max_abs_logprob_diff: 0 });
    expect(line.files).toEqual(['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors']);
  });
});
