/**
 * Sections of the run page, named as TRL and verl name them, so an RL run's ~30 series read as
 * six panels instead of one wall: Reward, Policy, Lengths, Likelihood, Throughput (and the
 * time split), Evaluation; any other prefix gets a section of its own. Series that hold a
 * single point or one constant value say everything in one number: they go to a summary table.
 */
import type { MetricSeries } from '@shared/records';
import { metricGroupOf } from './metricGroups';

export type SectionId = 'reward' | 'policy' | 'lengths' | 'likelihood' | 'throughput' | 'evaluation' | 'other';

export interface MetricSection {
  id: SectionId | `prefix:${string}`;
  title: string;
  keys: string[];
}

const TITLES: Record<SectionId, string> = {
  reward: 'Reward',
  policy: 'Policy',
  lengths: 'Lengths',
  likelihood: 'Likelihood',
  throughput: 'Throughput and time',
  evaluation: 'Evaluation',
  other: 'Other',
};
const ORDER: SectionId[] = ['reward', 'policy', 'lengths', 'likelihood', 'throughput', 'evaluation'];

/** Exact keys (TRL GRPOTrainer / verl names) → section. */
const EXACT: Record<string, SectionId> = {
  reward: 'reward', reward_std: 'reward', frac_reward_zero_std: 'reward', accuracy: 'reward',
  loss: 'policy', kl: 'policy', entropy: 'policy', grad_norm: 'policy', learning_rate: 'policy', lr: 'policy',
  step_time: 'throughput', num_tokens: 'throughput', tokens_per_second: 'throughput', tokens_per_s: 'throughput',
  epoch: 'throughput',
};
/** First key segment → section. */
const PREFIX: Record<string, SectionId> = {
  reward: 'reward', rewards: 'reward', groups: 'reward', critic: 'reward',
  loss: 'policy', train: 'policy', policy: 'policy', actor: 'policy', clip_ratio: 'policy', kl: 'policy', entropy: 'policy', optim: 'policy',
  completions: 'lengths', response_length: 'lengths', prompt_length: 'lengths', lengths: 'lengths',
  logprob: 'likelihood', logprobs: 'likelihood', llds: 'likelihood', likelihood: 'likelihood',
  perf: 'throughput', timing: 'throughput', timing_s: 'throughput', timing_per_token_ms: 'throughput', system: 'throughput', throughput: 'throughput', time: 'throughput',
  eval: 'evaluation', val: 'evaluation', 'val-core': 'evaluation', 'val-aux': 'evaluation', self_generated: 'evaluation',
};

/** The section a key belongs to: a known section id, or `prefix:<first segment>`. */
export function sectionOf(key: string): MetricSection['id'] {
  if (EXACT[key]) return EXACT[key];
  const g = metricGroupOf(key);
  if (PREFIX[g]) return PREFIX[g];
  if (/(^|\/)(loss|grad_norm)$/.test(key)) return 'policy';
  return g === 'general' ? 'other' : `prefix:${g}`;
}

/** Group keys into sections: the known ones in a fixed order, then prefixes A–Z, then Other. */
export function sectionMetricKeys(keys: readonly string[], opts: { policyTitle?: string } = {}): MetricSection[] {
  const map = new Map<MetricSection['id'], string[]>();
  for (const k of keys) {
    const id = sectionOf(k);
    if (!map.has(id)) map.set(id, []);
    map.get(id)!.push(k);
  }
  const rank = (id: MetricSection['id']) => {
    const i = ORDER.indexOf(id as SectionId);
    if (i >= 0) return i;
    return id === 'other' ? ORDER.length + 2 : ORDER.length + 1;
  };
  return [...map.entries()]
    .map(([id, ks]) => ({
      id,
      title: id.startsWith('prefix:') ? id.slice('prefix:'.length).replace(/_/g, ' ') : id === 'policy' && opts.policyTitle ? opts.policyTitle : TITLES[id as SectionId],
      keys: ks.slice().sort(),
    }))
    .sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

export interface SummaryRow {
  key: string;
  value: number;
  /** Steps the value was logged at: one, or the first and last of a constant series. */
  firstStep: number;
  lastStep: number;
  points: number;
}

/**
 * A series that says everything in one number: a single finite point, or every finite value
 * equal (within a relative 1e-12). Returns its summary row, or null when it needs a chart.
 */
export function summaryOf(s: MetricSeries): SummaryRow | null {
  let first = -1;
  let lastI = -1;
  let n = 0;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    if (!Number.isFinite(v)) continue;
    if (first < 0) first = i;
    else if (Math.abs(v - s.values[first]) > 1e-12 * Math.max(1, Math.abs(s.values[first]))) return null;
    lastI = i;
    n++;
  }
  if (first < 0) return null;
  return { key: s.key, value: s.values[first], firstStep: s.steps[first], lastStep: s.steps[lastI], points: n };
}
