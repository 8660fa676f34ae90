/**
 * Layer-importance scores from the calibration statistics (ALGORITHMS.md §7.2). Indices: h_l is
 * the input of block l, h_{l+1} its output, so block l maps h_l → h_{l+1}.
 */

/** ShortGPT block influence: BI_l = 1 − mean_t cos(h_l, h_{l+1}), l = 0…L−1 (low = removable). */
export function blockInfluence(sim: readonly (readonly number[])[]): number[] {
  return Array.from({ length: sim.length - 1 }, (_, l) => 1 - sim[l]![l + 1]!);
}

/**
 * Gromov et al. angular distance of the block [l, l+n): d(l) = arccos(cos(h_l,T, h_{l+n},T))/π at
 * each sequence's last token, averaged; one entry per start l = 0…L−n (low = removable).
 */
export function angularDistance(lastTokenAngular: readonly (readonly number[])[], n: number): number[] {
  return blockStarts(lastTokenAngular.length - 1, n).map((l) => lastTokenAngular[l]![l + n]!);
}

/**
 * LLM-Streamline block redundancy: mean over tokens of 0.5 + 0.5·cos(h_j, h_{j+n}), one entry per
 * start j = 0…L−n (high = removable). The mean of the per-token map is the map of the mean cosine.
 */
export function streamlineScores(sim: readonly (readonly number[])[], n: number): number[] {
  return blockStarts(sim.length - 1, n).map((j) => 0.5 + 0.5 * sim[j]![j + n]!);
}

function blockStarts(numLayers: number, n: number): number[] {
  if (!(n >= 1 && n <= numLayers)) throw new Error(`block size ${n} does not fit a model of ${numLayers} layers`);
  return Array.from({ length: numLayers - n + 1 }, (_, l) => l);
}

/** Mean of acc_d / base_d over the tasks whose base accuracy is > 0 (seed paper §7.1); null when none. */
export function meanNormalizedAccuracy(accuracy: Readonly<Record<string, number>>, base: Readonly<Record<string, number>>): number | null {
  const tasks = Object.keys(base).filter((t) => base[t]! > 0 && accuracy[t] !== undefined);
  if (!tasks.length) return null;
  return tasks.reduce((s, t) => s + accuracy[t]! / base[t]!, 0) / tasks.length;
}
