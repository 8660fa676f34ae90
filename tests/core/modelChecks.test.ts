/**
 * What the Models page is told about a folder on add: tokenizer style and special tokens for
 * each real style, the stored dtype, the parameter count against the config's closed form, the
 * memory estimate's formula, and warnings — and a tokenizer a run would refuse is refused here.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectModelFolder } from '../../src/core/modelFolder';
import { checkModelFolder } from '../../src/core/modelChecks';
import { initModelFolder, loadTokenizer } from '../../src/engine/model/folder';
import { parseDecoderConfig } from '../../src/engine/model/config';
import type { ModelChecks } from '../../src/shared/modelChecks';
import { tempDir } from '../engine/runs/recordingContext';
import { writeTokenizerFolder, tokenizerFiles, type TokenizerStyle } from '../engine/model/tokenizerStyles';

const tmp = tempDir('benchtop-modelchecks-');
afterAll(() => tmp.cleanup());

const SHAPE = { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 64 };

async function folder(name: string, style: TokenizerStyle, modelType: string, dtype: 'F32' | 'BF16' = 'F32'): Promise<string> {
  const dir = join(tmp.dir, name);
  const files = writeTokenizerFolder(dir, style);
  await initModelFolder({ config: { model_type: modelType, ...SHAPE }, outDir: dir, seed: 1, tokenizer: await loadTokenizer(dir), checkpoint: { dtype } });
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify(files.generation));
  return dir;
}

/** Parameters of the decoder shape by hand: embeddings and LM head (not tied), per layer q/k/v/o + MLP + 2 norms (+ qkv bias for qwen2), final norm. */
function handCount(vocab: number, qkvBias: boolean): number {
  const d = 32;
  const kv = 2 * (32 / 4); // 2 KV heads of head size 8
  const attn = d * d + 2 * d * kv + d * d + (qkvBias ? d + 2 * kv : 0);
  const mlp = 3 * d * 64;
  return 2 * vocab * d + 2 * (attn + mlp + 2 * d) + d;
}

describe('model folder checks on add', () => {
  it('a Qwen-style BF16 folder: byte-level BPE, no BOS, two EOS, chat template, dtype warning', async () => {
    const dir = await folder('qwen', 'qwen', 'qwen2', 'BF16');
    const m = await inspectModelFolder(dir);
    const c = m.info.checks as ModelChecks;
    expect(c.architecture).toEqual({ modelType: 'qwen2', supported: true });
    expect(c.tokenizer).toMatchObject({ style: 'byte-level BPE', bosToken: null, addBos: false, eosToken: '<|im_end|>', chatTemplate: true, defaultPromptFormat: 'chat' });
    expect(c.tokenizer.eosTokens.sort()).toEqual(['<|endoftext|>', '<|im_end|>']);
    expect(c.dtypes).toEqual(['BF16']);
    expect(c.parameters).toBe(handCount(c.tokenizer.vocabSize, true));
    expect(m.parameters).toBe(c.parameters);
    // BF16 stores 2 bytes a parameter (plus the safetensors header)
    expect(c.weightBytes).toBeGreaterThan(2 * c.parameters);
    expect(c.weightBytes).toBeLessThan(2 * c.parameters + 64 * 1024);
    expect(c.warnings.some((w) => /stored as BF16.*twice/.test(w))).toBe(true);
    expect(c.warnings.some((w) => /chat template/.test(w))).toBe(false);
    // The engine's per-run estimate: at least the fp32 weights (4 bytes a parameter, from the
    // closed-form count above), and training the whole model needs more than training adapters.
    const b = c.memory.byKind;
    for (const k of ['eval', 'prune', 'value', 'sft_lora', 'sft', 'grpo_lora', 'grpo']) expect(b[k as keyof typeof b], k).toBeGreaterThan(4 * c.parameters);
    expect(b.sft!).toBeGreaterThan(b.sft_lora!);
    expect(b.grpo!).toBeGreaterThan(b.grpo_lora!);
    expect(c.memory.method).toMatch(/memoryEstimate/);
  });

  it('Llama 3- and Mistral-style folders: styles, BOS and their EOS', async () => {
    const l = (await inspectModelFolder(await folder('llama3', 'llama3', 'llama'))).info.checks as ModelChecks;
    expect(l.tokenizer).toMatchObject({ style: 'byte-level BPE', bosToken: '<|begin_of_text|>', addBos: true, eosToken: '<|eot_id|>' });
    expect(l.tokenizer.eosTokens.sort()).toEqual(['<|end_of_text|>', '<|eot_id|>']);
    expect(l.dtypes).toEqual(['F32']);
    expect(l.warnings).toEqual([]);
    const s = (await inspectModelFolder(await folder('mistral', 'sentencepiece', 'mistral'))).info.checks as ModelChecks;
    expect(s.tokenizer).toMatchObject({ style: 'SentencePiece-style BPE with byte fallback (▁ for spaces)', bosToken: '<s>', addBos: true, eosToken: '</s>', eosTokens: ['</s>'] });
    expect(s.parameters).toBe(handCount(s.tokenizer.vocabSize, false));
  });

  it('warns plainly about a missing EOS, a missing template and memory beyond the machine', async () => {
    const dir = await folder('bare', 'qwen', 'qwen2');
    const f = tokenizerFiles('qwen');
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...f.config, eos_token: null, chat_template: undefined }));
    writeFileSync(join(dir, 'generation_config.json'), '{}');
    const config = parseDecoderConfig('config.json', { model_type: 'qwen2', ...SHAPE, vocab_size: 300 });
    // A machine smaller than the runtime alone: every kind's estimate exceeds it.
    const c = await checkModelFolder({ dir, config, parameters: 1e9, dtypes: ['F32'], weightBytes: 4e9, machineBytes: 0.25 * 1024 ** 3 });
    expect(c.warnings[0]).toMatch(/^No end-of-sequence token: SFT, prune and value runs will refuse this folder/);
    expect(c.warnings[1]).toMatch(/^No chat template: runs give prompts as plain text/);
    expect(c.warnings[2]).toMatch(/^Estimated memory exceeds this machine's 0\.3 GiB for eval \([\d.]+ GiB\), prune \([\d.]+ GiB\), value \([\d.]+ GiB\), SFT with LoRA/);
    expect(c.tokenizer.defaultPromptFormat).toBe('plain');
  });

  it('refuses a tokenizer with more tokens than the model, naming tokenizer.json', async () => {
    const dir = await folder('small-vocab', 'qwen', 'qwen2');
    const config = parseDecoderConfig('config.json', { model_type: 'qwen2', ...SHAPE, vocab_size: 100 });
    await expect(checkModelFolder({ dir, config, parameters: 1, dtypes: ['F32'], weightBytes: 4 })).rejects.toThrow(/tokenizer\.json: has 269 tokens but config\.json vocab_size is 100/);
  });
});
