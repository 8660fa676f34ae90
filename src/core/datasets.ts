/**
 * Datasets for the Datasets page and the run editor: the built-in task generators (listed from
 * the engine's task registry, previewed by generating a few seeded test examples) and imported
 * JSONL files. An import maps every row with the engine's all-or-nothing JSONL reader
 * (src/engine/tasks/jsonl.ts); only when every row is good is the mapped data written, as one
 * engine `Example` per line, to <dataDir>/datasets/<name>.jsonl and the entry registered, so a
 * bad row leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { charTokenizerFiles, tokenizerFromJson, type TextTokenizer } from '../engine/model/tokenizer';
import { getTask, hasTask, listTasks, type Example } from '../engine/tasks';
import { parseJsonl, previewJsonl, type JsonlMapping } from '../engine/tasks/jsonl';
import type { DatasetExample, JsonlFieldMapping, JsonlInspection } from '../shared/datasets';
import type { DatasetEntry } from '../shared/records';
import type { CatalogRepo } from './store/catalogRepo';
import { addText, coverageSummary, coverageWarning, emptyCoverage } from './tokenCoverage';

export const BUILTIN_DATASET_PREFIX = 'builtin:';
/** Bytes read to inspect a file (its first rows); the import itself reads the whole file. */
const INSPECT_BYTES = 1024 * 1024;
const PREVIEW_ROWS = 5;
/** Largest JSONL file imported (it is read into memory whole, then mapped). */
export const MAX_JSONL_BYTES = 512 * 1024 * 1024;
/** Longest row: a prompt with its answer is text, not a book. */
export const MAX_JSONL_ROW_BYTES = 1024 * 1024;
/** File names an import reads: a JSONL file, never any file a path can name. */
const JSONL_NAME = /\.(jsonl|ndjson|jsonlines|json|txt)$/i;

