/**
 * Tokenisation for model folders. Every folder carries an HF `tokenizer.json` (+ optional
 * `tokenizer_config.json`), read with @huggingface/tokenizers. Benchtop's built-in model uses a
 * character-level vocabulary saved in the same format — a `WordLevel` model over single
 * characters, split by a one-character regex (`Split`, `Isolated`), joined back by the `Fuse`
 * decoder — so the built-in model is an ordinary HF folder (the Rust `tokenizers` library and
 * `transformers` load it too) and one loader serves both. (@huggingface/tokenizers has no
 * WordLevel class; it reads a vocab-only model as its "Legacy" model, which is the same lookup.)
 *
 * Sequence conventions follow what real checkpoints ship (docs/decisions/0015):
 * * BOS opens a sequence when tokenizer_config.json says `add_bos_token: true`; without that key,
 *   when a TemplateProcessing post-processor puts the BOS token first (Llama 3), or — for folders
 *   with neither — when the tokenizer names a bos_token at all (Benchtop's own models). Qwen
 *   tokenizers have no BOS: their sequences start with the first text token.
 * * EOS (`eosId`) closes every training and scoring sequence; `eosIds` (every id that ends a
 *   generation) adds generation_config.json's eos_token_id (a number or a list). Without an
 *   eos_token the first generation_config id is the EOS; a run's sequence_end replaces it.
 * * Prompts are rendered with the chat template (`chat`) or used as they are (`plain`); the
 *   default is chat when the folder has a template other than the built-in model's plain one.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { applyChatTemplate, type ChatMessage } from './chatTemplate';
import { ModelFileError } from './errors';

/** How task prompts reach the model: through the folder's chat template, or as plain text. */
export type PromptFormat = 'chat' | 'plain';

export interface TextTokenizer {
  /** Number of ids the tokenizer can produce (max id + 1). */
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly unkId: number | null;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly chatTemplate: string | null;
  /** Every id that ends a generation: eos_token and generation_config.json eos_token_id. */
  readonly eosIds: readonly number[];
  /** Whether a sequence (prompt, training example, scored text) opens with BOS. */
  readonly addBos: boolean;
  /** tokenizer_config.json add_eos_token: whether a scored plain text ends with EOS. */
  readonly addEos: boolean;
  /** How prompts are encoded (encodePrompt). */
  readonly promptFormat: PromptFormat;
  /**
   * Token ids of `text`. Special-token strings in the text (e.g. "<eos>") become their ids.
   * `addSpecialTokens` applies the tokenizer's post-processor (e.g. Llama's leading BOS); off by default.
   */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], opts?: { skipSpecial?: boolean }): string;
  /** A plain text as a whole sequence: BOS when addBos, the text, EOS when addEos. */
  encodeText(text: string): number[];
  /**
   * A task prompt as the model is asked it: chat → the template with one user turn and the
   * assistant opening (the template writes any BOS itself); plain → BOS when addBos, then the text.
   * `responsePrefix` is text the answer already starts with (e.g. a failure prefix): it follows
   * the assistant opening in chat, the prompt text in plain, and is encoded together with what
   * precedes it (as one string) so the tokens match a model that wrote it itself.
   */
  encodePrompt(text: string, responsePrefix?: string): number[];
  /**
   * The same tokenizer with a run's prompt format (undefined = the default; chat needs a template)
   * and, when given, `sequenceEnd` — a token that closes examples instead of the EOS (the run
   * config's sequence_end, named in errors).
   */
  withPromptFormat(format: PromptFormat | undefined, sequenceEnd?: string): TextTokenizer;
  tokenToId(token: string): number | null;
  idToToken(id: number): string | null;
  /** Render messages with this tokenizer's chat template (error when it has none). */
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string;
  /** The tokenizer.json object (for saving a folder). */
  readonly json: Record<string, unknown>;
  /** The tokenizer_config.json object (for saving a folder). */
  readonly configJson: Record<string, unknown>;
}

/** Special tokens of the built-in tokenizer, ids 0..3 in this order. */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

