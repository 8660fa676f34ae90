/**
 * Validate a run config before it is queued: the one check the New-run editor (as the value
 * changes), `benchtop run` (before a run record exists) and the API's createRun all use.
 * Every problem is a ConfigIssue naming the field (dotted path) and what was expected.
 *
 *   1. size: a config above MAX_CONFIG_BYTES is refused before it is parsed further;
 *   2. the kind's schema (shared/config);
 *   3. output_dir: new, an empty folder, or a path inside the new run's own folder (a folder
 *      with files in it is never written over — Benchtop does not delete what it did not write);
 *   4. engine checks (docs/decisions/0020), when the engine is what will run the config:
 *      each model reference resolves to a folder that loads (config.json, tokenizer, the
 *      safetensors headers agree with the config); each task exists and accepts its options;
 *      the sequence lengths fit the task's longest sampled example and the model's positions;
 *      tokenizer coverage of each task's text (a warning above 1% <unk> or U+FFFD).
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { formatConfigIssues, validateRunConfig, type ConfigIssue, type RunConfig } from '../shared/config';
import { encodeExample } from '../engine/data/batches';
import { loadTokenizer, readFolderConfig } from '../engine/model/folder';
import { checkOutputDir, OutputDirError } from '../engine/model/outputDir';
import { charTokenizerFiles, tokenizerFromJson, type TextTokenizer } from '../engine/model/tokenizer';
import { resolveModelFolder } from '../engine/toolkit/modelRef';
import { formatExample, getTask, hasTask, registerDatasetTask, type Example } from '../engine/tasks';
import { loadDatasetTasks } from '../engine/tasks/imported';
import { inspectModelFolder } from './modelFolder';
import type { PathPolicy } from './pathPolicy';
import { addText, coverageWarning, emptyCoverage } from './tokenCoverage';

/** Largest config accepted (as JSON): a run config is a few kilobytes; anything near this is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Examples sampled from each task for the length and coverage checks. */
export const PREFLIGHT_SAMPLES = 64;

export interface PreflightOptions {
  /** The data folder (imported datasets, `run:` and registered model references). */
  dataDir: string;
  /** Where `builtin:<name>` models live (default: the engine's own resources/models). */
  builtinModelsDir?: string;
  /** Run the engine checks (model folders, tasks, lengths). False when another executor runs configs (test runner entry). */
  engine?: boolean;
  /** Folders a config's paths (model folders, output_dir) may point into (browser mode); default: anywhere. */
  paths?: PathPolicy;
}

export interface PreflightResult {
  ok: boolean;
  /** Errors: the run must not be created. */
  issues: ConfigIssue[];
  /** Worth reading, not blocking (coverage, examples close to the limit). */
  warnings: ConfigIssue[];
  /** The validated config with defaults filled in (null when the schema refused it). */
  config: RunConfig | null;
}

/** A refused config: thrown by createRun; its message lists `path: problem` lines. */
export class PreflightError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(`invalid run config:\n${formatConfigIssues(issues)}`);
    this.name = 'PreflightError';
    this.issues = issues;
  }
}

const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function preflightRun(input: unknown, opts: PreflightOptions): Promise<PreflightResult> {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const done = (config: RunConfig | null): PreflightResult => ({ ok: issues.length === 0, issues, warnings, config: issues.length ? null : config });

  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(input) ?? '');
  } catch (e) {
    issues.push({ path: '(config)', message: `expected plain JSON data (${errMsg(e)})` });
    return done(null);
  }
  if (bytes > MAX_CONFIG_BYTES) {
    issues.push({ path: '(config)', message: `expected at most ${MAX_CONFIG_BYTES / 1024} KiB of config, got ${(bytes / 1024).toFixed(0)} KiB` });
    return done(null);
  }
  const checked = validateRunConfig(input);
  if (!checked.ok) {
    issues.push(...checked.issues);
    return done(null);
  }
  const config = checked.config;
  const raw = config as unknown as Record<string, unknown>;
  if (typeof raw.output_dir === 'string') {
    const problem = outputDirProblem(raw.output_dir) ?? (isAbsolute(raw.output_dir) ? pathProblem(opts.paths, raw.output_dir, 'write', 'output_dir') : null);
    if (problem) issues.push({ path: 'output_dir', message: problem });
  }
  if (opts.engine !== false) await engineChecks(config, opts, issues, warnings);
  return done(config);
}

