/**
 * HF model folders: config.json, generation_config.json (optional), tokenizer.json +
 * tokenizer_config.json, and model.safetensors or sharded safetensors with an index.
 * Loading validates everything up front and names the file at fault.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decoderConfigToJson, parseDecoderConfig, type DecoderConfig } from './config';
import { checkpointSource, readCheckpoint, writeCheckpoint, type WriteCheckpointOptions } from './checkpoint';
import { ModelFileError } from './errors';
import { initDecoderWeights } from './init';
import { charTokenizerFiles, tokenizerFromJson, type TextTokenizer } from './tokenizer';
import { tensorsFromWeights, weightsFromTensors, type DecoderWeights } from './weights';

export interface GenerationConfig {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_new_tokens?: number;
  eos_token_id?: number | number[];
  [key: string]: unknown;
}

export interface ModelFolder {
  dir: string;
  config: DecoderConfig;
  weights: DecoderWeights;
  tokenizer: TextTokenizer;
  generationConfig: GenerationConfig;
}

async function readJson(file: string, required: boolean): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!required) return null;
      throw new ModelFileError(file, 'file not found (an HF model folder needs it)');
    }
    throw new ModelFileError(file, `cannot read (${(e as Error).message})`);
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new ModelFileError(file, 'expected a JSON object');
  return j as Record<string, unknown>;
}

/** Just the config (cheap; used to validate a folder when it is registered). */
export async function readFolderConfig(dir: string): Promise<DecoderConfig> {
  const file = join(dir, 'config.json');
  return parseDecoderConfig(file, await readJson(file, true));
}

export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const file = join(dir, 'tokenizer.json');
  const configFile = join(dir, 'tokenizer_config.json');
  const json = await readJson(file, true);
  const config = (await readJson(configFile, false)) ?? {};
  // generation_config.json may list several ids that end a generation (Llama 3 instruct, Qwen chat).
  const generationFile = join(dir, 'generation_config.json');
  const generationEos = ((await readJson(generationFile, false)) ?? {}).eos_token_id;
  return tokenizerFromJson(json!, config, file, configFile, { generationEos, generationFile });
}

export async function loadModelFolder(dir: string): Promise<ModelFolder> {
  const config = await readFolderConfig(dir);
  const tokenizer = await loadTokenizer(dir);
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new ModelFileError(
      join(dir, 'tokenizer.json'),
      `has ${tokenizer.vocabSize} tokens but config.json vocab_size is ${config.vocab_size} (expected ≤ vocab_size)`,
    );
  }
  const generationConfig = ((await readJson(join(dir, 'generation_config.json'), false)) ?? {}) as GenerationConfig;
  const weights = weightsFromTensors(config, await readCheckpoint(dir), await checkpointSource(dir));
  return { dir, config, weights, tokenizer, generationConfig };
}

export interface SaveFolderInput {
  config: DecoderConfig;
  weights: DecoderWeights;
  tokenizer: { json: Record<string, unknown>; configJson: Record<string, unknown> };
  generationConfig?: GenerationConfig;
  /** Extra files (name → text), e.g. README.md for a model card. */
  extraFiles?: Record<string, string>;
}

export async function saveModelFolder(dir: string, m: SaveFolderInput, opts: WriteCheckpointOptions = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const json = (o: unknown) => JSON.stringify(o, null, 2) + '\n';
  const torchDtype = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' }[opts.dtype ?? 'F32'];
  await writeFile(join(dir, 'config.json'), json(decoderConfigToJson({ ...m.config, torch_dtype: torchDtype })));
  const gen: GenerationConfig = { ...(m.generationConfig ?? {}) };
  await writeFile(join(dir, 'generation_config.json'), json(gen));
  await writeFile(join(dir, 'tokenizer.json'), json(m.tokenizer.json));
  await writeFile(join(dir, 'tokenizer_config.json'), json(m.tokenizer.configJson));
  for (const [name, text] of Object.entries(m.extraFiles ?? {})) await writeFile(join(dir, name), text);
  const files = await writeCheckpoint(dir, tensorsFromWeights(m.config, m.weights), opts);
  return ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', ...Object.keys(m.extraFiles ?? {}), ...files];
}

export interface InitFolderOptions {
  /**
   * An HF config.json object (may be partial: vocab_size and bos/eos/pad ids are filled in
   * from the tokenizer when missing).
   */
  config: Record<string, unknown>;
  outDir: string;
  seed: number;
  /** Tokenizer to ship with the model (default: the built-in character tokenizer). */
  tokenizer?: TextTokenizer;
  /** Named in config errors (e.g. the --config path of the CLI). */
  configFile?: string;
  checkpoint?: WriteCheckpointOptions;
}

/** Write a randomly initialised HF folder (see init.ts for the distribution). */
export async function initModelFolder(opts: InitFolderOptions): Promise<ModelFolder> {
  const file = opts.configFile ?? 'config.json';
  let tokenizer = opts.tokenizer;
  if (!tokenizer) {
    const tk = charTokenizerFiles();
    tokenizer = tokenizerFromJson(tk.json, tk.config);
  }
  const cj = { ...opts.config };
  // Benchtop's own decoder-shape schema (src/shared/config/pretrain.ts) says `architecture`.
  if (cj.model_type === undefined && cj.architectures === undefined && typeof cj.architecture === 'string') cj.model_type = cj.architecture;
  delete cj.architecture;
  cj.vocab_size ??= tokenizer.vocabSize;
  cj.bos_token_id ??= tokenizer.bosId;
  cj.eos_token_id ??= tokenizer.eosId;
  cj.pad_token_id ??= tokenizer.padId;
  const config = parseDecoderConfig(file, cj);
  config.torch_dtype = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' }[opts.checkpoint?.dtype ?? 'F32'];
  if (config.vocab_size < tokenizer.vocabSize) {
    throw new ModelFileError(file, `key 'vocab_size': expected at least the tokenizer's ${tokenizer.vocabSize} tokens, found ${config.vocab_size}`);
  }
  const weights = initDecoderWeights(config, opts.seed);
  const generationConfig: GenerationConfig = {};
  if (config.bos_token_id !== null) generationConfig.bos_token_id = config.bos_token_id;
  if (config.eos_token_id.length) generationConfig.eos_token_id = config.eos_token_id.length === 1 ? config.eos_token_id[0] : config.eos_token_id;
  if (config.pad_token_id !== null) generationConfig.pad_token_id = config.pad_token_id;
  await saveModelFolder(opts.outDir, { config, weights, tokenizer, generationConfig }, opts.checkpoint);
  return { dir: opts.outDir, config, weights, tokenizer, generationConfig };
}