const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MiB`;

/** Why `abs` is not a file an import may read, or null. */
function fileRefusal(abs: string, file: string): string | null {
  if (!JSONL_NAME.test(abs)) return `${file}: expected a .jsonl file (or .ndjson, .json, .txt)`;
  if (!existsSync(abs)) return `${file}: no such file (${abs})`;
  const st = statSync(abs);
  if (!st.isFile()) return `${file}: not a regular file (${abs})`;
  if (st.size > MAX_JSONL_BYTES) return `${file}: expected a JSONL file of at most ${MiB(MAX_JSONL_BYTES)}, got ${MiB(st.size)}`;
  return null;
}

/** The first line longer than MAX_JSONL_ROW_BYTES, as an error message, or null. */
function longRow(text: string, file: string): string | null {
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    // Characters ≤ bytes: only lines long in characters can be long in bytes.
    if (stop - start > MAX_JSONL_ROW_BYTES / 4) {
      const bytes = Buffer.byteLength(text.slice(start, stop));
      if (bytes > MAX_JSONL_ROW_BYTES) return `${file} line ${line}: a row of ${(bytes / 1024).toFixed(0)} KiB, more than the ${MAX_JSONL_ROW_BYTES / 1024} KiB a row may hold`;
    }
    if (end < 0) break;
    start = end + 1;
  }
  return null;
}

let builtinTokenizer: TextTokenizer | null = null;
/** The built-in model's tokenizer: the one every dataset can be measured against at import. */
function builtinTok(): TextTokenizer {
  if (!builtinTokenizer) {
    const f = charTokenizerFiles();
    builtinTokenizer = tokenizerFromJson(f.json, f.config);
  }
  return builtinTokenizer;
}

/** Coverage of mapped examples by the built-in tokenizer, with a warning above the threshold. */
export function datasetCoverage(file: string, examples: readonly Example[]): { summary: ReturnType<typeof coverageSummary>; warning: string | null } {
  const c = emptyCoverage();
  const tok = builtinTok();
  for (const e of examples) addText(c, e.prompt + (e.choices ? e.choices.join('\n') : e.answer), tok);
  return { summary: coverageSummary(c), warning: coverageWarning(file, c, "the built-in model's tokenizer") };
}

export function builtinDatasetEntries(): DatasetEntry[] {
  return listTasks().map((t) => ({
    id: `${BUILTIN_DATASET_PREFIX}${t.name}`,
    name: t.name,
    source: 'builtin',
    path: null,
    rows: 0,
    addedAt: 0,
    info: { generator: true, kind: t.kind, description: t.description, knobs: t.knobs, options: t.options.map((o) => o.name) },
  }));
}

export function toDatasetExample(e: Example): DatasetExample {
  const out: DatasetExample = { id: e.id, prompt: e.prompt, answer: e.answer, metadata: { ...e.metadata } };
  if (e.choices) out.choices = [...e.choices];
  if (e.label !== undefined) out.label = e.label;
  return out;
}

/** The engine's mapping type from the validated API argument (absent keys dropped). */
function engineMapping(m: JsonlFieldMapping): JsonlMapping {
  const out: JsonlMapping = { prompt: m.prompt };
  for (const k of ['answer', 'choices', 'label', 'split', 'id'] as const) if (m[k] !== undefined) out[k] = m[k];
  if (m.metadata?.length) out.metadata = [...m.metadata];
  return out;
}

function readHead(path: string, bytes: number): { text: string; complete: boolean } {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const n = Math.min(size, bytes);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, 0);
    let text = buf.toString('utf8');
    // A cut-off last line is not a row: keep whole lines only.
    if (size > n) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
    return { text, complete: size <= n };
  } finally {
    closeSync(fd);
  }
}

const FIELD_GUESSES: Record<'prompt' | 'answer' | 'choices' | 'label' | 'split' | 'id', string[]> = {
  prompt: ['prompt', 'question', 'input', 'problem', 'query', 'instruction', 'text'],
  answer: ['answer', 'completion', 'output', 'target', 'solution', 'response'],
  choices: ['choices', 'options', 'candidates'],
  label: ['label', 'answer_index', 'gold', 'correct'],
  split: ['split'],
  id: ['id', 'uid', 'example_id'],
};

/** A mapping guessed from the first row's field names; short scalar fields become knobs. */
export function suggestMapping(row: Record<string, unknown>): JsonlFieldMapping | null {
  const keys = Object.keys(row);
  const pick = (names: string[]) => names.find((n) => keys.includes(n));
  const prompt = pick(FIELD_GUESSES.prompt);
  if (!prompt) return null;
  const m: JsonlFieldMapping = { prompt };
  const choices = pick(FIELD_GUESSES.choices);
  const label = pick(FIELD_GUESSES.label.filter((n) => n !== prompt));
  if (choices && label && Array.isArray(row[choices])) {
    m.choices = choices;
    m.label = label;
  } else {
    const answer = pick(FIELD_GUESSES.answer.filter((n) => n !== prompt));
    if (answer) m.answer = answer;
  }
  const split = pick(FIELD_GUESSES.split);
  if (split) m.split = split;
  const id = pick(FIELD_GUESSES.id);
  if (id) m.id = id;
  const used = new Set(Object.values(m).filter((v): v is string => typeof v === 'string'));
  const knobs = keys.filter((k) => {
    const v = row[k];
    return !used.has(k) && (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 32));
  });
  if (knobs.length) m.metadata = knobs.slice(0, 10);
  return m;
}

/** Fields, a suggested mapping and (with a mapping) the first mapped rows or the first problem. */
export function inspectJsonlFile(path: string, mapping?: JsonlFieldMapping): JsonlInspection {
  const abs = resolve(path);
  const file = basename(abs);
  const empty = (line: number | null, message: string): JsonlInspection => ({
    path: abs, fields: [], examples: [], suggested: null, problem: { file, line, field: null, message },
  });
  const refused = fileRefusal(abs, file);
  if (refused) return empty(null, refused);
  let head: string;
  try {
    head = readHead(abs, INSPECT_BYTES).text;
  } catch (e) {
    return empty(null, `${file}: cannot read ${abs} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = head.replace(/^\uFEFF/, '').split(/\r?\n/);
  const firstIdx = lines.findIndex((l) => l.trim() !== '');
  if (firstIdx < 0) return empty(null, `${file}: no rows (the file is empty or only blank lines)`);
  let first: unknown;
  try {
    first = JSON.parse(lines[firstIdx]!);
  } catch (e) {
    return empty(firstIdx + 1, `${file} line ${firstIdx + 1}: not valid JSON (${(e as Error).message})`);
  }
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return empty(firstIdx + 1, `${file} line ${firstIdx + 1}: expected a JSON object`);
  const row = first as Record<string, unknown>;
  const out: JsonlInspection = { path: abs, fields: Object.keys(row), examples: [], suggested: suggestMapping(row), problem: null };
  if (!mapping) return out;
  const long = longRow(head, file);
  if (long) {
    out.problem = { file, line: Number(/line (\d+)/.exec(long)?.[1]) || null, field: null, message: long };
    return out;
  }
  const res = previewJsonl(head, engineMapping(mapping), PREVIEW_ROWS, { file, dataset: 'preview' });
  if (res.ok) {
    out.examples = res.examples.map(toDatasetExample);
    const cov = datasetCoverage(file, res.examples);
    if (cov.warning) out.warnings = [cov.warning];
  } else out.problem = res.error;
  return out;
}