/**
 * output_dir is relative to the new run's folder (resolveOutputDir), which does not exist yet:
 * a relative path that stays inside it is always safe. Elsewhere the folder must be new, empty
 * or one Benchtop wrote a model into, so saving can never replace files Benchtop did not write.
 */
export function outputDirProblem(value: string): string | null {
  if (!value) return null;
  if (value.includes('\0')) return 'expected a folder path, got a path with a NUL character';
  if (!isAbsolute(value)) {
    const inside = relative('/run', resolve('/run', value));
    if (inside.startsWith('..') || isAbsolute(inside)) {
      return `expected an absolute folder or a path inside the run's own folder, got '${value}' (it leaves the run folder)`;
    }
    return null;
  }
  // The engine's own rule (src/engine/model/outputDir.ts): new, empty, or marked as Benchtop's.
  try {
    checkOutputDir(value);
    return null;
  } catch (e) {
    return e instanceof OutputDirError ? e.message.replace(`output_dir ${value}: `, '') : errMsg(e);
  }
}

/**
 * Everything loading a folder checks short of reading the weights' data: config.json, the
 * safetensors headers against it (inspectModelFolder), the tokenizer files and their fit to
 * vocab_size. Throws an error naming the file; returns the tokenizer and the positions.
 */
export async function checkModelFolder(dir: string): Promise<{ tokenizer: TextTokenizer; limit: number; info: Awaited<ReturnType<typeof inspectModelFolder>> }> {
  const info = await inspectModelFolder(dir);
  const cfg = await readFolderConfig(dir);
  const tokenizer = await cachedTokenizer(dir);
  if (tokenizer.vocabSize > cfg.vocab_size) {
    throw new Error(`${join(dir, 'tokenizer.json')}: has ${tokenizer.vocabSize} tokens but config.json vocab_size is ${cfg.vocab_size} (expected ≤ vocab_size)`);
  }
  return { tokenizer, limit: cfg.sliding_window ?? cfg.max_position_embeddings, info };
}

/**
 * The editor checks on every pause in typing; a large tokenizer.json takes a while to parse, so
 * the last few are kept while their files are unchanged (size and modification time).
 */
const TOKENIZERS = new Map<string, { stamp: string; tok: TextTokenizer }>();
async function cachedTokenizer(dir: string): Promise<TextTokenizer> {
  const stampOf = (f: string) => {
    try {
      const st = statSync(join(dir, f));
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return 'none';
    }
  };
  const stamp = `${stampOf('tokenizer.json')}|${stampOf('tokenizer_config.json')}`;
  const hit = TOKENIZERS.get(dir);
  if (hit && hit.stamp === stamp) return hit.tok;
  const tok = await loadTokenizer(dir);
  TOKENIZERS.delete(dir);
  TOKENIZERS.set(dir, { stamp, tok });
  while (TOKENIZERS.size > 4) TOKENIZERS.delete(TOKENIZERS.keys().next().value!);
  return tok;
}

/** Why the policy refuses `p` (without the field prefix the policy adds), or null. */
function pathProblem(paths: PathPolicy | undefined, p: string, use: 'read' | 'write', field: string): string | null {
  if (!paths) return null;
  try {
    paths.check(p, use, field);
    return null;
  } catch (e) {
    return errMsg(e).replace(`${field}: `, '');
  }
}

interface ModelCheck {
  tokenizer: TextTokenizer;
  /** Positions the model attends over. */
  limit: number;
  where: string;
}

async function checkModel(ref: string, path: string, opts: PreflightOptions, issues: ConfigIssue[]): Promise<ModelCheck | null> {
  // A path is checked against the policy before anything is read there (not even whether it exists).
  const early = isAbsolute(ref) ? pathProblem(opts.paths, ref, 'read', path) : null;
  if (early) {
    issues.push({ path, message: early });
    return null;
  }
  let dir: string;
  try {
    if (ref.startsWith('builtin:') && opts.builtinModelsDir) {
      dir = join(opts.builtinModelsDir, ref.slice('builtin:'.length));
      if (!existsSync(join(dir, 'config.json'))) throw new Error(`the built-in model '${ref.slice('builtin:'.length)}' is not installed (expected ${dir})`);
    } else {
      dir = resolveModelFolder(ref, opts.dataDir);
    }
  } catch (e) {
    issues.push({ path, message: errMsg(e).replace(/^model: /, '') });
    return null;
  }
  const outside = pathProblem(opts.paths, dir, 'read', path);
  if (outside) {
    issues.push({ path, message: outside });
    return null;
  }
  try {
    const { tokenizer, limit } = await checkModelFolder(dir);
    return { tokenizer, limit, where: join(dir, 'config.json') };
  } catch (e) {
    issues.push({ path, message: `the model does not load: ${errMsg(e)}` });
    return null;
  }
}

