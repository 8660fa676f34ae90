/**
 * The evaluation protocols of For-Value (ALGORITHMS.md §6.3) on scores already computed:
 *
 *   (a) influence:  for every validation sample, rank the train samples by v(z_i, z'_j); AUC of
 *                   "same class first" and recall@k = share of the top k that are of its class,
 *                   k = number of same-class train samples (the paper's recall@90 with 90 per
 *                   class); mean ± std (population) over validation samples.
 *   (b) mislabel:   workbench variant — per-train-sample value v(z_i) against the validation
 *                   mean; AUC of "low value ⇒ mislabeled" and recall among the m lowest-valued
 *                   (m = number mislabeled). Also the paper's per-validation-sample variant:
 *                   AUC of ranking same-class clean train samples first.
 *   (c) selection:  the top ceil(select_ratio·n) train samples by value; share of clean ones.
 *
 * AUC is the Mann–Whitney statistic: the probability that a random positive scores above a
 * random negative, ties counting one half (what sklearn's roc_auc_score computes).
 */

export interface MeanStd {
  mean: number;
  std: number;
  /** Validation samples the statistic averages over (those with positives and negatives). */
  count: number;
}

function finite(scores: ArrayLike<number>): void {
  for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i]!)) throw new Error(`valuation: score ${i} is ${scores[i]} (not a finite number)`);
}

/** Mann–Whitney AUC from average ranks; null when there are no positives or no negatives. */
export function aucMannWhitney(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const n = scores.length;
  if (positive.length !== n) throw new Error(`auc: ${n} scores but ${positive.length} labels`);
  finite(scores);
  let P = 0;
  for (let i = 0; i < n; i++) if (positive[i]) P++;
  const N = n - P;
  if (P === 0 || N === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1; // average of ranks i+1 … j+1
    for (let k = i; k <= j; k++) if (positive[order[k]!]) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (P * (P + 1)) / 2) / (P * N);
}

/** Indices by score, highest first (ties → lower index first). */
export function rankDescending(scores: ArrayLike<number>): number[] {
  finite(scores);
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Share of the k highest-scored items that are positive. */
export function recallAtK(scores: ArrayLike<number>, positive: ArrayLike<boolean>, k: number): number {
  if (!(k >= 1)) throw new Error(`recall@k: expected k ≥ 1, got ${k}`);
  const top = rankDescending(scores).slice(0, k);
  return top.filter((i) => positive[i]).length / top.length;
}

export function meanStd(xs: readonly number[]): MeanStd {
  if (xs.length === 0) return { mean: Number.NaN, std: Number.NaN, count: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v), count: xs.length };
}

export interface InfluenceResult {
  auc: MeanStd;
  recall: MeanStd;
  /** Per validation sample (null where its class has no train sample, or every train sample is of it). */
  perVal: { auc: number | null; recall: number | null }[];
  /** Mean AUC and recall over the validation samples of each class. */
  byClass: Record<string, { auc: number; recall: number; count: number }>;
}

/** (a) `pairwise[j][i]` = v(train i, val j). */
export function influenceProtocol(pairwise: readonly ArrayLike<number>[], trainClass: readonly string[], valClass: readonly string[]): InfluenceResult {
  if (pairwise.length !== valClass.length) throw new Error(`influence: ${pairwise.length} validation rows but ${valClass.length} classes`);
  const perVal = pairwise.map((row, j) => {
    const positive = trainClass.map((c) => c === valClass[j]);
    const k = positive.filter(Boolean).length;
    const auc = aucMannWhitney(row, positive);
    return { auc, recall: auc === null ? null : recallAtK(row, positive, k) };
  });
  const byClass: InfluenceResult['byClass'] = {};
  for (const c of [...new Set(valClass)]) {
    const mine = perVal.filter((p, j) => valClass[j] === c && p.auc !== null);
    if (mine.length) byClass[c] = { auc: meanStd(mine.map((p) => p.auc!)).mean, recall: meanStd(mine.map((p) => p.recall!)).mean, count: mine.length };
  }
  const ok = perVal.filter((p) => p.auc !== null);
  return { auc: meanStd(ok.map((p) => p.auc!)), recall: meanStd(ok.map((p) => p.recall!)), perVal, byClass };
}

export interface MislabelResult {
  /** AUC of −value for "is mislabeled" (null without mislabeled or without clean samples). */
  auc: number | null;
  /** Share of mislabeled among the `k` lowest-valued. */
  recall: number | null;
  k: number;
}

/** (b), workbench variant: low value ⇒ mislabeled. */
export function mislabelProtocol(values: ArrayLike<number>, mislabeled: readonly boolean[]): MislabelResult {
  const neg = Array.from(values as ArrayLike<number>, (v) => -v);
  const k = mislabeled.filter(Boolean).length;
  const auc = aucMannWhitney(neg, mislabeled);
  return { auc, recall: k === 0 ? null : recallAtK(neg, mislabeled, k), k };
}

/** (b) within each class: AUC of "low value ⇒ mislabeled" among the train samples of that class (classes without both kinds left out). */
export function mislabelByClass(values: ArrayLike<number>, mislabeled: readonly boolean[], trainClass: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of [...new Set(trainClass)]) {
    const idx = trainClass.map((_, i) => i).filter((i) => trainClass[i] === c);
    const auc = aucMannWhitney(idx.map((i) => -values[i]!), idx.map((i) => mislabeled[i]!));
    if (auc !== null) out[c] = auc;
  }
  return out;
}

/** (b), the paper's variant: per validation sample, AUC of ranking same-class clean train samples first. */
export function cleanPerValProtocol(pairwise: readonly ArrayLike<number>[], trainClass: readonly string[], valClass: readonly string[], mislabeled: readonly boolean[]): MeanStd {
  const aucs = pairwise
    .map((row, j) => aucMannWhitney(row, trainClass.map((c, i) => c === valClass[j] && !mislabeled[i])))
    .filter((a): a is number => a !== null);
  return meanStd(aucs);
}

export interface SelectionResult {
  /** Selected train indices, highest value first. */
  selected: number[];
  /** Share of clean samples among the selected. */
  cleanRatio: number;
  /** Share of clean samples in the whole train set (what a random selection gets on average). */
  baseline: number;
}

/** (c) the top ceil(ratio·n) by value. */
export function selectionProtocol(values: ArrayLike<number>, mislabeled: readonly boolean[], ratio: number): SelectionResult {
  const n = values.length;
  const k = Math.max(1, Math.min(n, Math.ceil(ratio * n - 1e-9)));
  const selected = rankDescending(values).slice(0, k);
  return {
    selected,
    cleanRatio: selected.filter((i) => !mislabeled[i]).length / k,
    baseline: mislabeled.filter((m) => !m).length / n,
  };
}
