/**
 * Memory checks before anything slow: a `value` run keeps Φ (|U| × d float64 numbers) for every
 * train and validation example, and the train × validation matrix when a protocol needs it.
 * §6.2's point is never to hold |V| × d per example for a large vocabulary; these limits turn
 * that into a config error naming the field to change instead of an out-of-memory crash.
 */
import type { ValueConfig } from '../../shared/config/value';
import type { DecoderConfig } from '../model/config';

/** method full: at most this many numbers per example (the built-in model: 101 × 128 = 12,928). */
export const FULL_MAX_ENTRIES = 2 ** 21;
/** All Φ together (bytes). */
export const PHI_MAX_BYTES = 2 * 2 ** 30;
/** Train × validation values held at once. */
export const PAIRWISE_MAX_ENTRIES = 2.5e7;

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

export function checkBudget(cfg: ValueConfig, model: DecoderConfig, nTrain: number, nVal: number, vocabularyRows: number | null): void {
  const V = model.vocab_size;
  const d = model.hidden_size;
  if (cfg.method === 'full' && V * d > FULL_MAX_ENTRIES) {
    throw new Error(`method: full keeps |V|·d = ${V}·${d} = ${V * d} numbers per example for this model (at most ${FULL_MAX_ENTRIES}); use total_unique or topk_unique`);
  }
  if (!cfg.approximate) {
    // topk_unique: at most k ids per kept position; 64 positions is a generous typical completion.
    const rows = cfg.method === 'full' ? V : cfg.method === 'total_unique' ? (vocabularyRows ?? V) : Math.min(V, cfg.prediction_topk * 64);
    const bytes = (nTrain + nVal) * rows * d * 8;
    if (bytes > PHI_MAX_BYTES) {
      throw new Error(
        `method: ${cfg.method} would hold about ${mb(bytes)} of Φ (${nTrain + nVal} examples × ${rows} vocabulary rows × d = ${d}), more than ${mb(PHI_MAX_BYTES)}; ` +
          `${cfg.method === 'topk_unique' ? 'lower prediction_topk' : 'use topk_unique with a small prediction_topk'}, set approximate: true, or use fewer examples`,
      );
    }
  }
  const pairwise = cfg.protocols.includes('influence') || cfg.save_pairwise;
  if (pairwise && nTrain * nVal > PAIRWISE_MAX_ENTRIES) {
    throw new Error(`train.num_examples × val.num_examples = ${nTrain * nVal} pairwise values (influence protocol / save_pairwise) is more than ${PAIRWISE_MAX_ENTRIES}; lower them or drop 'influence' from protocols`);
  }
}
