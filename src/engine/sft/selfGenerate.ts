/**
 * Self-generated responses for sft (ALGORITHMS.md §7.3): a teacher model — for recovery after
 * pruning, the unpruned model — answers train-split prompts of the task mixture, and its
 * responses (not the gold answers) become the completions to finetune on. Prompts per task follow
 * the mixture weights; one sample per prompt; no correctness filter unless asked. The responses
 * are registered as one imported-style task per source task (`self:<task>`), so the ordinary
 * training stream draws them, and written to `self-generated.jsonl` for inspection.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskRef } from '../../shared/config/taskRefs';
import type { ResponsesConfig } from '../../shared/config/sft';
import type { RunContext } from '../../shared/runContext';
import type { LanguageModel } from '../evaluation/harness';
import { getTask, registerDatasetTask, TaskError, type Example, type Task } from '../tasks';
import { datasetTask } from '../tasks/imported';

export const SELF_PREFIX = 'self:';

/** Prompts per task: num_prompts split by weight (largest remainders), at least 1 each. */
export function promptsPerTask(tasks: readonly TaskRef[], total: number): number[] {
  const sum = tasks.reduce((s, t) => s + t.weight, 0);
  const exact = tasks.map((t) => (total * t.weight) / sum);
  const out = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0 && k < order.length; k++, left--) out[order[k]![1]]!++;
  return out;
}

/** `n` distinct train examples, or as many as the task's train split holds (halving on a count error). */
function drawPrompts(task: Task, n: number, seed: number, options: Record<string, unknown>): Example[] {
  for (let k = n; ; k = Math.floor(k / 2)) {
    try {
      return task.generate('train', k, seed, options);
    } catch (e) {
      if (!(e instanceof TaskError && e.field === 'count') || k <= 1) throw e;
    }
  }
}

export interface SelfGenerated {
  /** The mixture to train on: one `self:<task>` entry per source task, same weights. */
  tasks: TaskRef[];
  /** Share of teacher responses the task's verifier accepts, per source task. */
  accuracy: Record<string, number>;
  kept: number;
}

export async function selfGenerate(
  ctx: RunContext,
  teacher: LanguageModel,
  tasks: readonly TaskRef[],
  r: ResponsesConfig,
  seed: number,
): Promise<SelfGenerated> {
  const counts = promptsPerTask(tasks, r.num_prompts);
  const total = counts.reduce((a, b) => a + b, 0);
  const out: TaskRef[] = [];
  const accuracy: Record<string, number> = {};
  const lines: string[] = [];
  let done = 0;
  let kept = 0;
  for (const [i, ref] of tasks.entries()) {
    const task = getTask(ref.task);
    const prompts = drawPrompts(task, Math.min(counts[i]!, task.available?.('train') ?? counts[i]!), seed + 7919 * (i + 1), ref.options);
    if (prompts.length < counts[i]!) ctx.log('info', `'${ref.task}' has ${prompts.length} distinct train prompts; using all of them`);
    const examples: Example[] = [];
    let correct = 0;
    const batch = 64;
    for (let j = 0; j < prompts.length; j += batch) {
      if (ctx.signal.aborted) throw new Error('cancelled while generating responses');
      const part = prompts.slice(j, j + batch);
      const texts = await teacher.generate(
        part.map((e) => e.prompt),
        { maxNewTokens: r.max_new_tokens, temperature: r.temperature, topP: r.top_p, numSamples: 1, seed: seed + j + 104729 * i },
      );
      part.forEach((e, k) => {
        const response = texts[k]![0] ?? '';
        const ok = task.verify(e, response).correct;
        if (ok) correct++;
        if (r.only_correct && !ok) return;
        const { choices: _c, label: _l, ...plain } = e;
        examples.push({ ...plain, id: `${SELF_PREFIX}${e.id}`, task: `${SELF_PREFIX}${ref.task}`, answer: response, metadata: { ...e.metadata, split: 'train' } });
        lines.push(JSON.stringify({ task: ref.task, prompt: e.prompt, response, gold: e.answer, correct: ok }));
      });
      done += part.length;
      ctx.progress(done, total, 'generate');
    }
    accuracy[ref.task] = prompts.length ? correct / prompts.length : 0;
    if (examples.length === 0) {
      throw new Error(`data.responses: the teacher got none of ${prompts.length} '${ref.task}' prompts right and only_correct is on; nothing to train on`);
    }
    kept += examples.length;
    registerDatasetTask(datasetTask(`${SELF_PREFIX}${ref.task}`, examples));
    out.push({ task: `${SELF_PREFIX}${ref.task}`, weight: ref.weight, options: {} });
  }
  const file = join(ctx.runDir, 'self-generated.jsonl');
  await writeFile(file, lines.join('\n') + '\n');
  ctx.artifact(file, 'self-generated');
  return { tasks: out, accuracy, kept };
}
