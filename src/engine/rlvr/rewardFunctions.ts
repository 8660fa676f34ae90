/**
 * Multiple weighted reward functions (ALGORITHMS.md §1.2, TRL `reward_funcs` + `reward_weights`):
 * each completion's reward is r = Σ_k w_k r_k over the functions that apply (NaN = not
 * applicable, left out as TRL's nansum); when none applies the completion is unscorable (NaN,
 * advantage 0). Per-function values are kept for `rewards/<name>/mean|std`.
 *
 *   correctness  the task verifier's reward (what the rollout computed; NaN if it threw)
 *   format       1 when the completion contains the task's answer marker (Task.answerStart:
 *                where the verifier starts reading the answer), 0 when not; NaN for tasks that
 *                declare no marker (imported sets read the whole response)
 *
 * Binary correctness (accuracy, pass@k shaping) stays the verifier's `correct` flag.
 */
import type { RewardFunctionName } from '../../shared/config/grpoScience';
import { getTask } from '../tasks';
import { hasAnswerMarker } from './answerSpan';
import { nanMeanStd } from './advantages';
import type { Completion, PromptItem } from './rollout';

export interface RewardFunction {
  name: RewardFunctionName;
  weight: number;
}

/** r_k of one completion. */
export function rewardFunctionValue(name: RewardFunctionName, c: Completion, task: string): number {
  switch (name) {
    case 'correctness':
      return c.reward;
    case 'format':
      return hasAnswerMarker(task) ? (getTask(task).answerStart!(c.text) >= 0 ? 1 : 0) : Number.NaN;
  }
}

/** Σ_k w_k r_k over the non-NaN r_k; NaN when every r_k is NaN. */
export function weightedReward(values: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  let any = false;
  values.forEach((v, k) => {
    if (Number.isNaN(v)) return;
    any = true;
    sum += weights[k]! * v;
  });
  return any ? sum : Number.NaN;
}

export interface ScoredRewards {
  /** The completions with `reward` = the weighted sum. */
  completions: Completion[];
  /** Per function name: its value for every completion (NaN = not applicable). */
  byFunction: Record<string, number[]>;
}

/** Applies the reward functions to a batch's completions (`items[c.group]` is each one's prompt). */
export function applyRewardFunctions(completions: readonly Completion[], items: readonly PromptItem[], fns: readonly RewardFunction[]): ScoredRewards {
  const byFunction: Record<string, number[]> = Object.fromEntries(fns.map((f) => [f.name, [] as number[]]));
  const out = completions.map((c) => {
    const task = items[c.group]!.example.task;
    const values = fns.map((f) => rewardFunctionValue(f.name, c, task));
    values.forEach((v, k) => byFunction[fns[k]!.name]!.push(v));
    return { ...c, reward: weightedReward(values, fns.map((f) => f.weight)) };
  });
  return { completions: out, byFunction };
}

/** rewards/<name>/mean and rewards/<name>/std (Bessel, NaN left out) per function that applied to any completion. */
export function rewardFunctionMetrics(byFunction: Record<string, readonly number[]>): Record<string, number> {
  const m: Record<string, number> = {};
  for (const [name, values] of Object.entries(byFunction)) {
    const s = nanMeanStd(values);
    if (s.count === 0) continue;
    m[`rewards/${name}/mean`] = s.mean;
    m[`rewards/${name}/std`] = s.std;
  }
  return m;
}