/**
 * Characters of the built-in tokenizer: what the synthetic tasks write — digits, ASCII letters,
 * arithmetic and bracket symbols (ASCII and the typographic − × ÷), punctuation, space, newline.
 */
export const BUILTIN_CHARS =
  '0123456789' +
  'abcdefghijklmnopqrstuvwxyz' +
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ' +
  ' \n+-*/=()[]{}<>.,:;?!\'"#%&_|^~$@' +
  '−×÷';

/** A plain role-prefixed chat format for the built-in model (no special tokens inside turns). */
export const BUILTIN_CHAT_TEMPLATE =
  "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}" +
  "{% if add_generation_prompt %}assistant: {% endif %}";

/** tokenizer.json + tokenizer_config.json for a character-level vocabulary. */
export function charTokenizerFiles(chars: string = BUILTIN_CHARS): { json: Record<string, unknown>; config: Record<string, unknown> } {
  const unique = [...new Set([...chars])];
  if (unique.length === 0) throw new Error('a character tokenizer needs at least one character');
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((s, i) => (vocab[s] = i));
  unique.forEach((ch, i) => (vocab[ch] = SPECIAL_TOKENS.length + i));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    // One token per character (code point); the specials above are matched first as added tokens.
    pre_tokenizer: { type: 'Split', pattern: { Regex: '[\\s\\S]' }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: '<bos>',
    eos_token: '<eos>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    model_max_length: 4096,
    // Keep decode exact: HF's clean-up would turn "a ." into "a.".
    clean_up_tokenization_spaces: false,
    chat_template: BUILTIN_CHAT_TEMPLATE,
  };
  return { json, config };
}

function tokenText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

function countVocab(json: Record<string, unknown>): number {
  const model = json.model as { vocab?: unknown };
  let max = -1;
  const v = model.vocab;
  if (Array.isArray(v)) max = v.length - 1; // Unigram: [[piece, score], …]
  else if (v && typeof v === 'object') for (const id of Object.values(v as Record<string, unknown>)) if (typeof id === 'number') max = Math.max(max, id);
  for (const t of (json.added_tokens as { id?: unknown }[] | undefined) ?? []) if (typeof t.id === 'number') max = Math.max(max, t.id);
  return max + 1;
}

/** A chat template may be a string or a list of {name, template} (the "default" one is used). */
function chatTemplateOf(config: Record<string, unknown>, configFile: string): string | null {
  const t = config.chat_template;
  if (t === undefined || t === null) return null;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.find((x) => x && typeof x === 'object' && (x as { name?: unknown }).name === 'default');
    const tpl = (named as { template?: unknown } | undefined)?.template;
    if (typeof tpl === 'string') return tpl;
  }
  throw new ModelFileError(configFile, "key 'chat_template': expected a Jinja template string or a list with a {name: 'default', template} entry");
}

/**
 * Build a tokenizer from parsed files. `file` names tokenizer.json and `configFile`
 * tokenizer_config.json in errors.
 */
export interface TokenizerExtras {
  /** generation_config.json eos_token_id (a number or a list). */
  generationEos?: unknown;
  /** Named in errors about generation_config.json. */
  generationFile?: string;
  promptFormat?: PromptFormat;
  /** A token that closes examples instead of the EOS (run config sequence_end). */
  sequenceEnd?: string;
}

/** True when a TemplateProcessing post-processor's single-sequence template starts with `token`. */
function templateStartsWith(post: unknown, token: string): boolean | null {
  const p = post as { type?: unknown; single?: unknown; processors?: unknown } | null | undefined;
  if (!p || typeof p !== 'object') return null;
  if (p.type === 'Sequence' && Array.isArray(p.processors)) {
    for (const q of p.processors) {
      const r = templateStartsWith(q, token);
      if (r !== null) return r;
    }
    return null;
  }
  if (p.type !== 'TemplateProcessing' || !Array.isArray(p.single) || p.single.length === 0) return null;
  const first = p.single[0] as { SpecialToken?: { id?: unknown } };
  return first.SpecialToken?.id === token;
}

