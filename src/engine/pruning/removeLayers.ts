/**
 * Layer removal (ALGORITHMS.md §7, "Layer removal mechanics"): delete decoder blocks S, keep the
 * embeddings, final norm and LM head, renumber the remaining blocks 0…L−|S|−1 and lower
 * num_hidden_layers. The weight arrays are shared with the parent (no copy): a pruned model is
 * a different view of the same tensors until it is saved.
 */
import type { DecoderConfig } from '../model/config';
import type { DecoderWeights } from '../model/weights';

/** The layers that stay, ascending, when `removed` are deleted from a model of `numLayers` layers. */
export function keptLayers(numLayers: number, removed: readonly number[]): number[] {
  const gone = new Set(removed);
  for (const l of gone) {
    if (!Number.isInteger(l) || l < 0 || l >= numLayers) throw new Error(`layer ${l} does not exist (the model has layers 0–${numLayers - 1})`);
  }
  if (gone.size !== removed.length) throw new Error(`the layers to remove [${removed.join(', ')}] list a layer twice`);
  if (gone.size >= numLayers) throw new Error(`removing ${gone.size} of ${numLayers} layers leaves no layer`);
  return Array.from({ length: numLayers }, (_, i) => i).filter((i) => !gone.has(i));
}

export interface PrunedModel {
  config: DecoderConfig;
  weights: DecoderWeights;
  /** Original indices of the layers kept, in their new order (new layer i was layer kept[i]). */
  kept: number[];
}

/** The model with blocks `removed` deleted and the rest renumbered. */
export function removeLayers(config: DecoderConfig, weights: DecoderWeights, removed: readonly number[]): PrunedModel {
  if (weights.layers.length !== config.num_hidden_layers) {
    throw new Error(`the weights have ${weights.layers.length} layers but the config says num_hidden_layers ${config.num_hidden_layers}`);
  }
  const kept = keptLayers(config.num_hidden_layers, removed);
  return {
    config: { ...config, num_hidden_layers: kept.length },
    weights: { ...weights, layers: kept.map((i) => weights.layers[i]!) },
    kept,
  };
}
