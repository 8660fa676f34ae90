/**
 * Checking a Hugging Face model folder when it is registered, without loading any weights:
 * config.json must be a decoder config the engine supports (the engine's own parser), the
 * safetensors headers (one file or the shards of model.safetensors.index.json) must agree with
 * it tensor by tensor as loading demands, and the tokenizer must build as a run builds it
 * (modelChecks.ts, which also reports its style, BOS/EOS, chat template, the weights' dtypes, a
 * memory estimate per run kind and warnings, stored as info.checks). Every problem names the
 * file at fault. The parameter count is summed from the headers; a README.md model card is read
 * when present.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDecoderConfig, type DecoderConfig } from '../engine/model/config';
import { INDEX_FILE, SINGLE_FILE, parseShardIndex } from '../engine/model/checkpoint';
import { ModelFileError } from '../engine/model/errors';
import { readSafetensorsHeader, type HeaderEntry } from '../engine/model/safetensors';
import { expectedTensors } from '../engine/model/weights';
import { checkModelFolder } from './modelChecks';

export interface ModelFolderInfo {
  name: string;
  architecture: string;
  parameters: number | null;
  info: Record<string, unknown>;
}

/** Longest model card kept (the Models page shows a summary and the text up to this). */
export const MODEL_CARD_MAX_CHARS = 20_000;

function readJsonObject(file: string, what: string): Record<string, unknown> {
  if (!existsSync(file)) throw new ModelFileError(file, `file not found (${what})`);
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new ModelFileError(file, 'expected a JSON object');
  return j as Record<string, unknown>;
}

/** Tensor name → (header entry, file) over the single file or every shard of the index. */
async function readHeaders(dir: string): Promise<{ tensors: Map<string, { entry: HeaderEntry; file: string }>; files: string[]; source: string }> {
  const indexPath = join(dir, INDEX_FILE);
  const singlePath = join(dir, SINGLE_FILE);
  const tensors = new Map<string, { entry: HeaderEntry; file: string }>();
  if (existsSync(indexPath)) {
    const shards = parseShardIndex(indexPath, readFileSync(indexPath, 'utf8'));
    for (const [shard, names] of shards) {
      const file = join(dir, shard);
      if (!existsSync(file)) throw new ModelFileError(indexPath, `lists shard '${shard}' (for tensor '${names[0]}'), but ${file} does not exist`);
      const header = await readSafetensorsHeader(file);
      for (const n of names) {
        const entry = header.tensors.get(n);
        if (!entry) throw new ModelFileError(file, `tensor '${n}' is listed in ${INDEX_FILE} but not stored in this shard`);
        tensors.set(n, { entry, file });
      }
    }
    return { tensors, files: [...shards.keys()], source: indexPath };
  }
  if (existsSync(singlePath)) {
    const header = await readSafetensorsHeader(singlePath);
    for (const [n, entry] of header.tensors) tensors.set(n, { entry, file: singlePath });
    return { tensors, files: [SINGLE_FILE], source: singlePath };
  }
  throw new ModelFileError(dir, `no weights: expected ${SINGLE_FILE} or ${INDEX_FILE} in the folder`);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Stored tensors the loader skips (old Llama exports keep RoPE frequencies), as in weights.ts. */
const IGNORED = /(^|\.)rotary_emb\.inv_freq$/;
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);

/**
 * The same agreement between config.json and the weights that loading demands (weights.ts):
 * every tensor the config implies, with its shape and a float dtype, and nothing the config
 * does not explain. Returns the parameter count (the implied tensors' elements).
 */
