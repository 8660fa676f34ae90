/**
 * The evaluation harness: runs a language model on a task's held-out examples and scores it.
 * Generative tasks: n samples per prompt → exact match (first sample), unbiased pass@k and
 * maj@k (ALGORITHMS.md §5.1); choice tasks: the highest-log-likelihood choice wins. Every
 * result is broken down by the task's difficulty knobs and error classes.
 *
 * The model is an interface so the same harness serves the built-in decoder on any execution
 * provider and, in periodic evals during training, the weights of the moment.
 */
import { getTask, type Example, type VerifyResult } from '../tasks';
import {
  breakdown,
  choicePrediction,
  errorClassCounts,
  majAtKEstimate,
  meanPassAtK,
  type ChoiceScoring,
  type Tally,
} from '../tasks/metrics';
import { evalKey } from '../../shared/metrics/evalKeys';

export interface SamplingOptions {
  maxNewTokens: number;
  temperature: number;
  topP: number;
  /** Samples per prompt. */
  numSamples: number;
  seed: number;
}

export interface LanguageModel {
  /** For each prompt, `numSamples` completions (text after the prompt, stop tokens removed). */
  generate(prompts: string[], opts: SamplingOptions): Promise<string[][]>;
  /** Sum of token log-probs of each choice given its prompt, and each choice's token count. */
  scoreChoices(prompts: string[], choices: string[][]): Promise<{ logprobs: number[][]; lengths: number[][] }>;
}

export interface EvalTaskSpec {
  task: string;
  options?: Record<string, unknown>;
  numExamples: number;
  seed: number;
  sampling: SamplingOptions;
  ks: number[];
  batchSize: number;
  choiceScoring?: ChoiceScoring;
}

export interface ExampleOutcome {
  example: Example;
  completions: string[];
  verdicts: VerifyResult[];
  /** Choice tasks: predicted index and per-choice log-probs. */
  prediction?: number;
  choiceLogprobs?: number[];
}

export interface TaskEvalResult {
  task: string;
  kind: 'generative' | 'choice';
  count: number;
  /** Exact match of the first sample (generative) or choice accuracy. */
  accuracy: number;
  passAtK: Record<string, number>;
  majAtK: Record<string, number>;
  breakdown: Record<string, Record<string, Tally>>;
  errorClasses: Record<string, number>;
  outcomes: ExampleOutcome[];
}

export async function evaluateTask(
  model: LanguageModel,
  spec: EvalTaskSpec,
  onProgress: (done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<TaskEvalResult> {
  const task = getTask(spec.task);
  const examples = task.generate('test', spec.numExamples, spec.seed, spec.options ?? {});
  const outcomes: ExampleOutcome[] = [];
  for (let i = 0; i < examples.length; i += spec.batchSize) {
    if (signal?.aborted) break;
    const batch = examples.slice(i, i + spec.batchSize);
    if (task.kind === 'choice') {
      const { logprobs, lengths } = await model.scoreChoices(
        batch.map((e) => e.prompt),
        batch.map((e) => e.choices ?? []),
      );
      batch.forEach((ex, j) => {
        const prediction = choicePrediction(logprobs[j]!, spec.choiceScoring ?? 'sum', lengths[j]);
        const chosen = ex.choices![prediction]!;
        outcomes.push({ example: ex, completions: [chosen], verdicts: [task.verify(ex, chosen)], prediction, choiceLogprobs: logprobs[j] });
      });
    } else {
      const completions = await model.generate(
        batch.map((e) => e.prompt),
        { ...spec.sampling, seed: spec.sampling.seed + i },
      );
      batch.forEach((ex, j) => {
        const cs = completions[j]!;
        outcomes.push({ example: ex, completions: cs, verdicts: cs.map((c) => task.verify(ex, c)) });
      });
    }
    onProgress(Math.min(i + spec.batchSize, examples.length), examples.length);
  }
  return summarise(spec, task.kind, task.knobs, outcomes);
}

/** Pure scoring of collected outcomes (separate so it is tested on hand-made outcomes). */
export function summarise(
  spec: Pick<EvalTaskSpec, 'task' | 'ks'>,
  kind: 'generative' | 'choice',
  knobs: string[],
  outcomes: ExampleOutcome[],
): TaskEvalResult {
  const first = outcomes.map((o) => ({
    correct: o.verdicts[0]?.correct ?? false,
    metadata: o.example.metadata,
    errorClass: o.verdicts[0]?.errorClass,
  }));
  const passAtK: Record<string, number> = {};
  const majAtKOut: Record<string, number> = {};
  if (kind === 'generative') {
    for (const k of spec.ks) {
      const groups = outcomes.filter((o) => o.verdicts.length >= k).map((o) => ({ n: o.verdicts.length, c: o.verdicts.filter((v) => v.correct).length }));
      const p = meanPassAtK(groups, k);
      if (p !== null) passAtK[String(k)] = p;
      const usable = outcomes.filter((o) => o.verdicts.length >= k);
      if (usable.length) {
        // maj@k compares the majority parse with the gold answer in the verifier's canonical form,
        // which is known from any correct sample; with none correct the majority cannot match, so
        // a sentinel no parse produces stands in.
        const gold = (o: ExampleOutcome) => o.verdicts.find((v) => v.correct)?.parsed ?? '\u0000no-correct-sample';
        // every k-subset of the n samples, not only the first k (majAtKEstimate)
        const hits = usable.reduce((s, o) => s + majAtKEstimate(o.verdicts.map((v) => v.parsed ?? null), gold(o), k), 0);
        majAtKOut[String(k)] = hits / usable.length;
      }
    }
  }
  const correct = first.filter((r) => r.correct).length;
  return {
    task: spec.task,
    kind,
    count: outcomes.length,
    accuracy: outcomes.length ? correct / outcomes.length : 0,
    passAtK,
    majAtK: majAtKOut,
    breakdown: breakdown(first, knobs),
    errorClasses: errorClassCounts(first),
    outcomes,
  };
}

/** Metric keys for a task result, as written to the run store (stable names for charts). */
export function resultMetrics(r: TaskEvalResult): Record<string, number> {
  const m: Record<string, number> = { [evalKey(r.task, 'accuracy')]: r.accuracy };
  for (const [k, v] of Object.entries(r.passAtK)) m[evalKey(r.task, `pass@${k}`)] = v;
  for (const [k, v] of Object.entries(r.majAtK)) m[evalKey(r.task, `maj@${k}`)] = v;
  return m;
}
