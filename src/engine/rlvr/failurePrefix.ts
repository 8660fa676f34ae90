/**
 * Failure-prefix conditioning (ALGORITHMS.md §3.2): build conditioned prompts for GRPO from the
 * problems the current policy has saturated.
 *
 *   1. sample `samplesPerProblem` responses per problem; a problem is SATURATED when its solve rate
 *      is ≥ `saturationThreshold` and < 1 (at least one rare incorrect response exists);
 *   2. keep up to `failuresPerProblem` of its incorrect responses (in sampling order);
 *   3. candidate prefixes: the failed response cut at token boundaries, k = floor(f · L) tokens for
 *      each fraction f of `prefixFractions` (L = its generated tokens, the ending EOS excluded;
 *      k clamped to 1 … L − 1, duplicate cuts dropped);
 *   4. with `probeSamples` > 0, estimate the policy's accuracy continuing from each candidate
 *      (prompt + prefix) and keep the candidate closest to `targetAccuracy` (tie: the shorter);
 *      with 0, every candidate becomes a conditioned prompt.
 *
 * The prefix is part of the prompt (not trained on); the reward is the verifier on the
 * continuation alone (§3.2: "only the continuation is the completion and is rewarded"), or on
 * prefix + continuation with `rewardWithPrefix`.
 * The sampler and verifier are parameters so the construction is testable on a hand-made policy.
 */
import type { InferenceModel } from '../generate/inferenceModel';
import { getTask, type Example } from '../tasks';
import { sampleFromIds } from './rollout';

export interface SampledResponse {
  text: string;
  /** Generated token ids, the ending EOS excluded. */
  tokens: number[];
}

export interface PrefixSampler {
  /**
   * `numSamples` responses for each prompt text, seeded; `responsePrefixes[i]` (when given) is
   * text the answer to prompt i already starts with — encoded as the start of the assistant's
   * answer (`encodePrompt(prompt, responsePrefix)`), which under a chat template is not the same
   * as appending it to the user's prompt.
   */
  sample(prompts: readonly string[], numSamples: number, seed: number, responsePrefixes?: readonly string[]): Promise<SampledResponse[][]>;
  /** Text of a token-id slice (special tokens skipped). */
  decode(ids: readonly number[]): string;
}

/** true = correct; the reward-side verifier of the example's task. */
export type CorrectnessOf = (example: Example, completion: string) => boolean;

export interface FailurePrefixSpec {
  samplesPerProblem: number;
  saturationThreshold: number;
  failuresPerProblem: number;
  prefixFractions: readonly number[];
  targetAccuracy: number;
  probeSamples: number;
  /** Drop a failure whose chosen prefix probed at accuracy 0 or 1 (no within-group signal); not in §3.2. */
  dropWithoutSignal?: boolean;
  /** Score prefix + continuation instead of the continuation alone (§3.2 rewards the continuation). */
  rewardWithPrefix: boolean;
}

export interface ConditionedPrompt {
  /**
   * The original problem, unchanged: verifiers may read the problem from its prompt (brackets
   * closes `example.prompt`), so the reward must see the prompt without the prefix — the prefix is
   * part of the answer (decision 0044). The sampler is asked `originalPrompt` with `prefixText` as
   * the answer's start (encodePrompt's responsePrefix); samples show originalPrompt + prefixText.
   */
  example: Example;
  originalPrompt: string;
  prefixText: string;
  prefixTokens: number;
  /** prefixTokens / length of the failed response. */
  prefixFraction: number;
  /** Accuracy continuing from this prefix in the probe (null without probing). */
  probeAccuracy: number | null;
}

export interface FailurePrefixStats {
  problems: number;
  saturated: number;
  /** Problems solved every time (saturated in the loose sense, but no failure to condition on). */
  solvedAll: number;
  failures: number;
  prompts: number;
  meanPrefixTokens: number;
  meanPrefixFraction: number;
  /** Mean probe accuracy of the chosen prefixes (NaN without probing or prompts). */
  meanProbeAccuracy: number;
  /** Failures dropped because their chosen prefix probed at accuracy 0 or 1 (dropWithoutSignal). */
  droppedWithoutSignal: number;
}

