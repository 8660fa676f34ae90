/**
 * The GRPO row shape (longest prompt, row length) and the notice logged when a failure-prefix
 * pool build ends empty (ALGORITHMS.md §3.2; decision 0044).
 */
import type { GrpoConfig } from '../../shared/config/grpo';
import type { RunContext } from '../../shared/runContext';
import { MixtureStream, type MixtureEntry } from '../data/batches';

/** Prompts drawn to measure the longest prompt when max_prompt_length is 0. */
export const PROMPT_PROBE = 256;

/**
 * Extra prompt room the automatic limit gives a conditioned prompt: the prefix has at most
 * floor(max fraction · completion length) tokens (prefixCuts, failurePrefix.ts), and re-encoding
 * the prefix text next to the prompt can merge or split a token or two at the seam.
 */
export function prefixRoom(cfg: GrpoConfig): number {
  if (!cfg.failure_prefix.enabled) return 0;
  return Math.floor(Math.max(...cfg.failure_prefix.prefix_fractions) * cfg.max_completion_length) + 2;
}

/**
 * The longest prompt the rows must hold and the row length: max_prompt_length, or the longest
 * of PROMPT_PROBE prompts drawn from a separate stream (the run's own stream is not advanced) —
 * plus room for a failure prefix when conditioning is on, since a conditioned prompt is the
 * problem followed by part of an answer — capped so prompt + completion fits the model's positions.
 */
export function rowShape(cfg: GrpoConfig, tasks: MixtureEntry[], encode: (t: string) => number[], limit: number, where: string, log: RunContext['log']): { maxPrompt: number; seqLen: number } {
  const C = cfg.max_completion_length;
  if (C >= limit) throw new Error(`max_completion_length: expected fewer than the model's ${limit} positions (${where}), got ${C}`);
  let maxPrompt = cfg.max_prompt_length;
  if (maxPrompt === 0) {
    const probe = new MixtureStream(tasks, cfg.seed + 1);
    for (let i = 0; i < PROMPT_PROBE; i++) maxPrompt = Math.max(maxPrompt, encode(probe.next().prompt).length);
    const room = prefixRoom(cfg);
    if (room > 0) {
      log('info', `max_prompt_length 0 (automatic): the longest task prompt is ${maxPrompt} tokens; ${room} more are kept for failure prefixes (conditioned prompts are the problem + part of an answer)`);
      maxPrompt += room;
    }
    if (maxPrompt + C > limit) {
      log('warn', `prompts reach ${maxPrompt} tokens; with max_completion_length ${C} only prompts up to ${limit - C} tokens fit the model's ${limit} positions, longer ones are skipped`);
      maxPrompt = limit - C;
    }
  } else if (maxPrompt + C > limit) {
    throw new Error(`max_prompt_length + max_completion_length: expected at most the model's ${limit} positions (${where}), got ${maxPrompt} + ${C}`);
  }
  return { maxPrompt, seqLen: maxPrompt + C };
}

/**
 * What to log after a pool build: a warning when the pool is empty — either nothing was saturated,
 * or conditioned prompts were built but every one was longer than max_prompt_length (which would
 * otherwise show only in the failure_prefix/too_long metric) — and a warning when some were dropped.
 */
export function poolBuildNotice(m: Record<string, number>, poolSize: number, cfg: GrpoConfig, maxPrompt: number): { level: 'info' | 'warn'; message: string }[] {
  const fp = cfg.failure_prefix;
  const built = m['failure_prefix/prompts'] ?? 0;
  const tooLong = m['failure_prefix/too_long'] ?? 0;
  const limitText = cfg.max_prompt_length === 0 ? `the automatic max_prompt_length (${maxPrompt} tokens)` : `max_prompt_length ${maxPrompt}`;
  if (poolSize === 0 && built > 0 && tooLong > 0) {
    return [{ level: 'warn', message: `failure_prefix: all ${built} conditioned prompts are longer than ${limitText} and were dropped, so nothing is conditioned; training on the plain prompts until the next refresh — raise max_prompt_length or lower failure_prefix.prefix_fractions` }];
  }
  if (poolSize === 0) {
    return [{ level: 'warn', message: `failure_prefix: none of ${fp.problems} problems is saturated (solve rate ≥ ${fp.saturation_threshold} and < 1); training on the plain prompts until the next refresh` }];
  }
  const out: { level: 'info' | 'warn'; message: string }[] = [{ level: 'info', message: `failure_prefix: ${m['failure_prefix/saturated_problems']} saturated problems, ${poolSize} conditioned prompts` }];
  if (tooLong > 0) out.push({ level: 'warn', message: `failure_prefix: ${tooLong} of ${built} conditioned prompts are longer than ${limitText} and were dropped` });
  return out;
}
