/**
 * Importing a dataset from JSONL with a field mapping (which field is the prompt, the answer,
 * the choices, the label, the knobs). All-or-nothing: the first bad row stops the import with
 * an error naming the file, the line and the field — `data.jsonl line 7: field 'answer' missing`
 * — and no examples are returned. `previewJsonl` maps only the first rows, for the import dialog.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { hash64Hex } from './hash';
import type { Example, MetadataValue, Split } from './types';

export interface JsonlMapping {
  /** Field holding the prompt text (dot paths such as "input.question" reach into objects). */
  prompt: string;
  /** Field holding the gold answer (generative rows). */
  answer?: string;
  /** Field holding an array of candidate answers (choice rows); needs `label`. */
  choices?: string;
  /** Field holding the index of the correct choice, or the correct choice's text. */
  label?: string;
  /** Fields copied into metadata as knobs (scalar values; a row without the field just lacks it). */
  metadata?: string[];
  /** Field holding 'train' or 'test'; rows without it serve both splits (nothing held out). */
  split?: string;
  /** Field holding a row id; without it the id is a hash of prompt and answer. */
  id?: string;
}

export interface JsonlError {
  file: string;
  /** 1-based line, null for problems with the mapping or the file as a whole. */
  line: number | null;
  field: string | null;
  message: string;
}

export type JsonlResult = { ok: true; examples: Example[]; rows: number } | { ok: false; error: JsonlError };

export interface JsonlOptions {
  /** Name used in messages (defaults to "data.jsonl"). */
  file?: string;
  /** `Example.task` of the rows (defaults to the file name without extension). */
  dataset?: string;
}

class RowError extends Error {
  constructor(
    readonly line: number | null,
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function checkMapping(m: JsonlMapping): void {
  const bad = (field: string, msg: string): never => {
    throw new RowError(null, field, `mapping: ${msg}`);
  };
  if (!m || typeof m !== 'object') bad('prompt', 'expected an object naming at least the prompt field');
  const names: (keyof JsonlMapping)[] = ['prompt', 'answer', 'choices', 'label', 'split', 'id'];
  for (const k of names) {
    const v = m[k];
    if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) bad(k, `'${k}' must be a field name, got ${typeName(v)}`);
  }
  if (!m.prompt) bad('prompt', "'prompt' must name the field holding the prompt");
  if (m.metadata !== undefined && (!Array.isArray(m.metadata) || m.metadata.some((f) => typeof f !== 'string' || !f))) {
    bad('metadata', "'metadata' must be a list of field names");
  }
  if ((m.choices === undefined) !== (m.label === undefined)) bad(m.choices ? 'label' : 'choices', "'choices' and 'label' go together: map both or neither");
  if (m.answer === undefined && m.choices === undefined) bad('answer', "map 'answer' (generative rows) or 'choices' + 'label' (choice rows)");
}

function mapRow(row: Record<string, unknown>, m: JsonlMapping, line: number, dataset: string): Example {
  const fail = (field: string, msg: string): never => {
    throw new RowError(line, field, msg);
  };
  const need = (field: string): unknown => {
    const v = getPath(row, field);
    if (v === undefined) fail(field, `field '${field}' missing`);
    return v;
  };
  const text = (field: string, v: unknown): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return fail(field, `field '${field}' must be a string or number, got ${typeName(v)}`);
  };

  const promptV = need(m.prompt);
  if (typeof promptV !== 'string') fail(m.prompt, `field '${m.prompt}' must be a string, got ${typeName(promptV)}`);
  const prompt = promptV as string;

