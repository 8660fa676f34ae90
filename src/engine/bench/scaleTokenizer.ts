/**
 * Byte-level BPE tokenizer files in the layout real checkpoints ship (GPT-2 byte alphabet,
 * `ByteLevel` pre-tokenizer and decoder, a merges list), written offline for the scale bench:
 * the same code paths and vocabulary sizes as SmolLM2 or Qwen2.5, without a download. The
 * merges are synthetic (all printable pairs, then triples) — enough for realistic token
 * counts on task text and a vocabulary of the real size.
 */

/** GPT-2's byte → printable character table: printable bytes map to themselves, the rest to U+0100… */
export function byteAlphabet(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = keep.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  return table;
}

export interface ByteBpeStyle {
  /** Total ids including the specials. */
  vocabSize: number;
  /** Special tokens with their ids placed at the start ('first') or the end ('last') of the vocabulary. */
  specials: string[];
  specialsAt: 'first' | 'last';
  bos: string | null;
  eos: string;
  pad: string | null;
  /** Chat template (Jinja) for tokenizer_config.json, or none. */
  chatTemplate?: string;
}

/** SmolLM2-style: specials first, BOS and EOS both set, ChatML template. */
export const SMOLLM2_STYLE: ByteBpeStyle = {
  vocabSize: 49152,
  specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  specialsAt: 'first',
  bos: '<|im_start|>',
  eos: '<|im_end|>',
  pad: '<|endoftext|>',
};

/** Qwen2.5-style: specials after the BPE vocabulary, no BOS token, EOS <|endoftext|>. */
export const QWEN25_STYLE: ByteBpeStyle = {
  vocabSize: 151_646,
  specials: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
  specialsAt: 'last',
  bos: null,
  eos: '<|endoftext|>',
  pad: '<|endoftext|>',
};

/** tokenizer.json and tokenizer_config.json objects for `style`. */
export function byteBpeTokenizerFiles(style: ByteBpeStyle): { json: Record<string, unknown>; config: Record<string, unknown> } {
  const bytes = byteAlphabet();
  const nBpe = style.vocabSize - style.specials.length;
  if (nBpe < 256) throw new Error(`byte-level BPE needs at least 256 + ${style.specials.length} ids, got ${style.vocabSize}`);
  const tokens: string[] = [...bytes];
  const known = new Set(tokens);
  const merges: string[] = [];
  const add = (a: string, b: string): boolean => {
    if (tokens.length >= nBpe) return false;
    const t = a + b;
    if (known.has(t)) return true;
    known.add(t);
    tokens.push(t);
    merges.push(`${a} ${b}`);
    return true;
  };
  // Printable ASCII and the space marker first, so ordinary text merges into pairs and triples.
  const common = bytes.filter((_, b) => b >= 32 && b < 127);
  const pairs: string[] = [];
  for (const a of common) for (const b of common) if (add(a, b)) pairs.push(a + b);
  outer: for (const p of pairs) {
    for (const c of common) if (!add(p, c)) break outer;
  }
  // Fill what is left with quadruples of pairs (only for very large vocabularies).
  outer2: for (const p of pairs) {
    for (const q of pairs) if (!add(p, q)) break outer2;
  }
  const offset = style.specialsAt === 'first' ? style.specials.length : 0;
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => (vocab[t] = i + offset));
  const specialId = (i: number) => (style.specialsAt === 'first' ? i : nBpe + i);
  const added = style.specials.map((content, i) => ({ id: specialId(i), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const json: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
  const config: Record<string, unknown> = {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(added.map((a) => [String(a.id), { content: a.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }])),
    bos_token: style.bos,
    eos_token: style.eos,
    pad_token: style.pad,
    unk_token: null,
    clean_up_tokenization_spaces: false,
    model_max_length: 32768,
    tokenizer_class: 'GPT2Tokenizer',
    ...(style.chatTemplate ? { chat_template: style.chatTemplate } : {}),
  };
  return { json, config };
}
