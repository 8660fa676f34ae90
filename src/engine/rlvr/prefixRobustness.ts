/**
 * Failure-prefix robustness evals (ALGORITHMS.md §3.5): how well the policy RECOVERS when its
 * continuation starts from a prefix of one of its own incorrect responses (misleading prefix),
 * and how well it ADHERES when the prefix comes from a correct one (the paper reports better
 * recovery after failure-prefix training, with a mild loss in adherence).
 *
 * The set is built once, on held-out (test-split) problems with the policy of the moment (the
 * initial policy at run start): `samplesPerProblem` responses each; the first incorrect one gives
 * the misleading prefix and the first correct one the correct prefix, each cut at
 * floor(prefixFraction · L) tokens (clamped to 1 … L − 1, L = its tokens without the ending EOS;
 * responses of fewer than 2 tokens give none). Keeping the set fixed makes every later eval
 * measure the same prefixes. Each eval continues every conditioned prompt greedily and scores it
 * with the task verifier — the continuation alone, or prefix + continuation (the run's
 * failure_prefix.reward_text) — giving eval/<task>/misleading_prefix_accuracy and
 * eval/<task>/correct_prefix_accuracy (absent for a task with no such prefix).
 */
import { evalKey } from '../../shared/metrics/evalKeys';
import type { Example } from '../tasks';
import { prefixCuts, type CorrectnessOf, type PrefixSampler } from './failurePrefix';

export type PrefixKind = 'misleading' | 'correct';

export interface RobustnessPrompt {
  kind: PrefixKind;
  /** The held-out problem, unchanged (verifiers may read the problem from its prompt; the prefix is part of the answer). */
  example: Example;
  /** The problem's own prompt: the sampler continues it with prefixText as the answer's start. */
  originalPrompt: string;
  prefixText: string;
}

export interface RobustnessSpec {
  samplesPerProblem: number;
  prefixFraction: number;
  /** Score prefix + continuation instead of the continuation alone. */
  rewardWithPrefix: boolean;
}

/** The misleading and correct prefixes of each problem (at most one of each). */
export async function buildRobustnessSet(problems: readonly Example[], sampler: PrefixSampler, isCorrect: CorrectnessOf, spec: RobustnessSpec, seed: number): Promise<RobustnessPrompt[]> {
  const drawn = await sampler.sample(problems.map((p) => p.prompt), spec.samplesPerProblem, seed);
  const out: RobustnessPrompt[] = [];
  problems.forEach((problem, i) => {
    const responses = drawn[i] ?? [];
    const flags = responses.map((r) => isCorrect(problem, r.text));
    for (const kind of ['misleading', 'correct'] as const) {
      const r = responses.find((_, j) => flags[j] === (kind === 'correct'));
      const cut = r ? prefixCuts(r.tokens.length, [spec.prefixFraction])[0] : undefined;
      if (!r || cut === undefined) continue;
      const prefixText = sampler.decode(r.tokens.slice(0, cut));
      out.push({ kind, example: problem, originalPrompt: problem.prompt, prefixText });
    }
  });
  return out;
}

/** Greedy continuation of every prompt (`greedy` samples one response at temperature 0); accuracy per task and kind. */
export async function evaluateRobustness(set: readonly RobustnessPrompt[], greedy: PrefixSampler, isCorrect: CorrectnessOf, rewardWithPrefix: boolean, seed: number): Promise<Record<string, number>> {
  if (set.length === 0) return {};
  const cont = await greedy.sample(set.map((p) => p.originalPrompt), 1, seed, set.map((p) => p.prefixText));
  const tally = new Map<string, { n: number; right: number }>();
  set.forEach((p, i) => {
    const text = cont[i]?.[0]?.text ?? '';
    const key = evalKey(p.example.task, `${p.kind}_prefix_accuracy`);
    const t = tally.get(key) ?? { n: 0, right: 0 };
    t.n++;
    if (isCorrect(p.example, (rewardWithPrefix ? p.prefixText : '') + text)) t.right++;
    tally.set(key, t);
  });
  return Object.fromEntries([...tally].map(([k, t]) => [k, t.right / t.n]));
}

/** Counts of the built set per kind (logged once, at build). */
export function robustnessSetMetrics(set: readonly RobustnessPrompt[]): Record<string, number> {
  return {
    'prefix_eval/misleading_prompts': set.filter((p) => p.kind === 'misleading').length,
    'prefix_eval/correct_prompts': set.filter((p) => p.kind === 'correct').length,
  };
}
