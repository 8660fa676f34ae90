/**
 * The `eval` executor: load an HF model folder, run the harness on each task (num_examples test
 * examples, n samples for pass@k / maj@k — ALGORITHMS.md §5.1), and report metrics, per-knob
 * breakdowns, one sample row per example and an `eval-results.json` artifact.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext, RunExecutor } from '../../shared/runContext';
import { evaluateTask, resultMetrics, type TaskEvalResult } from '../evaluation/harness';
import { loadModelFolder } from '../model/folder';
import { InferenceModel } from '../generate/inferenceModel';
import { checkTaskNames, resolveModelFolder, sessionSettingsOf } from '../toolkit';
import { breakdownKey } from '../../shared/metrics/evalKeys';

/** The result without the per-example outcomes (those go to the samples table). */
export function compactResult(r: TaskEvalResult): Omit<TaskEvalResult, 'outcomes'> {
  const { outcomes: _omit, ...rest } = r;
  return rest;
}

/** `breakdown/<task>/<knob>=<value>` → accuracy, for every knob value seen. */
export function breakdownMetrics(r: TaskEvalResult): Record<string, number> {
  const m: Record<string, number> = {};
  for (const [knob, byValue] of Object.entries(r.breakdown)) {
    for (const [value, tally] of Object.entries(byValue)) if (tally.accuracy !== null) m[breakdownKey(r.task, knob, value)] = tally.accuracy;
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
