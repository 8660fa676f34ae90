/**
 * Entropy knobs of the GRPO loss (ALGORITHMS.md §1.4; TRL GRPOTrainer `top_entropy_quantile`,
 * `entropy_coef`), in-graph on the training forward's token entropies H = entropy of
 * softmax(logits / T) — the entropies of the policy being trained, as TRL computes them in
 * `_compute_loss`, not the rollout policy's.
 *
 * Entropy mask (top_entropy_quantile ρ, "Beyond the 80/20 Rule", arXiv:2506.01939):
 *   τ = quantile({H_{i,t} : m_{i,t} = 1}, 1 − ρ)      over the micro-batch's completion tokens,
 *       linear interpolation between order statistics (torch.quantile's default)
 *   M_{i,t} = 1[H_{i,t} ≥ τ] · m_{i,t}                ties at τ are kept; no token → all 0
 * ρ = 1 keeps every token, ρ = 0 only the highest-entropy token(s). The mask multiplies the
 * policy term only (the KL term is added after, as TRL does) and carries no gradient.
 *
 * Entropy bonus (entropy_coef c): loss −= c · E with the effective mask m' = m·M (m without the
 * entropy mask) and, as TRL (not rescaled to the loss type's policy normalisation):
 *   dapo:               E = Σ H m' / num_items_in_batch   (the policy term's global token count,
 *                                                          so the optimizer step sums to the
 *                                                          window's token mean)
 *   grpo, bnpo, dr_grpo: E = Σ H m' / max(1, Σ m')        (the micro-batch's token mean; the
 *                                                          step averages micro-batches)
 * The gradient flows through H (the bonus raises the entropy of the trained positions).
 */
import { GraphBuildError, op, type Tensor } from '../onnx';

/**
 * M: 1 where a completion token's entropy is in the top ρ quantile of the micro-batch's
 * completion-token entropies, else 0 ([B, T] float32). `entropy` and `m` are [B, T] (static).
 */
export function highEntropyMask(entropy: Tensor, m: Tensor, rho: number): Tensor {
  if (!(rho >= 0 && rho <= 1)) throw new GraphBuildError(`top_entropy_quantile: expected 0 ≤ ρ ≤ 1, got ${rho}`);
  const [B, T] = entropy.shape;
  if (typeof B !== 'number' || typeof T !== 'number') throw new GraphBuildError('top_entropy_quantile: the entropies must have static [B, T]');
  const N = B * T;
  const active = op.greater(m, 0);
  // entropies are ≥ 0, so −1 sorts every padding position below every completion token
  const sorted = op.topK(op.reshape(op.where(active, entropy, -1), [N]), N, 0, true).values; // descending
  const n = op.reduceSum(m); // completion tokens, float
  const q = Math.fround(1 - rho);
  // ascending rank q·(n − 1), split into its floor (ONNX Cast truncates; the rank is ≥ 0) and fraction
  const rank = op.maximum(op.mul(op.sub(n, 1), q), 0);
  const lo = op.cast(op.cast(rank, 'int64'), 'float32');
  const frac = op.sub(rank, lo);
  const hi = op.add(lo, op.cast(op.greater(frac, 0), 'float32'));
  // ascending index j is descending index n − 1 − j
  const at = (j: Tensor) => op.gather(sorted, op.cast(op.clip(op.reshape(op.sub(op.sub(n, 1), j), [1]), 0, N - 1), 'int64'), 0);
  const below = at(lo);
  const above = at(hi);
  // lerp as torch computes it (the form depends on which end is nearer)
  const diff = op.sub(above, below);
  const tau = op.where(op.less(frac, 0.5), op.add(below, op.mul(frac, diff)), op.sub(above, op.mul(diff, op.sub(1, frac))));
  return op.cast(op.and(op.greaterOrEqual(entropy, tau), active), 'float32');
}

/**
 * E, the entropy term the bonus subtracts c· of (see the header): `eff` the effective mask m·M,
 * `numItems` dapo's normaliser (null for the other loss types).
 */
export function entropyBonusTerm(entropy: Tensor, eff: Tensor, numItems: Tensor | null): Tensor {
  const total = op.reduceSum(op.mul(entropy, eff));
  return op.div(total, numItems ?? op.maximum(op.reduceSum(eff), 1));
}