function checkTensors(cfg: DecoderConfig, tensors: Map<string, { entry: HeaderEntry; file: string }>, source: string): number {
  const expected = expectedTensors(cfg);
  const names = new Set(expected.map((t) => t.name));
  for (const [name, t] of tensors) {
    if (names.has(name) || IGNORED.test(name) || (name === 'lm_head.weight' && cfg.tie_word_embeddings)) continue;
    throw new ModelFileError(t.file, `unexpected tensor '${name}': config.json describes a ${cfg.model_type} decoder with ${cfg.num_hidden_layers} layers; config and weights disagree`);
  }
  let params = 0;
  for (const want of expected) {
    const got = tensors.get(want.name);
    if (!got) throw new ModelFileError(source, `missing tensor '${want.name}' (expected shape [${want.shape.join(', ')}] from config.json)`);
    if (!sameShape(got.entry.shape, want.shape)) {
      throw new ModelFileError(got.file, `tensor '${want.name}' has shape [${got.entry.shape.join(', ')}], expected [${want.shape.join(', ')}] from config.json`);
    }
    if (!FLOAT_DTYPES.has(got.entry.dtype)) throw new ModelFileError(got.file, `tensor '${want.name}' has dtype ${got.entry.dtype}, expected F32, F16 or BF16`);
    params += want.shape.reduce((a, b) => a * b, 1);
  }
  return params;
}

/** The README.md model card without its YAML front matter, capped; null when there is none. */
export function readModelCard(dir: string): { text: string; summary: string; truncated: boolean } | null {
  const file = join(dir, 'README.md');
  if (!existsSync(file)) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  text = text.replace(/^\uFEFF/, '').replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '').trim();
  const truncated = text.length > MODEL_CARD_MAX_CHARS;
  if (truncated) text = text.slice(0, MODEL_CARD_MAX_CHARS);
  return { text, summary: cardSummary(text), truncated };
}

/** The first paragraph of prose (not a heading, list, table, code or image), flattened. */
export function cardSummary(markdown: string): string {
  const blocks = markdown.split(/\r?\n\s*\r?\n/);
  let inCode = false;
  for (const b of blocks) {
    const t = b.trim();
    const fences = (t.match(/^```/gm) ?? []).length;
    if (inCode || t.startsWith('```')) {
      if (fences % 2 === 1) inCode = !inCode;
      continue;
    }
    if (!t || /^(#|[-*+] |\d+\. |\||!\[|<)/.test(t)) continue;
    const flat = t.replace(/\s*\r?\n\s*/g, ' ').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/[*_`]/g, '');
    return flat.length > 400 ? `${flat.slice(0, 399)}…` : flat;
  }
  return '';
}

/** Validate a folder and describe it for the model list; throws ModelFileError naming the file. */
export async function inspectModelFolder(dir: string): Promise<ModelFolderInfo> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`model folder '${dir}' does not exist or is not a folder`);
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new ModelFileError(cfgPath, 'file not found: this is not a Hugging Face model folder (config.json is missing)');
  let raw: string;
  try {
    raw = readFileSync(cfgPath, 'utf8');
  } catch (e) {
    throw new ModelFileError(cfgPath, `cannot read (${(e as Error).message})`);
  }
  const cfg = parseDecoderConfig(cfgPath, raw);
  const { tensors, files, source } = await readHeaders(dir);
  const parameters = checkTensors(cfg, tensors, source);
  readJsonObject(join(dir, 'tokenizer.json'), 'the tokenizer; an HF model folder needs it');
  const dtypes = [...new Set([...tensors.values()].map((t) => t.entry.dtype))].sort();
  const weightBytes = files.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  const checks = await checkModelFolder({ dir, config: cfg, parameters, dtypes, weightBytes });

  const info: Record<string, unknown> = {
    weightFiles: files,
    hidden_size: cfg.hidden_size,
    num_hidden_layers: cfg.num_hidden_layers,
    num_attention_heads: cfg.num_attention_heads,
    num_key_value_heads: cfg.num_key_value_heads,
    intermediate_size: cfg.intermediate_size,
    vocab_size: cfg.vocab_size,
    max_position_embeddings: cfg.max_position_embeddings,
  };
  if (cfg.torch_dtype) info.torch_dtype = cfg.torch_dtype;
  info.checks = checks;
  const card = readModelCard(dir);
  if (card) {
    info.modelCard = card.text;
    info.modelCardSummary = card.summary;
    if (card.truncated) info.modelCardTruncated = true;
  }
  return { name: basename(dir), architecture: cfg.model_type, parameters, info };
}
