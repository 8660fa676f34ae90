/**
 * Quick evals during and at the end of training: a few dozen greedy test examples per task of
 * the training mixture, scored by the harness → `eval/<task>/accuracy` (resultMetrics names).
 * A task whose test split holds fewer distinct problems than asked (e.g. 1-digit arithmetic)
 * is evaluated on as many as it has.
 */
import { evaluateTask, resultMetrics, type LanguageModel } from '../evaluation/harness';
import { TaskError } from '../tasks';
import type { MixtureEntry } from '../data/batches';

export interface QuickEvalOptions {
  examples: number;
  seed: number;
  maxNewTokens?: number;
  signal?: AbortSignal;
}

export async function evaluateQuick(model: LanguageModel, tasks: readonly MixtureEntry[], o: QuickEvalOptions): Promise<Record<string, number>> {
  const metrics: Record<string, number> = {};
  const seen = new Set<string>();
  for (const entry of tasks) {
    if (seen.has(entry.task) || o.signal?.aborted) continue;
    seen.add(entry.task);
    for (let n = o.examples; n >= 1; n = Math.floor(n / 2)) {
      try {
        const r = await evaluateTask(
          model,
          {
            task: entry.task,
            options: entry.options,
            numExamples: n,
            seed: o.seed,
            sampling: { maxNewTokens: o.maxNewTokens ?? 48, temperature: 0, topP: 1, numSamples: 1, seed: o.seed },
            ks: [1],
            batchSize: 16,
          },
          undefined,
          o.signal,
        );
        Object.assign(metrics, resultMetrics(r));
        break;
      } catch (e) {
        // too few distinct test problems for n: try fewer
        if (e instanceof TaskError && e.field === 'count' && n > 1) continue;
        throw e;
      }
    }
  }
  return metrics;
}