/** Token cuts of a response of `length` tokens: floor(f·L) clamped to 1 … L−1, deduplicated, ascending. */
export function prefixCuts(length: number, fractions: readonly number[]): number[] {
  if (length < 2) return [];
  const cuts = new Set<number>();
  for (const f of fractions) cuts.add(Math.min(length - 1, Math.max(1, Math.floor(f * length))));
  return [...cuts].sort((a, b) => a - b);
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

export async function buildFailurePrefixPrompts(
  problems: readonly Example[],
  sampler: PrefixSampler,
  isCorrect: CorrectnessOf,
  spec: FailurePrefixSpec,
  seed: number,
): Promise<{ prompts: ConditionedPrompt[]; stats: FailurePrefixStats }> {
  const drawn = await sampler.sample(problems.map((p) => p.prompt), spec.samplesPerProblem, seed);
  let saturated = 0;
  let solvedAll = 0;
  const candidates: { problem: Example; cands: Omit<ConditionedPrompt, 'probeAccuracy'>[] }[] = [];
  let failures = 0;
  problems.forEach((problem, i) => {
    const responses = drawn[i] ?? [];
    const flags = responses.map((r) => isCorrect(problem, r.text));
    const solved = flags.filter(Boolean).length;
    const rate = responses.length ? solved / responses.length : 0;
    if (rate >= 1) solvedAll++;
    if (!(rate >= spec.saturationThreshold && rate < 1)) return;
    saturated++;
    const failed = responses.filter((_, j) => !flags[j]).slice(0, spec.failuresPerProblem);
    failures += failed.length;
    for (const f of failed) {
      const cands = prefixCuts(f.tokens.length, spec.prefixFractions).map((k) => {
        const prefixText = sampler.decode(f.tokens.slice(0, k));
        return {
          example: problem,
          originalPrompt: problem.prompt,
          prefixText,
          prefixTokens: k,
          prefixFraction: k / f.tokens.length,
        };
      });
      if (cands.length) candidates.push({ problem, cands });
    }
  });

  const prompts: ConditionedPrompt[] = [];
  let droppedWithoutSignal = 0;
  if (spec.probeSamples > 0 && candidates.length > 0) {
    const flat = candidates.flatMap((c) => c.cands);
    const probe = await sampler.sample(flat.map((c) => c.originalPrompt), spec.probeSamples, seed + 1, flat.map((c) => c.prefixText));
    let at = 0;
    for (const { problem, cands } of candidates) {
      let best: ConditionedPrompt | null = null;
      for (const c of cands) {
        const rs = probe[at++] ?? [];
        const acc = rs.length ? rs.filter((r) => isCorrect(problem, (spec.rewardWithPrefix ? c.prefixText : '') + r.text)).length / rs.length : 0;
        // strict < keeps the earlier (shorter) candidate on ties
        if (!best || Math.abs(acc - spec.targetAccuracy) < Math.abs(best.probeAccuracy! - spec.targetAccuracy)) best = { ...c, probeAccuracy: acc };
      }
      if (spec.dropWithoutSignal && (best!.probeAccuracy === 0 || best!.probeAccuracy === 1)) droppedWithoutSignal++;
      else prompts.push(best!);
    }
  } else {
    for (const { cands } of candidates) for (const c of cands) prompts.push({ ...c, probeAccuracy: null });
  }
  return {
    prompts,
    stats: {
      problems: problems.length,
      saturated,
      solvedAll,
      failures,
      prompts: prompts.length,
      meanPrefixTokens: prompts.length ? mean(prompts.map((p) => p.prefixTokens)) : 0,
      meanPrefixFraction: prompts.length ? mean(prompts.map((p) => p.prefixFraction)) : 0,
      meanProbeAccuracy: mean(prompts.filter((p) => p.probeAccuracy !== null).map((p) => p.probeAccuracy!)),
      droppedWithoutSignal,
    },
  };
}

/** Metric keys of a construction (logged at the step the pool is (re)built). */
export function failurePrefixMetrics(s: FailurePrefixStats): Record<string, number> {
  const m: Record<string, number> = {
    'failure_prefix/problems_probed': s.problems,
    'failure_prefix/saturated_problems': s.saturated,
    'failure_prefix/solved_all_problems': s.solvedAll,
    'failure_prefix/failures_collected': s.failures,
    'failure_prefix/prompts': s.prompts,
    'failure_prefix/mean_prefix_tokens': s.meanPrefixTokens,
    'failure_prefix/mean_prefix_fraction': s.meanPrefixFraction,
  };
  if (Number.isFinite(s.meanProbeAccuracy)) m['failure_prefix/mean_probe_accuracy'] = s.meanProbeAccuracy;
  if (s.droppedWithoutSignal > 0) m['failure_prefix/dropped_without_signal'] = s.droppedWithoutSignal;
  return m;
}

/**
 * The policy as a PrefixSampler: KV-cache sampling with the run's sampling settings; the EOS that
 * ended a response is dropped (a prefix never contains it).
 */
export function inferencePrefixSampler(model: InferenceModel, o: { maxNewTokens: number; temperature: number; topP: number; topK: number }, decode: (ids: readonly number[]) => string): PrefixSampler {
  return {
    async sample(prompts, numSamples, seed, responsePrefixes) {
      const ids = prompts.map((p, i) => model.encodePrompt(p, responsePrefixes?.[i]));
      const out = await sampleFromIds(model, ids, { maxNewTokens: o.maxNewTokens, numSamples, seed, temperature: o.temperature, topP: o.topP, topK: o.topK });
      return out.map((rows) => rows.map((g) => ({ text: g.text, tokens: g.finishReason === 'eos' ? g.tokens.slice(0, -1) : g.tokens })));
    },
    decode,
  };
}

/** Correctness by the example's task verifier; a throwing verifier counts as incorrect. */
export const verifierCorrectness: CorrectnessOf = (example, completion) => {
  try {
    return getTask(example.task).verify(example, completion).correct;
  } catch {
    return false;
  }
};
