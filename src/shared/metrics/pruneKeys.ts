/**
 * Metric keys of a `prune` run (docs/dev/PRUNE-CONTRACT.md, ALGORITHMS.md §7.4), written by
 * src/engine/pruning and read by the renderer's prune results and the bundles.
 */

/** Removed layer indices, one point per layer (step = position in the removal order). */
export const REMOVED_KEY = 'prune/removed';
export const ORDER_KEY = 'prune/order';
/** Calibration NLL of the model after removing `step` layers (the sweep). */
export const NLL_KEY = 'calibration/nll';
export const PARAMETERS_KEY = 'model/parameters';

/** `score/<metric>`: the importance score of each layer (step = layer index). */
export function scoreKey(metric: string): string {
  return `score/${metric}`;
}

/** `similarity/<a>`: cosine similarity of hidden states between layer a and every layer b (step = b). */
export function similarityKey(layer: number): string {
  return `similarity/${layer}`;
}

const SWEEP_EVAL = /^eval\/(.+)\/(accuracy|normalized)$/;

/**
 * Keys the prune results draw in their own charts, so the run page gives them no generic line
 * chart: scores, similarities, the removal record, and the sweep's accuracy/NLL/parameters.
 */
export function isPruneResultKey(key: string): boolean {
  return (
    key.startsWith('score/') || key.startsWith('similarity/') || key.startsWith('prune/') ||
    SWEEP_EVAL.test(key) || key === NLL_KEY || key === PARAMETERS_KEY
  );
}
