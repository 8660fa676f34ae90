/**
 * Reading tokenizers as real checkpoints ship them (fixtures: tokenizerStyles.ts): which special
 * ids they have, whether sequences open with BOS, every EOS of generation_config.json, byte-level
 * and byte-fallback encoding worked out by hand, chat vs plain prompts, and training sequences
 * and packed rows for a tokenizer without BOS.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenizerFromJson, type TextTokenizer } from '../../../src/engine/model/tokenizer';
import { loadTokenizer } from '../../../src/engine/model/folder';
import { encodeExample, MixtureStream, IGNORE_INDEX } from '../../../src/engine/data/batches';
import { byteLevelAlphabet, tokenizerFiles, TOKENIZER_STYLES, writeTokenizerFolder, type TokenizerStyle } from './tokenizerStyles';
import { tempDir } from '../runs/recordingContext';

const tmp = tempDir('benchtop-tokstyles-');
afterAll(() => tmp.cleanup());

function load(style: TokenizerStyle): TextTokenizer {
  const f = tokenizerFiles(style);
  return tokenizerFromJson(f.json, f.config, 'tokenizer.json', 'tokenizer_config.json', { generationEos: f.generation.eos_token_id });
}

describe('special tokens and sequence conventions per style', () => {
  for (const style of TOKENIZER_STYLES) {
    it(`${style}: ids from the folder's three files`, async () => {
      const dir = join(tmp.dir, style);
      const f = writeTokenizerFolder(dir, style);
      const t = await loadTokenizer(dir);
      expect(t.bosId).toBe(f.ids.bos);
      expect(t.eosId).toBe(f.ids.eos);
      expect([...t.eosIds].sort()).toEqual([...f.ids.eosIds].sort());
      expect(t.padId).toBe(f.ids.pad);
      // Qwen has no BOS; Llama 3 gets it from its TemplateProcessing post-processor; Mistral from add_bos_token.
      expect(t.addBos).toBe(style !== 'qwen');
      expect(t.addEos).toBe(false);
      expect(t.promptFormat).toBe('chat');
    });
  }

  it('byte-level BPE: GPT-2 byte symbols and the merges, worked by hand', () => {
    const t = load('qwen');
    const bytes = byteLevelAlphabet();
    const id = (piece: string) => t.tokenToId(piece)!;
    // " is" → Ġ i s → (i s) → (Ġ is) = "Ġis"; "é" is two UTF-8 bytes C3 A9, one symbol each.
    expect(t.encode(' is')).toEqual([id('Ġis')]);
    expect(t.encode('é')).toEqual([0xc3, 0xa9]);
    expect(bytes[0xc3]).toBe('Ã');
    // digits are split one by one (the \p{N} alternative), '+' and '=' stay whole symbols
    expect(t.encode('12+3=')).toEqual([0x31, 0x32, 0x2b, 0x33, 0x3d]);
    expect(t.decode(t.encode('x −÷ 7\n'))).toBe('x −÷ 7\n');
  });

  it('SentencePiece-style BPE: ▁ for spaces (prepended once), bytes for pieces outside the vocabulary', () => {
    const t = load('sentencepiece');
    const id = (piece: string) => t.tokenToId(piece)!;
    expect(t.encode('é')).toEqual([id('▁'), 3 + 0xc3, 3 + 0xa9]);
    expect(t.encode('the is')).toEqual([id('▁the'), id('▁is')]);
    expect(t.decode(t.encode('a −b é'))).toBe('a −b é');
  });

  it('prompts: chat through the template, plain with BOS only where the tokenizer opens sequences with it', () => {
    const q = load('qwen');
    expect(q.decode(q.encodePrompt('1+1='))).toBe('<|im_start|>user\n1+1=<|im_end|>\n<|im_start|>assistant\n');
    expect(q.withPromptFormat('plain').encodePrompt('1+1=')).toEqual(q.encode('1+1='));
    const l = load('llama3');
    const chat = l.encodePrompt('hi');
    expect(chat[0]).toBe(l.bosId); // written by the template's {{ bos_token }}, exactly once
    expect(chat.filter((x) => x === l.bosId)).toHaveLength(1);
    expect(l.withPromptFormat('plain').encodePrompt('hi')).toEqual([l.bosId, ...l.encode('hi')]);
    expect(l.encodeText('hi')).toEqual([l.bosId, ...l.encode('hi')]);
    const s = load('sentencepiece');
    expect(s.decode(s.encodePrompt('2+2='))).toBe('<s>[INST] 2+2= [/INST]');
    // A response prefix opens the assistant turn in chat, and continues the text in plain.
    expect(q.decode(q.encodePrompt('1+1=', 'the'))).toBe('<|im_start|>user\n1+1=<|im_end|>\n<|im_start|>assistant\nthe');
    expect(q.withPromptFormat('plain').encodePrompt('x is', ' the')).toEqual(q.encode('x is the'));
    expect(l.withPromptFormat('plain').encodePrompt('a', 'b')).toEqual([l.bosId, ...l.encode('ab')]);
  });

  it('the built-in tokenizer keeps plain prompts by default; chat without a template is refused', () => {
    const f = tokenizerFiles('qwen');
    const noTpl = tokenizerFromJson(f.json, { ...f.config, chat_template: undefined }, 't.json', '/m/tokenizer_config.json');
    expect(noTpl.promptFormat).toBe('plain');
    expect(() => noTpl.withPromptFormat('chat')).toThrow(/prompt_format: 'chat' needs a chat template, and \/m\/tokenizer_config\.json has no 'chat_template'/);
  });

  it('bad special-token settings name the file and key', () => {
    const f = tokenizerFiles('qwen');
    expect(() => tokenizerFromJson(f.json, { ...f.config, add_bos_token: true }, 't.json', '/m/tokenizer_config.json')).toThrow(/^\/m\/tokenizer_config\.json: add_bos_token is true but no bos_token/);
    expect(() => tokenizerFromJson(f.json, { ...f.config, add_eos_token: 'yes' }, 't.json', '/m/tokenizer_config.json')).toThrow(/key 'add_eos_token': expected true or false/);
    expect(() => tokenizerFromJson(f.json, f.config, 't.json', 'c.json', { generationEos: [5, 99999], generationFile: '/m/generation_config.json' })).toThrow(/^\/m\/generation_config\.json: key 'eos_token_id'/);
    // EOS only in generation_config.json: the first id closes training sequences
    const t = tokenizerFromJson(f.json, { ...f.config, eos_token: null }, 't.json', 'c.json', { generationEos: [266, 268] });
    expect(t.eosId).toBe(266);
    expect(t.eosIds).toEqual([266, 268]);
  });
});

describe('BOS without a post-processor or add_bos_token, and a run-chosen sequence end', () => {
  it('a named bos_token opens sequences (SmolLM2, Benchtop models) unless add_bos_token says false', () => {
    const f = tokenizerFiles('qwen');
    const smol = tokenizerFromJson(f.json, { ...f.config, bos_token: '<|im_start|>' });
    expect(smol.addBos).toBe(true);
    expect(smol.withPromptFormat('plain').encodePrompt('1')).toEqual([267, 0x31]);
    expect(tokenizerFromJson(f.json, { ...f.config, bos_token: '<|im_start|>', add_bos_token: false }).addBos).toBe(false);
  });

  it('sequence_end closes examples when the tokenizer has no EOS; a token outside the vocabulary is refused', () => {
    const f = tokenizerFiles('qwen');
    const noEos = tokenizerFromJson(f.json, { ...f.config, eos_token: null }, '/m/tokenizer.json');
    expect(noEos.eosId).toBeNull();
    expect(() => encodeExample(noEos, '1+1=', '2', { completionOnly: true })).toThrow(/no end-of-sequence token.*sequence_end/);
    const t = noEos.withPromptFormat('plain', '<|endoftext|>');
    expect(t.eosId).toBe(266);
    expect(t.eosIds).toEqual([266]);
    expect(encodeExample(t, '1+1=', '2', { completionOnly: true }).ids).toEqual([0x31, 0x2b, 0x31, 0x3d, 0x32, 266]);
    expect(() => noEos.withPromptFormat('plain', '<|nope|>')).toThrow(/^sequence_end: "<\|nope\|>" is not a token of \/m\/tokenizer\.json/);
  });
});

describe('training sequences without BOS', () => {
  it('an example is prompt, completion, EOS; completion-only labels cover exactly the completion and EOS', () => {
    const t = load('qwen').withPromptFormat('plain');
    const s = encodeExample(t, '7+5=', '12', { completionOnly: true });
    const p = t.encode('7+5=');
    const c = t.encode('12');
    expect(s.ids).toEqual([...p, ...c, t.eosId]);
    expect(s.lossMask).toEqual([...p.map(() => false), ...c.map(() => true), true]);
    const chat = encodeExample(load('qwen'), '7+5=', '12', { completionOnly: true });
    expect(chat.ids.slice(-3)).toEqual([...c, 268]); // <|im_end|> closes the assistant turn
  });

  it('packed rows hold whole examples, each closed by EOS, with no BOS anywhere', () => {
    const t = load('qwen');
    const stream = new MixtureStream([{ task: 'arithmetic', weight: 1, options: { max_digits: 2 } }], 3);
    const b = stream.nextBatch(t, 2, 96, false, true);
    for (let r = 0; r < 2; r++) {
      const row = Array.from(b.inputIds.slice(r * 96, (r + 1) * 96), Number);
      const labels = Array.from(b.labels.slice(r * 96, (r + 1) * 96), Number);
      // Example boundaries: a user turn opening right at the row start or right after an EOS.
      const starts = row.flatMap((x, i) => (x === 267 && (i === 0 || row[i - 1] === 268) ? [i] : []));
      expect(starts[0]).toBe(0);
      expect(starts.length).toBeGreaterThanOrEqual(2);
      for (const i of starts) expect(t.decode(row.slice(i, i + 6))).toMatch(/^<\|im_start\|>user\n/);
      // …and the EOS before each is the end of the previous example's answer: "=" then digits then EOS
      for (const i of starts.slice(1)) expect(t.decode(row.slice(0, i))).toMatch(/assistant\n\d+<\|im_end\|>$/);
      // the label of each example's last completion token is the EOS (shifted by one)
      expect(labels.filter((x) => x === 268).length).toBeGreaterThanOrEqual(starts.length - 1);
      expect(row).not.toContain(t.bosId ?? -1);
      expect(labels.every((x) => x === IGNORE_INDEX || x >= 0)).toBe(true);
    }
  });
});
