/**
 * The `eval` executor: load an HF model folder, run the harness on each task (num_examples test
 * examples, n samples for pass@k / maj@k — ALGORITHMS.md §5.1), and report metrics, per-knob
 * breakdowns, one sample row per example and an `eval-results.json` artifact.
 */
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunContext, RunExecutor } from '../../shared/runContext';
import { evaluateTask, resultMetrics, type TaskEvalResult } from '../evaluation/harness';
import { loadModelFolder } from '../model/folder';
import { checkTaskNames } from './taskCheck';
import { InferenceModel } from '../generate/inferenceModel';
import { sessionSettingsOf } from './trainLoop';

export const BUILTIN_PREFIX = 'builtin:';
/** `run:<id or a unique part of it>`: the model folder an earlier run saved (pretrain, sft, prune). */
export const RUN_PREFIX = 'run:';

/** <dataDir>/runs/<id>/model of the one run whose id is `ref` or contains it. */
export function runModelFolder(ref: string, dataDir: string): string {
  const runsDir = join(dataDir, 'runs');
  const ids = existsSync(runsDir) ? readdirSync(runsDir) : [];
  const matches = ids.includes(ref) ? [ref] : ids.filter((id) => ref.length > 0 && id.includes(ref));
  if (matches.length === 0) throw new Error(`model: no run '${ref}' in ${runsDir}; expected run:<run id> of a run in this data folder`);
  if (matches.length > 1) throw new Error(`model: 'run:${ref}' matches ${matches.length} runs (${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}); give more of the id`);
  const dir = join(runsDir, matches[0]!, 'model');
  if (!existsSync(join(dir, 'config.json'))) {
    throw new Error(`model: run ${matches[0]} saved no model in ${dir} (runs save one when they succeed, unless their output_dir points elsewhere)`);
  }
  return dir;
}
/**
 * The package root (built-in models live under resources/models): the nearest folder above this
 * module with a package.json — src/engine/runs when run from source, out/main/chunks when bundled.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..', '..');
  }
}
const REPO_ROOT = findPackageRoot(fileURLToPath(new URL('.', import.meta.url)));

/**
 * config.model → a folder: `builtin:<name>` → <repo>/resources/models/<name>; an absolute path;
 * a path relative to the working directory; or a model registered under <dataDir>/models/.
 */
export function resolveModelFolder(model: string, dataDir: string, repoRoot = REPO_ROOT): string {
  if (model.startsWith(RUN_PREFIX)) return runModelFolder(model.slice(RUN_PREFIX.length), dataDir);
  if (model.startsWith(BUILTIN_PREFIX)) {
    const name = model.slice(BUILTIN_PREFIX.length);
    const dir = join(repoRoot, 'resources', 'models', name);
    if (!existsSync(join(dir, 'config.json'))) {
      throw new Error(`model: the built-in model '${name}' is not built yet (expected ${dir}); train one with a pretrain run and point model at its folder`);
    }
    return dir;
  }
  const tried = isAbsolute(model) ? [model] : [resolve(model), join(dataDir, 'models', model)];
  for (const dir of tried) if (existsSync(join(dir, 'config.json'))) return dir;
  throw new Error(`model: '${model}' is not a model folder (no config.json in ${tried.join(' or ')}); expected an HF folder path or a registered model id`);
}

/** The result without the per-example outcomes (those go to the samples table). */
export function compactResult(r: TaskEvalResult): Omit<TaskEvalResult, 'outcomes'> {
  const { outcomes: _omit, ...rest } = r;
  return rest;
}

/** `breakdown/<task>/<knob>=<value>` → accuracy, for every knob value seen. */
export function breakdownMetrics(r: TaskEvalResult): Record<string, number> {
  const m: Record<string, number> = {};
  for (const [knob, byValue] of Object.entries(r.breakdown)) {
    for (const [value, tally] of Object.entries(byValue)) if (tally.accuracy !== null) m[`breakdown/${r.task}/${knob}=${value}`] = tally.accuracy;
  }
  return m;
}

export const runEval: RunExecutor = async (ctx: RunContext) => {
  const cfg = ctx.config;
  if (cfg.kind !== 'eval') throw new Error(`the eval executor got a '${cfg.kind}' config`);
  checkTaskNames(cfg.tasks, 'tasks', ctx.dataDir);
  const dir = resolveModelFolder(cfg.model, ctx.dataDir);
  const folder = await loadModelFolder(dir);
  folder.tokenizer = folder.tokenizer.withPromptFormat(cfg.prompt_format, cfg.sequence_end);
  // The KV-cache model of src/engine/generate; rows per generation batch follow batch_size.
  const model = InferenceModel.create(folder.config, folder.weights, folder.tokenizer, { ...sessionSettingsOf(ctx), batchSize: cfg.batch_size }, folder.generationConfig);
  const device = await model.device();
  ctx.device(device.notice ?? device.provider);
  ctx.log('info', `evaluating ${dir} on ${cfg.tasks.map((t) => t.task).join(', ')}`);

  const results: Omit<TaskEvalResult, 'outcomes'>[] = [];
  try {
    const total = cfg.tasks.length * cfg.num_examples;
    for (const [i, ref] of cfg.tasks.entries()) {
      if (ctx.signal.aborted) return;
      const r = await evaluateTask(
        model,
        {
          task: ref.task,
          options: ref.options,
          numExamples: cfg.num_examples,
          seed: cfg.seed,
          sampling: { maxNewTokens: cfg.max_new_tokens, temperature: cfg.temperature, topP: cfg.top_p, numSamples: cfg.num_samples, seed: cfg.seed },
          ks: cfg.k,
          batchSize: cfg.batch_size,
        },
        (done) => ctx.progress(i * cfg.num_examples + done, total, ref.task),
        ctx.signal,
      );
      if (ctx.signal.aborted) return;
      ctx.metrics(0, { ...resultMetrics(r), ...breakdownMetrics(r) });
      for (const o of r.outcomes) {
        const v = o.verdicts[0];
        ctx.sample({
          step: 0,
          prompt: o.example.prompt,
          completion: o.completions[0] ?? '',
          reward: v?.reward ?? null,
          extra: { task: r.task, id: o.example.id, answer: o.example.answer, correct: v?.correct ?? false, parsed: v?.parsed ?? null, errorClass: v?.errorClass ?? null, metadata: o.example.metadata },
        });
      }
      results.push(compactResult(r));
    }
  } finally {
    await model.release();
  }
  const file = join(ctx.runDir, 'eval-results.json');
  await writeFile(file, JSON.stringify({ model: cfg.model, folder: dir, results }, null, 2) + '\n');
  ctx.artifact(file, 'eval-results');
};
