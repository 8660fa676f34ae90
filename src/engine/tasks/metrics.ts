/**
 * Evaluation math, pure functions over plain arrays:
 *  - unbiased pass@k (ALGORITHMS.md §5.1, the Codex/HumanEval estimator) in its numerically
 *    stable product form, and its mean over problems;
 *  - maj@k from n ≥ k samples: the majority vote's correctness averaged over every k-subset of
 *    the n samples (the same use of all samples as the unbiased pass@k), computed exactly;
 *  - accuracy overall and broken down by a metadata knob, error-class counts;
 *  - choice accuracy from per-choice log-likelihoods, summed or length-normalised (lm-eval's
 *    acc / acc_norm).
 * Averages over nothing are null (not NaN), so they survive JSON.
 */
import type { MetadataValue } from './types';

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${v}`);
}

/**
 * passk_hat = 1 − C(n−c, k) / C(n, k) for n samples of which c are correct (§5.1), computed as
 * 1 − Π_{i=n−c+1}^{n} (1 − k/i), which never forms a binomial (no overflow at n in the hundreds).
 */
export function passAtK(n: number, c: number, k: number): number {
  checkInt('n', n, 1);
  checkInt('c', c, 0);
  checkInt('k', k, 1);
  if (c > n) throw new Error(`c (correct samples) must be ≤ n, got c = ${c}, n = ${n}`);
  if (k > n) throw new Error(`pass@k needs k ≤ n samples, got k = ${k}, n = ${n}`);
  if (n - c < k) return 1; // every k-subset contains a correct sample
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Mean pass@k over problems, each given as {n, c}. */
export function meanPassAtK(groups: readonly { n: number; c: number }[], k: number): number | null {
  if (groups.length === 0) return null;
  let s = 0;
  for (const g of groups) s += passAtK(g.n, g.c, k);
  return s / groups.length;
}

/**
 * Majority vote over the first k samples' parsed answers (null = unparseable, does not vote).
 * Ties go to the answer that appeared first. Returns the winning answer (null if none parsed).
 */
export function majorityVote(answers: readonly (string | null)[], k: number): string | null {
  checkInt('k', k, 1);
  if (k > answers.length) throw new Error(`maj@k needs k ≤ ${answers.length} samples, got k = ${k}`);
  const counts = new Map<string, number>();
  for (const a of answers.slice(0, k)) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  for (const [a, c] of counts) {
    if (c > bestCount) {
      best = a;
      bestCount = c;
    }
  }
  return best;
}

/** maj@k of exactly the first k samples: does their majority answer equal the gold one? */
export function majAtK(answers: readonly (string | null)[], gold: string, k: number): boolean {
  return majorityVote(answers, k) === gold;
}

/** log C(n, k) as a sum of logs (no overflow); −Infinity when k < 0 or k > n. */
export function logBinomial(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  const m = Math.min(k, n - k);
  let s = 0;
  for (let i = 1; i <= m; i++) s += Math.log((n - m + i) / i);
  return s;
}

function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * maj@k estimated from all n samples: the mean over every k-subset of the n parsed answers of the
 * credit the subset's majority vote earns — 1 when `gold` has strictly the most votes, 1/m when it
 * ties with m − 1 other answers for the most (the expected value of a random tie-break), 0
 * otherwise. Unparseable answers (null) take a slot but do not vote; a subset with no vote earns 0.
 * Exact, by counting: with g of the gold answer in the subset, every other answer may contribute at
 * most g; a dynamic programme over the other answers tracks how many are chosen and how many tie at
 * g (log space, so large n does not overflow). k = n is the plain majority of all samples.
 */
export function majAtKEstimate(answers: readonly (string | null)[], gold: string, k: number): number {
  const n = answers.length;
  checkInt('k', k, 1);
  if (k > n) throw new Error(`maj@k needs k ≤ n samples, got k = ${k}, n = ${n}`);
  const counts = new Map<string, number>();
  let unparsed = 0;
  for (const a of answers) {
    if (a === null) unparsed++;
    else counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  const g0 = counts.get(gold) ?? 0;
  if (g0 === 0) return 0;
  const others = [...counts].filter(([a]) => a !== gold).map(([, c]) => c);
  const NEG = Number.NEGATIVE_INFINITY;
  const logTotal = logBinomial(n, k);
  let prob = 0;
  for (let g = 1; g <= Math.min(k, g0); g++) {
    const rest = k - g;
    const maxTies = Math.floor(rest / g);
    // dp[t][j]: log of the number of ways to pick t samples from the answers so far, j of them at g
    let dp: number[][] = Array.from({ length: rest + 1 }, (_, t) => Array.from({ length: maxTies + 1 }, (_, j) => (t === 0 && j === 0 ? 0 : NEG)));
    for (const c of others) {
      const next = Array.from({ length: rest + 1 }, () => new Array<number>(maxTies + 1).fill(NEG));
      for (let t = 0; t <= rest; t++) {
        for (let j = 0; j <= maxTies; j++) {
          const cur = dp[t]![j]!;
          if (cur === NEG) continue;
          for (let y = 0; y <= Math.min(c, g, rest - t); y++) {
            const jj = y === g ? j + 1 : j;
            if (jj > maxTies) continue;
            next[t + y]![jj] = logAddExp(next[t + y]![jj]!, cur + logBinomial(c, y));
          }
        }
      }
      dp = next;
    }
    const logGold = logBinomial(g0, g);
    for (let t = 0; t <= rest; t++) {
      const logNull = logBinomial(unparsed, rest - t); // the remaining slots are unparseable answers
      if (logNull === NEG) continue;
      for (let j = 0; j <= maxTies; j++) {
        if (dp[t]![j] === NEG) continue;
        prob += Math.exp(logGold + dp[t]![j]! + logNull - logTotal) / (1 + j);
      }
    }
  }
  return Math.min(1, prob);
}

export interface Tally {
  count: number;
  correct: number;
  /** correct / count; null when count is 0. */
  accuracy: number | null;
}

export interface Scored {
  correct: boolean;
  metadata?: Record<string, MetadataValue>;
  errorClass?: string;
}

function tally(count: number, correct: number): Tally {
  return { count, correct, accuracy: count === 0 ? null : correct / count };
}

export function accuracy(records: readonly Scored[]): Tally {
  return tally(records.length, records.filter((r) => r.correct).length);
}

export const MISSING_KNOB = '(none)';

/** Accuracy per value of one metadata key; values are stringified ("3", "true"), missing → "(none)". */
export function accuracyBy(records: readonly Scored[], key: string): Record<string, Tally> {
  const counts = new Map<string, [number, number]>();
  for (const r of records) {
    const v = r.metadata?.[key];
    const label = v === undefined ? MISSING_KNOB : String(v);
    const c = counts.get(label) ?? [0, 0];
    c[0]++;
    if (r.correct) c[1]++;
    counts.set(label, c);
  }
  const labels = [...counts.keys()].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
  });
  const out: Record<string, Tally> = {};
  for (const l of labels) out[l] = tally(...counts.get(l)!);
  return out;
}

/** accuracyBy for several keys at once (e.g. a task's knobs). */
export function breakdown(records: readonly Scored[], keys: readonly string[]): Record<string, Record<string, Tally>> {
  return Object.fromEntries(keys.map((k) => [k, accuracyBy(records, k)]));
}

/** How many records are correct and how many fall in each error class ("unclassified" if a wrong one has none). */
export function errorClassCounts(records: readonly Scored[]): Record<string, number> {
  const out: Record<string, number> = { correct: 0 };
  for (const r of records) {
    const cls = r.correct ? 'correct' : (r.errorClass ?? 'unclassified');
    out[cls] = (out[cls] ?? 0) + 1;
  }
  return out;
}

export type ChoiceScoring = 'sum' | 'length_normalized';

/**
 * Index of the predicted choice: argmax of the summed log-probability of each choice's tokens,
 * or of that sum divided by the choice's length (`lengths`, e.g. its token or character count).
 * Ties go to the lower index.
 */
export function choicePrediction(logprobs: readonly number[], scoring: ChoiceScoring = 'sum', lengths?: readonly number[]): number {
  if (logprobs.length === 0) throw new Error('choice scoring needs at least one choice');
  if (logprobs.some((x) => Number.isNaN(x) || x === Infinity)) throw new Error('choice log-probabilities must be numbers ≤ 0 (−Infinity allowed), got NaN or +Infinity');
  if (scoring === 'length_normalized') {
    if (!lengths || lengths.length !== logprobs.length) {
      throw new Error(`length-normalised scoring needs one length per choice (${logprobs.length}), got ${lengths?.length ?? 'none'}`);
    }
    if (lengths.some((l) => !(l > 0))) throw new Error('choice lengths must be > 0');
  }
  const score = (i: number): number => (scoring === 'sum' ? logprobs[i]! : logprobs[i]! / lengths![i]!);
  let best = 0;
  let bestScore = score(0);
  for (let i = 1; i < logprobs.length; i++) {
    const s = score(i);
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}

export interface ChoiceItem {
  logprobs: number[];
  label: number;
  lengths?: number[];
  metadata?: Record<string, MetadataValue>;
}

export function choiceAccuracy(items: readonly ChoiceItem[], scoring: ChoiceScoring = 'sum'): Tally & { predictions: number[] } {
  const predictions = items.map((it) => choicePrediction(it.logprobs, scoring, it.lengths));
  const correct = predictions.filter((p, i) => p === items[i]!.label).length;
  return { ...tally(items.length, correct), predictions };
}