interface SampledTask {
  /** Dotted path of the task reference, e.g. data.tasks.0 */
  path: string;
  name: string;
  examples: Example[];
}

/** Every `tasks` list in the config (data.tasks, calibration.tasks, eval.tasks, train.tasks, …) with its dotted path. */
function taskLists(node: unknown, path: string[] = [], out: { path: string; refs: { task: string; options: Record<string, unknown> }[] }[] = []) {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return out;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'tasks' && Array.isArray(v) && v.every((r) => r && typeof r === 'object' && typeof (r as { task?: unknown }).task === 'string')) {
      out.push({ path: [...path, k].join('.'), refs: v as { task: string; options: Record<string, unknown> }[] });
    } else taskLists(v, [...path, k], out);
  }
  return out;
}

/** Sample each referenced task (this checks the name and the options as the engine will). */
function sampleTasks(config: RunConfig, dataDir: string, issues: ConfigIssue[]): SampledTask[] {
  const lists = taskLists(config);
  const names = lists.flatMap((l) => l.refs.map((r) => r.task));
  try {
    loadDatasetTasks(dataDir, names, registerDatasetTask, hasTask);
  } catch (e) {
    issues.push({ path: lists[0]?.path ?? 'tasks', message: `an imported dataset does not load: ${errMsg(e)}` });
    return [];
  }
  const out: SampledTask[] = [];
  for (const list of lists) {
    list.refs.forEach((ref, i) => {
      const at = `${list.path}.${i}`;
      let task;
      try {
        task = getTask(ref.task);
      } catch (e) {
        issues.push({ path: `${at}.task`, message: errMsg(e).replace(/^[^:]*: /, '') });
        return;
      }
      try {
        const examples = task.generate('train', PREFLIGHT_SAMPLES, config.seed, ref.options ?? {});
        if (examples.length === 0) examples.push(...task.generate('test', PREFLIGHT_SAMPLES, config.seed, ref.options ?? {}));
        out.push({ path: at, name: ref.task, examples });
      } catch (e) {
        const field = (e as { field?: unknown }).field;
        issues.push({ path: typeof field === 'string' && field ? `${at}.options.${field}` : `${at}.options`, message: errMsg(e) });
      }
    });
  }
  return out;
}

const under = (path: string, prefix: string) => path.startsWith(prefix + '.');

/**
 * Sequences (<bos> prompt completion <eos>) longer than seq_len are skipped by the engine. For
 * training that silently shifts the mixture toward short, easy examples: an error. For pruning
 * calibration it only reweights the statistics: a warning, unless no sampled example fits.
 */
function checkSeqLen(sampled: SampledTask[], tasksPath: string, seqLenPath: string, seqLen: number, tok: TextTokenizer, issues: ConfigIssue[], warnings: ConfigIssue[] = issues): void {
  for (const s of sampled.filter((t) => under(t.path, tasksPath))) {
    let longest = 0;
    let over = 0;
    for (const ex of s.examples) {
      const { prompt, completion } = formatExample(ex);
      const n = encodeExample(tok, prompt, completion, { completionOnly: false }).ids.length - 1;
      longest = Math.max(longest, n);
      if (n > seqLen) over++;
    }
    if (over === 0) continue;
    const what = `${over} of ${s.examples.length} sampled examples of '${s.name}' (${s.path}) are longer than ${seqLen}`;
    if (issues === warnings || over === s.examples.length) {
      issues.push({ path: seqLenPath, message: `expected at least ${longest} tokens: ${what} (the longest is ${longest}, with <bos>)` });
    } else {
      warnings.push({ path: seqLenPath, message: `${what} tokens and will be skipped (the longest is ${longest}, with <bos>); ${longest} keeps them all` });
    }
  }
}

function coverage(sampled: SampledTask[], tok: TextTokenizer, tokName: string, warnings: ConfigIssue[]): void {
  for (const s of sampled) {
    const c = emptyCoverage();
    for (const ex of s.examples) {
      const { prompt, completion } = formatExample(ex);
      addText(c, prompt + completion, tok);
    }
    const w = coverageWarning(`task '${s.name}'`, c, tokName);
    if (w) warnings.push({ path: `${s.path}.task`, message: w });
  }
}

