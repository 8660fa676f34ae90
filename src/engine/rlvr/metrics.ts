/**
 * The GRPO run's logged metrics (ALGORITHMS.md §1.8, TRL's names), as pure functions of one
 * generation batch and one step's graph outputs, plus the logging window that averages them
 * over `log_every` steps as TRL does (docs/dev/GRPO-CONTRACT.md lists every key).
 */
import type * as ort from 'onnxruntime-node';
import { nanMeanStd, type GroupAdvantages } from './advantages';
import { POLICY_OUTPUTS } from './policyLoss';
import type { Completion } from './rollout';

function stats(values: readonly number[]): { mean: number; min: number; max: number } {
  if (values.length === 0) return { mean: 0, min: 0, max: 0 }; // TRL logs zeros when nothing terminated
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Metrics of a generation batch: completion lengths, rewards, accuracy, group statistics.
 * `trained` are the advantages the loss uses (GRPO's, or a Pass@k method's, §5): a group whose
 * trained advantages are all 0 gives no gradient, which `frac_advantage_zero` counts. With Pass@k
 * that is more than TRL's `frac_reward_zero_std` (e.g. n − c < k: every k-subset holds a correct
 * sample, so the rewards differ but the advantages are 0).
 */
export function rolloutMetrics(
  completions: readonly Completion[],
  adv: GroupAdvantages,
  taskOf: (c: Completion) => string,
  G: number,
  trained: readonly number[] = adv.advantages,
): Record<string, number> {
  const m: Record<string, number> = {};
  const lengths = completions.map((c) => c.tokens.length);
  const terminated = completions.filter((c) => !c.truncated).map((c) => c.tokens.length);
  const all = stats(lengths);
  const term = stats(terminated);
  m['completions/mean_length'] = all.mean;
  m['completions/min_length'] = all.min;
  m['completions/max_length'] = all.max;
  m['completions/mean_terminated_length'] = term.mean;
  m['completions/min_terminated_length'] = term.min;
  m['completions/max_terminated_length'] = term.max;
  m['completions/clipped_ratio'] = completions.length ? 1 - terminated.length / completions.length : 0;

  const tasks = [...new Set(completions.map(taskOf))];
  for (const t of tasks) {
    const s = nanMeanStd(completions.filter((c) => taskOf(c) === t).map((c) => c.reward));
    if (s.count > 0) {
      m[`rewards/${t}/mean`] = s.mean;
      m[`rewards/${t}/std`] = s.std;
    }
  }
  const r = nanMeanStd(completions.map((c) => c.reward));
  if (r.count > 0) {
    m.reward = r.mean;
    m.reward_std = r.std;
  }
  const groups = adv.zeroStd.length;
  m.frac_reward_zero_std = groups ? adv.zeroStd.filter(Boolean).length / groups : 0;
  let zeroAdv = 0;
  for (let k = 0; k < groups; k++) if (trained.slice(k * G, (k + 1) * G).every((a) => a === 0)) zeroAdv++;
  m.frac_advantage_zero = groups ? zeroAdv / groups : 0;
  m.accuracy = completions.length ? completions.filter((c) => c.correct).length / completions.length : 0;
  let solveAll = 0;
  let solveNone = 0;
  for (let k = 0; k < groups; k++) {
    const right = completions.slice(k * G, (k + 1) * G).filter((c) => c.correct).length;
    if (right === G) solveAll++;
    if (right === 0) solveNone++;
  }
  m['groups/solve_all'] = groups ? solveAll / groups : 0;
  m['groups/solve_none'] = groups ? solveNone / groups : 0;
  return m;
}

/**
 * clip_ratio/low_min and clip_ratio/high_max: the extremes over the completions that count
 * (mask not empty) of each completion's clipped fraction. (TRL takes them over per-process
 * means; on one process those equal the batch means, so the per-completion extremes of §1.8 are
 * what carries information here.)
 */
export function clipExtremes(lowPerSeq: ArrayLike<number>, highPerSeq: ArrayLike<number>, maskedTokens: readonly number[]): { lowMin: number; highMax: number } {
  let lowMin = Number.POSITIVE_INFINITY;
  let highMax = 0;
  let any = false;
  maskedTokens.forEach((n, i) => {
    if (n <= 0) return;
    any = true;
    lowMin = Math.min(lowMin, lowPerSeq[i]!);
    highMax = Math.max(highMax, highPerSeq[i]!);
  });
  return { lowMin: any ? lowMin : 0, highMax };
}

/**
 * The §2.1 LLD monitors (every step) and, with LLDS on, its loss before λ and gated fraction
 * (§2.2), from one training step's graph outputs. A missing / NaN output (no completion with
 * A > 0, say) is NaN, which the window leaves out.
 */
export function policyMonitorMetrics(o: Record<string, ort.Tensor | undefined>, llds: boolean): Record<string, number> {
  const v = (k: string) => (o[k] ? Number(o[k]!.data[0]) : Number.NaN);
  return {
    'logprob/pos_mean': v(POLICY_OUTPUTS.logprobPosMean),
    'logprob/neg_mean': v(POLICY_OUTPUTS.logprobNegMean),
    ...(llds ? { 'llds/loss': v(POLICY_OUTPUTS.lldsLoss), 'llds/gated_fraction': v(POLICY_OUTPUTS.lldsGatedFraction) } : {}),
  };
}

/** Sums metric values over the steps of a logging window; `flush` gives their means. */
export class MetricWindow {
  private readonly sums = new Map<string, { sum: number; n: number }>();

  add(values: Record<string, number>): void {
    for (const [k, v] of Object.entries(values)) {
      if (!Number.isFinite(v)) continue;
      const s = this.sums.get(k) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      this.sums.set(k, s);
    }
  }

  flush(): Record<string, number> {
    const out = Object.fromEntries([...this.sums].map(([k, s]) => [k, s.sum / s.n]));
    this.sums.clear();
    return out;
  }
}
