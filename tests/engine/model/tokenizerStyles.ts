/**
 * Tiny tokenizer folders in the three styles real checkpoints ship, written by the tests (no
 * download): byte-level BPE without BOS and a ChatML template (Qwen2/2.5/3), byte-level BPE
 * whose post-processor opens every sequence with BOS and several EOS ids in
 * generation_config.json (Llama 3 instruct), and SentencePiece-style BPE with byte fallback, a
 * Metaspace pre-tokenizer, add_bos_token and an [INST] template (Llama 2 / Mistral). The files
 * follow the layout of the real ones; vocabularies are cut down to a few hundred tokens.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type TokenizerStyle = 'qwen' | 'llama3' | 'sentencepiece';
export const TOKENIZER_STYLES: TokenizerStyle[] = ['qwen', 'llama3', 'sentencepiece'];

/** GPT-2's reversible byte → printable character map (byte-level BPE vocabularies are written in it). */
export function byteLevelAlphabet(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = keep.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  return out;
}

const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

/** A byte-level BPE vocabulary: the 256 byte symbols and a few merges ("Ġ" is the space byte). */
function byteLevelModel(): { vocab: Record<string, number>; merges: string[] } {
  const bytes = byteLevelAlphabet();
  const vocab: Record<string, number> = {};
  bytes.forEach((ch, i) => (vocab[ch] = i));
  const merges = ['Ġ t', 'h e', 'Ġ a', 'Ġt he', 'e r', 'i s', 'Ġ is', '= =', 'a n', 'Ġ an'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  return { vocab, merges };
}

const QWEN_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };

function qwen(): Files {
  const { vocab, merges } = byteLevelModel();
  const n = Object.keys(vocab).length;
  const [endoftext, imStart, imEnd] = [n, n + 1, n + 2];
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(endoftext, '<|endoftext|>'), added(imStart, '<|im_start|>'), added(imEnd, '<|im_end|>')],
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN_SPLIT }, behavior: 'Isolated', invert: false }, BYTE_LEVEL] },
    post_processor: BYTE_LEVEL,
    decoder: BYTE_LEVEL,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
  const config = {
    add_prefix_space: false,
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    model_max_length: 32768,
    clean_up_tokenization_spaces: false,
    tokenizer_class: 'Qwen2Tokenizer',
    chat_template:
      "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
      "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
  };
  const generation = { bos_token_id: endoftext, eos_token_id: [imEnd, endoftext], pad_token_id: endoftext, do_sample: true, temperature: 0.7, top_p: 0.8, top_k: 20 };
  return { json, config, generation, ids: { bos: null, eos: imEnd, eosIds: [imEnd, endoftext], pad: endoftext } };
}

function llama3(): Files {
  const { vocab, merges } = byteLevelModel();
  const n = Object.keys(vocab).length;
  const names = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];
  const [bot, eot, , , eotId] = names.map((_, i) => n + i);
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: names.map((c, i) => added(n + i, c)),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN_SPLIT }, behavior: 'Isolated', invert: false }, BYTE_LEVEL] },
    post_processor: {
      type: 'Sequence',
      processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [bot], tokens: ['<|begin_of_text|>'] } },
        },
      ],
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: true, vocab, merges },
  };
  const config = {
    bos_token: '<|begin_of_text|>',
    eos_token: '<|eot_id|>',
    clean_up_tokenization_spaces: true,
    model_max_length: 131072,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template:
      "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}" +
      "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
  };
  const generation = { bos_token_id: bot, eos_token_id: [eot, eotId], do_sample: true, temperature: 0.6, top_p: 0.9 };
  return { json, config, generation, ids: { bos: bot, eos: eotId, eosIds: [eotId, eot], pad: null } };
}

/** Pieces of the SentencePiece-style vocabulary after the specials and the 256 byte tokens. */
const SP_PIECES = ['▁', ...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-*/=()[]{}<>.,:;?!\'"#%&_|^~$@\n'];
const SP_MERGES = ['▁ t', 'h e', '▁ a', '▁t he', 'i s', '▁ is', '▁ 1', '▁ 2'];

function sentencepiece(): Files {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  for (const p of SP_PIECES) vocab[p] ??= Object.keys(vocab).length;
  for (const m of SP_MERGES) vocab[m.replace(' ', '')] ??= Object.keys(vocab).length;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }],
    },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges: SP_MERGES },
  };
  const config = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: null,
    legacy: false,
    model_max_length: 32768,
    tokenizer_class: 'LlamaTokenizer',
    chat_template:
      "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
      "{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}",
  };
  const generation = { bos_token_id: 1, eos_token_id: 2 };
  return { json, config, generation, ids: { bos: 1, eos: 2, eosIds: [2], pad: null } };
}

export interface Files {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  generation: Record<string, unknown>;
  /** The special ids a reader must find (worked out by hand from the files above). */
  ids: { bos: number | null; eos: number; eosIds: number[]; pad: number | null };
}

export function tokenizerFiles(style: TokenizerStyle): Files {
  return style === 'qwen' ? qwen() : style === 'llama3' ? llama3() : sentencepiece();
}

/** Write tokenizer.json, tokenizer_config.json and generation_config.json into `dir`. */
export function writeTokenizerFolder(dir: string, style: TokenizerStyle): Files {
  const f = tokenizerFiles(style);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(f.json, null, 2));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(f.config, null, 2));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify(f.generation, null, 2));
  return f;
}
