/**
 * The contract every verifiable task follows: a seeded generator that yields `Example`s for a
 * split, and a verifier that scores a model response against one example. Examples are plain
 * JSON (they are stored in SQLite, written to JSONL and shipped in bundles), so everything a
 * verifier needs is recoverable from the example itself.
 */

export type Split = 'train' | 'test';
export const SPLITS: readonly Split[] = ['train', 'test'];

/** 'generative': scored on sampled text. 'choice': scored by choice log-likelihood (lm-eval style). */
export type TaskKind = 'generative' | 'choice';

/** Difficulty knobs and other per-example facts; scalar so they can be grouped on. */
export type MetadataValue = string | number | boolean;

export interface Example {
  /** `<task>:<16 hex digits>`, a hash of the canonical problem (stable across seeds and renderings of it). */
  id: string;
  /** Task name (built-in) or dataset name (imported). */
  task: string;
  prompt: string;
  /** The gold completion, exactly as the model should continue the prompt. */
  answer: string;
  /** Choice tasks: the candidate continuations, scored by log-likelihood. */
  choices?: string[];
  /** Choice tasks: index of the correct choice. */
  label?: number;
  metadata: Record<string, MetadataValue>;
}

export interface VerifyResult {
  /** Binary correctness, the one pass@k and accuracy are computed from. */
  correct: boolean;
  /** Scalar reward for RL (1/0 unless the task offers another reward, e.g. K&K §8.4). */
  reward: number;
  /** Why it is wrong, a short snake_case class (absent when correct). */
  errorClass?: string;
  /** What the verifier read from the response, in canonical form (a number, a choice, an assignment). */
  parsed?: string;
  /** Grading internals worth showing (e.g. the re-checked equations of a word problem). */
  details?: Record<string, unknown>;
}

/** One accepted generation option: name, type, default and range, so the UI can build a form. */
export type OptionSpec =
  | { name: string; doc: string; type: 'int'; default: number; min: number; max: number }
  | { name: string; doc: string; type: 'number'; default: number; min: number; max: number }
  | { name: string; doc: string; type: 'bool'; default: boolean }
  | { name: string; doc: string; type: 'enum'; default: string; values: readonly string[] }
  | { name: string; doc: string; type: 'int_list'; default: readonly number[]; min: number; max: number }
  | { name: string; doc: string; type: 'enum_list'; default: readonly string[]; values: readonly string[] };

export type OptionValues = Record<string, number | boolean | string | readonly number[] | readonly string[]>;

export interface Task {
  name: string;
  kind: TaskKind;
  description: string;
  /** Metadata keys that are difficulty knobs (for accuracy breakdowns). */
  knobs: string[];
  options: readonly OptionSpec[];
  /**
   * `count` examples of `split`, distinct as the `unique` option says (default: test never
   * repeats a problem, train draws at natural frequency and may). Deterministic in (split, count,
   * seed, options); train and test never share a problem, whatever the seeds (the split is a hash
   * of the problem).
   */
  generate(split: Split, count: number, seed: number, options?: Record<string, unknown>): Example[];
  /** Distinct examples a split holds, for finite tasks (imported datasets); generators leave it out. */
  available?(split: Split): number;
  verify(example: Example, response: string): VerifyResult;
  /**
   * Where the verifier starts reading the final answer in a response (the character index of
   * its answer marker, e.g. the last "answer:"), or −1 when the response has none. Absent for
   * tasks whose verifier reads the whole response (choice tasks, brackets).
   */
  answerStart?(response: string): number;
}

export interface TaskInfo {
  name: string;
  kind: TaskKind;
  description: string;
  knobs: string[];
  options: readonly OptionSpec[];
}

/**
 * The one error type of the task layer: names the task (or file), the option or field, and what
 * was expected, so a user can fix the config without reading code.
 */
export class TaskError extends Error {
  readonly task: string;
  readonly field: string | null;

  constructor(task: string, field: string | null, problem: string) {
    super(field ? `${task}: option '${field}': ${problem}` : `${task}: ${problem}`);
    this.name = 'TaskError';
    this.task = task;
    this.field = field;
  }
}