async function engineChecks(config: RunConfig, opts: PreflightOptions, issues: ConfigIssue[], warnings: ConfigIssue[]): Promise<void> {
  let model: ModelCheck | null = null;
  if ('model' in config && typeof config.model === 'string') model = await checkModel(config.model, 'model', opts, issues);
  if (config.kind === 'sft' && config.data.responses.teacher) await checkModel(config.data.responses.teacher, 'data.responses.teacher', opts, issues);
  const sampled = sampleTasks(config, opts.dataDir, issues);

  if (config.kind === 'pretrain') {
    const files = charTokenizerFiles();
    const tok = tokenizerFromJson(files.json, files.config);
    const positions = config.model.max_position_embeddings;
    if (config.data.seq_len > positions) issues.push({ path: 'data.seq_len', message: `expected at most model.max_position_embeddings (${positions}), got ${config.data.seq_len}` });
    checkSeqLen(sampled, 'data.tasks', 'data.seq_len', config.data.seq_len, tok, issues);
    coverage(sampled, tok, "the built-in model's tokenizer", warnings);
    return;
  }
  if (!model) return;
  const { tokenizer: tok, limit, where } = model;
  coverage(sampled, tok, `the model's tokenizer`, warnings);
  if (config.kind === 'sft') {
    if (config.data.seq_len > limit) issues.push({ path: 'data.seq_len', message: `expected at most the model's ${limit} positions (${where}), got ${config.data.seq_len}` });
    else if (config.data.responses.source === 'gold') checkSeqLen(sampled, 'data.tasks', 'data.seq_len', config.data.seq_len, tok, issues);
  } else if (config.kind === 'prune') {
    if (config.calibration.seq_len > limit) issues.push({ path: 'calibration.seq_len', message: `expected at most the model's ${limit} positions (${where}), got ${config.calibration.seq_len}` });
    else checkSeqLen(sampled, 'calibration.tasks', 'calibration.seq_len', config.calibration.seq_len, tok, issues, warnings);
  } else if (config.kind === 'grpo') {
    const C = config.max_completion_length;
    const P = config.max_prompt_length;
    if (C >= limit) issues.push({ path: 'max_completion_length', message: `expected fewer than the model's ${limit} positions (${where}), got ${C}` });
    else if (P > 0 && P + C > limit) issues.push({ path: 'max_prompt_length', message: `expected max_prompt_length + max_completion_length ≤ the model's ${limit} positions (${where}), got ${P} + ${C}` });
    else grpoLengths(sampled, tok, C, P, limit, issues, warnings);
  }
}

/** GRPO: prompts must fit (they are skipped, never cut) and the gold answers show what a completion needs. */
function grpoLengths(sampled: SampledTask[], tok: TextTokenizer, C: number, P: number, limit: number, issues: ConfigIssue[], warnings: ConfigIssue[]): void {
  const promptRoom = P > 0 ? P : limit - C;
  for (const s of sampled.filter((t) => under(t.path, 'tasks'))) {
    let longestPrompt = 0;
    let longestAnswer = 0;
    let tooLong = 0;
    for (const ex of s.examples) {
      const p = tok.encode(ex.prompt).length + (tok.bosId === null ? 0 : 1);
      longestPrompt = Math.max(longestPrompt, p);
      if (p > promptRoom) tooLong++;
      longestAnswer = Math.max(longestAnswer, tok.encode(formatExample(ex).completion).length + 1);
    }
    if (tooLong > 0) {
      issues.push({
        path: P > 0 ? 'max_prompt_length' : 'max_completion_length',
        message: `${tooLong} of ${s.examples.length} sampled prompts of '${s.name}' (${s.path}) are longer than the ${promptRoom} tokens left for a prompt (the longest is ${longestPrompt}); they would be skipped — ${P > 0 ? `expected max_prompt_length ≥ ${longestPrompt}` : `expected max_completion_length ≤ ${limit - longestPrompt}`}`,
      });
    }
    if (longestAnswer > C) {
      warnings.push({
        path: 'max_completion_length',
        message: `the gold answers of '${s.name}' reach ${longestAnswer} tokens (with <eos>), more than max_completion_length ${C}: a completion written like them is cut off`,
      });
    }
  }
}