function idList(v: unknown, file: string, vocabSize: number): number[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const id of list) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize) {
      throw new ModelFileError(file, `key 'eos_token_id': expected a token id (0..${vocabSize - 1}) or a list of them, found ${JSON.stringify(v)}`);
    }
  }
  return list as number[];
}

export function tokenizerFromJson(
  json: Record<string, unknown>,
  config: Record<string, unknown> = {},
  file = 'tokenizer.json',
  configFile = 'tokenizer_config.json',
  extras: TokenizerExtras = {},
): TextTokenizer {
  const model = json.model as { type?: unknown; vocab?: unknown; unk_token?: unknown } | undefined;
  if (!model || typeof model !== 'object' || (model.type === undefined && model.vocab === undefined)) {
    throw new ModelFileError(file, "missing key 'model': expected an HF tokenizers file with a BPE, WordPiece, WordLevel or Unigram model");
  }
  if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) {
    throw new ModelFileError(file, "key 'added_tokens': expected a list");
  }
  let tok: Tokenizer;
  try {
    // The library iterates added_tokens unconditionally.
    tok = new Tokenizer({ added_tokens: [], ...json } as never, config as never);
  } catch (e) {
    throw new ModelFileError(file, `cannot build the tokenizer (${(e as Error).message})`, { cause: e });
  }
  const chatTemplate = chatTemplateOf(config, configFile);
  const tokenToId = (t: string): number | null => tok.token_to_id(t) ?? null;
  const special = (key: string): { token: string | null; id: number | null } => {
    const token = tokenText(config[key]);
    return { token, id: token === null ? null : tokenToId(token) };
  };
  const bos = special('bos_token');
  const eos = special('eos_token');
  const pad = special('pad_token');
  const unkToken = tokenText(model.unk_token) ?? tokenText(config.unk_token);
  const unkId = unkToken === null ? null : tokenToId(unkToken);
  const vocabSize = countVocab(json);

  const genEos = idList(extras.generationEos, extras.generationFile ?? 'generation_config.json', vocabSize);
  let eosId = eos.id ?? genEos[0] ?? null;
  if (extras.sequenceEnd !== undefined) {
    const id = tokenToId(extras.sequenceEnd);
    if (id === null) throw new Error(`sequence_end: ${JSON.stringify(extras.sequenceEnd)} is not a token of ${file}; expected one token of its vocabulary`);
    eosId = id;
  }
  const eosIds = [...new Set([...(eosId === null ? [] : [eosId]), ...(eos.id === null ? [] : [eos.id]), ...genEos])];
  const flag = (key: string): boolean | null => {
    const v = config[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'boolean') throw new ModelFileError(configFile, `key '${key}': expected true or false, found ${JSON.stringify(v)}`);
    return v;
  };
  const addBosKey = flag('add_bos_token');
  if (addBosKey && bos.id === null) throw new ModelFileError(configFile, "add_bos_token is true but no bos_token names a token of the vocabulary");
  const addBos = bos.id !== null && (addBosKey ?? templateStartsWith(json.post_processor, bos.token!) ?? true);
  const addEos = eosId !== null && (flag('add_eos_token') ?? false);
  const defaultFormat: PromptFormat = chatTemplate !== null && chatTemplate !== BUILTIN_CHAT_TEMPLATE ? 'chat' : 'plain';
  const promptFormat = extras.promptFormat ?? defaultFormat;
  if (promptFormat === 'chat' && chatTemplate === null) {
    throw new Error(`prompt_format: 'chat' needs a chat template, and ${configFile} has no 'chat_template'; use 'plain'`);
  }

  const encode = (text: string, opts?: { addSpecialTokens?: boolean }): number[] => {
    const enc = tok.encode(text, { add_special_tokens: opts?.addSpecialTokens ?? false });
    return enc.ids.map((id, i) => {
      if (typeof id === 'number') return id;
      if (unkId !== null) return unkId;
      throw new Error(`cannot encode ${JSON.stringify(enc.tokens[i])}: not in the vocabulary of ${file} and it has no unk_token`);
    });
  };

  const renderChat = (messages: ChatMessage[], addGenerationPrompt?: boolean): string => {
    if (chatTemplate === null) throw new ModelFileError(configFile, "no 'chat_template': this tokenizer has no chat format");
    return applyChatTemplate(messages, chatTemplate, {
      addGenerationPrompt,
      bosToken: bos.token ?? '',
      eosToken: eos.token ?? '',
      templateFile: configFile,
    });
  };
  const bosPrefix = addBos ? [bos.id!] : [];

  const self: TextTokenizer = {
    vocabSize,
    bosId: bos.id,
    eosId,
    eosIds,
    addBos,
    addEos,
    promptFormat,
    padId: pad.id,
    unkId,
    bosToken: bos.token,
    eosToken: eos.token,
    chatTemplate,
    json,
    configJson: config,
    encode,
    decode: (ids, opts) => (ids.length === 0 ? '' : tok.decode([...ids], { skip_special_tokens: opts?.skipSpecial ?? false })),
    encodeText: (text) => [...bosPrefix, ...encode(text), ...(addEos ? [eosId!] : [])],
    encodePrompt: (text, responsePrefix = '') =>
      promptFormat === 'chat'
        ? encode(renderChat([{ role: 'user', content: text }], true) + responsePrefix)
        : [...bosPrefix, ...encode(text + responsePrefix)],
    withPromptFormat: (format, sequenceEnd) => tokenizerFromJson(json, config, file, configFile, { ...extras, promptFormat: format, sequenceEnd }),
    tokenToId,
    idToToken: (id) => tok.id_to_token(id) ?? null,
    applyChatTemplate: (messages, opts) => renderChat(messages, opts?.addGenerationPrompt),
  };
  return self;
}