  let answer = '';
  let choices: string[] | undefined;
  let label: number | undefined;
  if (m.choices && m.label) {
    const cv = need(m.choices);
    if (!Array.isArray(cv) || cv.length < 2) fail(m.choices, `field '${m.choices}' must be an array of at least 2 choices, got ${typeName(cv)}`);
    choices = (cv as unknown[]).map((c, i) => text(`${m.choices}[${i}]`, c));
    const lv = need(m.label);
    if (typeof lv === 'number') {
      if (!Number.isInteger(lv) || lv < 0 || lv >= choices.length) fail(m.label, `field '${m.label}' must be a choice index in [0, ${choices.length - 1}], got ${lv}`);
      label = lv;
    } else if (typeof lv === 'string') {
      const idx = choices.indexOf(lv);
      if (idx < 0) fail(m.label, `field '${m.label}' is '${lv}', which is not one of the row's choices`);
      label = idx;
    } else fail(m.label, `field '${m.label}' must be a choice index or the correct choice's text, got ${typeName(lv)}`);
    answer = m.answer !== undefined && getPath(row, m.answer) !== undefined ? text(m.answer, getPath(row, m.answer)) : choices[label!]!;
  } else {
    answer = text(m.answer!, need(m.answer!));
  }

  const metadata: Record<string, MetadataValue> = {};
  for (const f of m.metadata ?? []) {
    const v = getPath(row, f);
    if (v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      fail(f, `metadata field '${f}' must be a string, number or boolean, got ${typeName(v)}`);
    }
    metadata[f] = v as MetadataValue;
  }
  if (m.split) {
    const sv = need(m.split);
    if (sv !== 'train' && sv !== 'test') fail(m.split, `field '${m.split}' must be 'train' or 'test', got ${JSON.stringify(sv)}`);
    metadata.split = sv as Split;
  }
  const id = m.id ? `${dataset}:${text(m.id, need(m.id))}` : `${dataset}:${hash64Hex(`${prompt}\u0000${answer}`)}`;
  const ex: Example = { id, task: dataset, prompt, answer, metadata };
  if (choices) {
    ex.choices = choices;
    ex.label = label!;
  }
  return ex;
}

function run(text: string, mapping: JsonlMapping, opts: JsonlOptions, limit: number): JsonlResult {
  const file = opts.file ?? 'data.jsonl';
  const dataset = opts.dataset ?? basename(file, extname(file));
  try {
    checkMapping(mapping);
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    const examples: Example[] = [];
    let rows = 0;
    for (let i = 0; i < lines.length && examples.length < limit; i++) {
      const raw = lines[i]!.trim();
      if (raw === '') continue;
      rows++;
      let row: unknown;
      try {
        row = JSON.parse(raw);
      } catch (e) {
        throw new RowError(i + 1, null, `not valid JSON (${(e as Error).message})`);
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new RowError(i + 1, null, `expected a JSON object, got ${typeName(row)}`);
      examples.push(mapRow(row as Record<string, unknown>, mapping, i + 1, dataset));
    }
    if (rows === 0) throw new RowError(null, null, 'no rows (the file is empty or only blank lines)');
    return { ok: true, examples, rows: examples.length };
  } catch (e) {
    if (!(e instanceof RowError)) throw e;
    const where = e.line === null ? file : `${file} line ${e.line}`;
    return { ok: false, error: { file, line: e.line, field: e.field, message: `${where}: ${e.message}` } };
  }
}

/** Map every row; any bad row fails the whole import. */
export function parseJsonl(text: string, mapping: JsonlMapping, opts: JsonlOptions = {}): JsonlResult {
  return run(text, mapping, opts, Infinity);
}

/** Map only the first `n` rows (later lines are not read), for a preview before importing. */
export function previewJsonl(text: string, mapping: JsonlMapping, n = 5, opts: JsonlOptions = {}): JsonlResult {
  return run(text, mapping, opts, Math.max(1, n));
}

/** Read and map a file; a missing or unreadable file is an error value too. */
export async function readJsonlFile(path: string, mapping: JsonlMapping, opts: Omit<JsonlOptions, 'file'> & { preview?: number } = {}): Promise<JsonlResult> {
  const file = basename(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { ok: false, error: { file, line: null, field: null, message: `${file}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` } };
  }
  const o = { ...opts, file };
  return opts.preview !== undefined ? previewJsonl(text, mapping, opts.preview, o) : parseJsonl(text, mapping, o);
}
