/**
 * The task data of a launch folder, drawn from Benchtop's own generators: train rows from the
 * run's task mixture with the run's seed and options (the same stream the Benchtop trainer
 * draws from, src/engine/data/batches.ts), test rows from each task's test split. Every row
 * carries the whole example so the Python verifiers (benchtop_rewards.py) can score it.
 */
import { MixtureStream } from '../data/batches';
import { formatExample, getTask, type Example } from '../tasks';
import type { TaskRef } from '../../shared/config/taskRefs';

/** The most train rows a launch folder holds; a longer run reuses them (a second epoch). */
export const MAX_TRAIN_ROWS = 20_000;
/** Test rows per task for an SFT run (GRPO uses its eval_examples). */
export const SFT_TEST_PER_TASK = 200;

export interface LaunchData {
  train: Example[];
  test: Example[];
  /** Train examples the run would draw in all (before the cap). */
  wanted: number;
}

export function drawLaunchData(tasks: readonly TaskRef[], seed: number, trainCount: number, testPerTask: number): LaunchData {
  const stream = new MixtureStream(tasks.map((r) => ({ task: r.task, weight: r.weight, options: r.options })), seed);
  const n = Math.min(trainCount, MAX_TRAIN_ROWS);
  const train = Array.from({ length: n }, () => stream.next());
  const test = tasks.flatMap((r) => {
    const task = getTask(r.task);
    const count = Math.min(testPerTask, task.available?.('test') ?? testPerTask);
    return count > 0 ? task.generate('test', count, seed, r.options) : [];
  });
  return { train, test, wanted: trainCount };
}

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** TRL GRPO rows: the prompt (plain text, no chat template) and the example for the reward functions. */
export function trlGrpoRows(examples: readonly Example[]): string {
  return jsonl(examples.map((e) => ({ prompt: e.prompt, task: e.task, benchtop_example: JSON.stringify(e) })));
}

/** Prompt-completion rows (TRL SFT and verl SFT): the completion is the gold answer (or correct choice). */
export function completionRows(examples: readonly Example[]): string {
  return jsonl(examples.map((e) => ({ ...formatExample(e), task: e.task })));
}

/** verl RL rows in its usual schema (data_source, prompt messages, ability, reward_model, extra_info). */
export function verlGrpoRows(examples: readonly Example[], rewardFunctions: readonly { name: string; weight: number }[]): string {
  return jsonl(
    examples.map((e, index) => ({
      data_source: `benchtop/${e.task}`,
      prompt: [{ role: 'user', content: e.prompt }],
      ability: e.task,
      reward_model: { style: 'rule', ground_truth: formatExample(e).completion },
      extra_info: { index, benchtop_example: JSON.stringify(e), benchtop_reward_functions: JSON.stringify(rewardFunctions) },
    })),
  );
}

/**
 * An upper bound on the longest prompt in tokens for any byte-level tokenizer: its UTF-8 bytes,
 * plus one for <bos>.
 */
export function maxPromptTokensBound(examples: readonly Example[]): number {
  return examples.reduce((m, e) => Math.max(m, Buffer.byteLength(e.prompt, 'utf8') + 1), 0);
}