/** Whether a pre-tokenizer / decoder / normalizer description (possibly a Sequence) has a part of `type`. */
function hasPart(node: unknown, type: string): boolean {
  if (!node || typeof node !== 'object') return false;
  const n = node as Record<string, unknown>;
  if (n.type === type) return true;
  for (const key of ['pretokenizers', 'decoders', 'normalizers', 'processors']) {
    const list = n[key];
    if (Array.isArray(list) && list.some((x) => hasPart(x, type))) return true;
  }
  return false;
}

/**
 * The family a tokenizer.json belongs to, in words (for the Models page): byte-level BPE
 * (GPT-2, Llama 3, Qwen), SentencePiece-style BPE (▁ for spaces, byte fallback: Llama 2,
 * Mistral), SentencePiece Unigram, WordPiece, or a word/character-level vocabulary.
 */
export function tokenizerStyle(json: Record<string, unknown>): string {
  const model = (json.model ?? {}) as { type?: unknown; byte_fallback?: unknown; vocab?: unknown; merges?: unknown };
  const type = typeof model.type === 'string' ? model.type : Array.isArray(model.vocab) ? 'Unigram' : model.merges ? 'BPE' : 'WordLevel';
  const metaspace = hasPart(json.pre_tokenizer, 'Metaspace') || hasPart(json.decoder, 'Metaspace') || hasPart(json.normalizer, 'Prepend');
  if (type === 'BPE') {
    if (hasPart(json.pre_tokenizer, 'ByteLevel') || hasPart(json.decoder, 'ByteLevel')) return 'byte-level BPE';
    if (model.byte_fallback === true) return `SentencePiece-style BPE with byte fallback${metaspace ? ' (▁ for spaces)' : ''}`;
    return metaspace ? 'SentencePiece-style BPE (▁ for spaces)' : 'BPE';
  }
  if (type === 'Unigram') return 'SentencePiece Unigram';
  if (type === 'WordPiece') return 'WordPiece';
  const split = json.pre_tokenizer as { type?: unknown; pattern?: { Regex?: unknown } } | null | undefined;
  if (split?.type === 'Split' && split.pattern?.Regex === '[\\s\\S]') return 'character-level (Benchtop built-in)';
  return 'word-level';
}
