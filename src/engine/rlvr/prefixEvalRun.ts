/**
 * The grpo run's failure-prefix robustness evals (§3.5, prefixRobustness.ts) on the policy's
 * sampler: held-out problems from each task's test split (a task with fewer distinct test
 * problems than asked gives as many as it has), the set built once with the policy of the moment,
 * greedy continuations at every eval.
 */
import type { GrpoConfig } from '../../shared/config/grpo';
import type { MixtureEntry } from '../data/batches';
import type { InferenceModel } from '../generate/inferenceModel';
import { getTask, TaskError, type Example } from '../tasks';
import { inferencePrefixSampler, verifierCorrectness } from './failurePrefix';
import { buildRobustnessSet, evaluateRobustness, robustnessSetMetrics, type RobustnessPrompt } from './prefixRobustness';

/** `count` test-split problems of a task, fewer when its test split has fewer distinct ones. */
function heldOut(entry: MixtureEntry, count: number, seed: number): Example[] {
  for (let n = count; n >= 1; n = Math.floor(n / 2)) {
    try {
      return getTask(entry.task).generate('test', n, seed, entry.options);
    } catch (e) {
      if (e instanceof TaskError && e.field === 'count' && n > 1) continue;
      throw e;
    }
  }
  return [];
}

export class PrefixRobustnessEval {
  private set: RobustnessPrompt[] = [];

  constructor(
    private readonly cfg: GrpoConfig,
    private readonly tasks: readonly MixtureEntry[],
    private readonly decode: (ids: readonly number[]) => string,
  ) {}

  /** Builds the prefixes with the sampler's current weights; returns the set's counts. */
  async build(model: InferenceModel): Promise<Record<string, number>> {
    const pe = this.cfg.prefix_eval;
    const seen = new Set<string>();
    const problems: Example[] = [];
    for (const e of this.tasks) {
      if (seen.has(e.task)) continue;
      seen.add(e.task);
      problems.push(...heldOut(e, pe.problems, this.cfg.seed + 3));
    }
    const sampler = inferencePrefixSampler(model, { maxNewTokens: this.cfg.max_completion_length, temperature: this.cfg.temperature, topP: this.cfg.top_p, topK: this.cfg.top_k }, this.decode);
    this.set = await buildRobustnessSet(
      problems,
      sampler,
      verifierCorrectness,
      { samplesPerProblem: pe.samples_per_problem, prefixFraction: pe.prefix_fraction, rewardWithPrefix: this.cfg.failure_prefix.reward_text === 'prefix_and_continuation' },
      this.cfg.seed + 4,
    );
    return robustnessSetMetrics(this.set);
  }

  /** eval/<task>/{misleading,correct}_prefix_accuracy with the sampler's current weights (greedy). */
  async evaluate(model: InferenceModel): Promise<Record<string, number>> {
    const greedy = inferencePrefixSampler(model, { maxNewTokens: this.cfg.max_completion_length, temperature: 0, topP: 1, topK: 0 }, this.decode);
    return evaluateRobustness(this.set, greedy, verifierCorrectness, this.cfg.failure_prefix.reward_text === 'prefix_and_continuation', this.cfg.seed + 5);
  }
}
