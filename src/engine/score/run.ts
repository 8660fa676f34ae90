/**
 * The `score` executor: teacher-forced log-probabilities of task examples under a model. Each
 * example is scored as <bos> prompt answer (span completion: the answer tokens only; full: every
 * token after <bos>), summed and per token; the run reports per-task means, a histogram (bin i at
 * step i), one sample row per example (the histogrammed value as its reward) and scores.jsonl.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunExecutor } from '../../shared/runContext';
import { SCORE_KEYS, scoreTaskKey } from '../../shared/kinds/score';
import { loadModelFolder } from '../model/folder';
import { InferenceModel } from '../generate/inferenceModel';
import type { TokenScores } from '../generate/scoring';
import { getTask } from '../tasks';
import { checkTaskNames, resolveModelFolder, sessionSettingsOf } from '../toolkit';
import { histogram } from './histogram';

/** Summed and mean log-prob of the scored span: tokens from `start` on (never the first token, which has no log-prob). */
export function spanLogprob(s: TokenScores, span: 'completion' | 'full'): { sum: number; tokens: number } {
  const start = Math.max(1, span === 'completion' ? s.completionStart : 0);
  let sum = 0;
  let tokens = 0;
  for (let t = start; t < s.logprobs.length; t++) {
    const v = s.logprobs[t];
    if (v !== null && v !== undefined) (sum += v), tokens++;
  }
  return { sum, tokens };
}

export const runScore: RunExecutor = async (ctx) => {
  const cfg = ctx.config;
  if (cfg.kind !== 'score') throw new Error(`the score executor got a '${cfg.kind}' config`);
  checkTaskNames(cfg.tasks, 'tasks', ctx.dataDir);
  const dir = resolveModelFolder(cfg.model, ctx.dataDir);
  const folder = await loadModelFolder(dir);
  const model = InferenceModel.create(folder.config, folder.weights, folder.tokenizer, { ...sessionSettingsOf(ctx), batchSize: cfg.batch_size }, folder.generationConfig);
  const device = await model.device();
  ctx.device(device.notice ?? device.provider);
  ctx.log('info', `scoring ${cfg.span === 'completion' ? 'answers' : 'whole examples'} of ${cfg.tasks.map((t) => t.task).join(', ')} under ${dir}`);

  const rows: { task: string; id: string; sum: number; tokens: number }[] = [];
  try {
    const total = cfg.tasks.length * cfg.num_examples;
    for (const [i, ref] of cfg.tasks.entries()) {
      const examples = getTask(ref.task).generate(cfg.split, cfg.num_examples, cfg.seed, ref.options);
      const chunk = cfg.batch_size * 4;
      for (let s = 0; s < examples.length; s += chunk) {
        if (ctx.signal.aborted) return;
        const part = examples.slice(s, s + chunk);
        const scores = await model.scoreTexts(part.map((e) => ({ prompt: e.prompt, completion: e.answer })));
        scores.forEach((sc, j) => {
          const e = part[j]!;
          const { sum, tokens } = spanLogprob(sc, cfg.span);
          rows.push({ task: ref.task, id: e.id, sum, tokens });
          const value = cfg.per_token ? (tokens ? sum / tokens : NaN) : sum;
          ctx.sample({ step: 0, prompt: e.prompt, completion: e.answer, reward: Number.isFinite(value) ? value : null, extra: { task: ref.task, id: e.id, logprob: sum, tokens, mean_per_token: tokens ? sum / tokens : null } });
        });
        ctx.progress(i * cfg.num_examples + Math.min(s + chunk, examples.length), total, ref.task);
      }
      const mine = rows.filter((r) => r.task === ref.task);
      ctx.metrics(0, {
        [scoreTaskKey(ref.task, 'mean')]: mine.reduce((a, r) => a + r.sum, 0) / Math.max(1, mine.length),
        [scoreTaskKey(ref.task, 'mean_per_token')]: mine.reduce((a, r) => a + r.sum, 0) / Math.max(1, mine.reduce((a, r) => a + r.tokens, 0)),
      });
    }
  } finally {
    await model.release();
  }

  const values = rows.map((r) => (cfg.per_token ? (r.tokens ? r.sum / r.tokens : NaN) : r.sum));
  const h = histogram(values, cfg.bins);
  ctx.metrics(0, {
    [SCORE_KEYS.mean]: rows.reduce((a, r) => a + r.sum, 0) / Math.max(1, rows.length),
    [SCORE_KEYS.meanPerToken]: rows.reduce((a, r) => a + r.sum, 0) / Math.max(1, rows.reduce((a, r) => a + r.tokens, 0)),
    [SCORE_KEYS.examples]: rows.length,
    [SCORE_KEYS.binWidth]: h.width,
  });
  h.counts.forEach((count, i) => ctx.metrics(i, { [SCORE_KEYS.binLower]: h.lower + i * h.width, [SCORE_KEYS.binCount]: count }));
  const file = join(ctx.runDir, 'scores.jsonl');
  await writeFile(file, rows.map((r) => JSON.stringify({ task: r.task, id: r.id, logprob: r.sum, tokens: r.tokens })).join('\n') + '\n');
  ctx.artifact(file, 'scores');
};