export interface DatasetStoreDeps {
  catalog: CatalogRepo;
  /** <dataDir>/datasets */
  datasetsDir: string;
}

/** Map and register a JSONL file as dataset `name`; throws (registering nothing) on any bad row. */
export async function importJsonlDataset(d: DatasetStoreDeps, path: string, mapping: JsonlFieldMapping, name: string): Promise<DatasetEntry> {
  if (hasTask(name)) throw new Error(`name: '${name}' is a built-in task; choose another name for the imported dataset`);
  const abs = resolve(path);
  const file = basename(abs);
  const refused = fileRefusal(abs, file);
  if (refused) throw new Error(`${refused} — nothing was imported`);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read ${abs} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const long = longRow(text, file);
  if (long) throw new Error(`${long} — nothing was imported`);
  const res = parseJsonl(text, engineMapping(mapping), { file, dataset: name });
  if (!res.ok) throw new Error(`${res.error.message} — nothing was imported`);
  const coverage = datasetCoverage(file, res.examples);
  const target = join(d.datasetsDir, `${name}.jsonl`);
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, res.examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const choice = res.examples.filter((e) => e.choices).length;
  const test = res.examples.filter((e) => e.metadata.split === 'test').length;
  const existing = d.catalog.getDataset(name);
  try {
    renameSync(tmp, target);
    return d.catalog.upsertDataset({
      id: name,
      name,
      source: 'jsonl',
      path: target,
      rows: res.rows,
      addedAt: existing?.addedAt ?? Date.now(),
      info: {
        source: abs,
        sha256: createHash('sha256').update(text).digest('hex'),
        mapping: engineMapping(mapping),
        kind: choice === 0 ? 'generative' : choice === res.rows ? 'choice' : 'mixed',
        train: res.rows - test,
        test,
        coverage: coverage.summary,
        warnings: coverage.warning ? [coverage.warning] : [],
      },
    });
  } catch (e) {
    rmSync(tmp, { force: true });
    if (!existing) rmSync(target, { force: true });
    throw e;
  }
}

/** The first `count` examples of a dataset (seeded test split for built-in generators). */
export async function previewDatasetExamples(d: DatasetStoreDeps, id: string, count: number, seed: number): Promise<DatasetExample[]> {
  if (id.startsWith(BUILTIN_DATASET_PREFIX)) {
    const name = id.slice(BUILTIN_DATASET_PREFIX.length);
    if (!hasTask(name)) throw new Error(`no built-in task '${name}'; expected one of ${listTasks().map((t) => t.name).join(', ')}`);
    return getTask(name).generate('test', count, seed).map(toDatasetExample);
  }
  const entry = d.catalog.getDataset(id);
  if (!entry || !entry.path) throw new Error(`no dataset with id '${id}'`);
  if (!existsSync(entry.path)) throw new Error(`dataset '${id}': its data file ${entry.path} is missing; import it again`);
  const lines = readHead(entry.path, INSPECT_BYTES).text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, count).map((l) => toDatasetExample(JSON.parse(l) as Example));
}

export function removeImportedDataset(d: DatasetStoreDeps, id: string): void {
  if (id.startsWith(BUILTIN_DATASET_PREFIX)) throw new Error(`'${id.slice(BUILTIN_DATASET_PREFIX.length)}' is a built-in task generator and cannot be removed`);
  const entry = d.catalog.getDataset(id);
  if (!entry) throw new Error(`no dataset with id '${id}'`);
  d.catalog.removeDataset(id);
  if (entry.path && entry.path.startsWith(d.datasetsDir)) rmSync(entry.path, { force: true });
}
