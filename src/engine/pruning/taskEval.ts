/**
 * Accuracy of a pruned model on the eval tasks: the layers are removed (removeLayers.ts) and the
 * result evaluated with the harness exactly as a saved folder would be (KV-cache generation,
 * greedy; choice tasks by log-likelihood). Used by the sweep and by the iterative task search.
 */
import { evaluateTask, type TaskEvalResult } from '../evaluation/harness';
import { InferenceModel } from '../generate/inferenceModel';
import type { ModelFolder } from '../model/folder';
import type { SessionSettings } from '../onnx';
import { TaskError } from '../tasks';
import { removeLayers } from './removeLayers';

export interface TaskRefLike {
  task: string;
  options?: Record<string, unknown>;
}

export interface PrunedEvalOptions {
  tasks: readonly TaskRefLike[];
  numExamples: number;
  maxNewTokens: number;
  seed: number;
  session: SessionSettings;
  /** Config field the examples count comes from, for error messages (e.g. 'eval.num_examples'). */
  countField: string;
  /** Field of the task list, for error messages (e.g. 'eval.tasks'). */
  tasksField: string;
  batchSize?: number;
  signal?: AbortSignal;
  /** Examples done over all tasks, and their total. */
  onProgress?: (done: number, total: number) => void;
}

export interface PrunedEval {
  /** task → accuracy (exact match of the greedy completion, or choice accuracy). */
  accuracy: Record<string, number>;
  results: TaskEvalResult[];
}

/** Evaluate `folder` with layers `removed` deleted; null when aborted. */
export async function evaluatePruned(folder: ModelFolder, removed: readonly number[], o: PrunedEvalOptions): Promise<PrunedEval | null> {
  const pruned = removeLayers(folder.config, folder.weights, removed);
  const batchSize = o.batchSize ?? 16;
  const model = InferenceModel.create(pruned.config, pruned.weights, folder.tokenizer, { ...o.session, batchSize }, folder.generationConfig);
  const accuracy: Record<string, number> = {};
  const results: TaskEvalResult[] = [];
  const total = o.tasks.length * o.numExamples;
  try {
    for (const [i, ref] of o.tasks.entries()) {
      if (o.signal?.aborted) return null;
      let r: TaskEvalResult;
      try {
        r = await evaluateTask(
          model,
          {
            task: ref.task,
            options: ref.options,
            numExamples: o.numExamples,
            seed: o.seed,
            sampling: { maxNewTokens: o.maxNewTokens, temperature: 0, topP: 1, numSamples: 1, seed: o.seed },
            ks: [1],
            batchSize,
          },
          (done) => o.onProgress?.(i * o.numExamples + done, total),
          o.signal,
        );
      } catch (e) {
        if (e instanceof TaskError && e.field === 'count') {
          throw new Error(`${o.countField}: task '${ref.task}' has fewer distinct test problems than ${o.numExamples}; lower ${o.countField} (${e.message})`);
        }
        throw new Error(`${o.tasksField}[${i}] (${ref.task}): ${(e as Error).message}`);
      }
      if (o.signal?.aborted) return null;
      accuracy[ref.task] = r.accuracy;
      results.push(r);
    }
  } finally {
    await model.release();
  }
  return { accuracy, results };
}
