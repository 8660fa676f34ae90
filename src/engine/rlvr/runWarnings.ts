/**
 * Run-start warnings for grpo settings that are valid but act differently from what the user may
 * expect. They are logged, not errors: each combination has legitimate uses.
 */
import type { GrpoConfig } from '../../shared/config/grpo';
import { grpoBatchShape } from '../../shared/config/grpoBatches';
import { hasAnswerMarker } from './answerSpan';

/**
 * Run-start warnings for LLDS settings that cannot act (§2.2): with one optimizer step per
 * generation batch π_old = π_θ on every step, Δ ≡ 0 and the regulariser is inert; and LLDS-MA
 * (answer_weight ≠ 1) is off for tasks without an answer marker (answerSpan.ts).
 */
export function lldsWarnings(cfg: GrpoConfig): string[] {
  if (!cfg.llds.enabled) return [];
  const out: string[] = [];
  if (cfg.num_iterations === 1 && stepsPerPassOr1(cfg) === 1) {
    out.push(
      'llds: with num_iterations 1 every step trains on a freshly generated batch, so the old and current log-probs are equal, Δ ≡ 0 and LLDS has no effect; set num_iterations ≥ 2 (or steps_per_generation above gradient_accumulation_steps) for it to act',
    );
  }
  const unmarked = [...new Set(cfg.tasks.map((r) => r.task).filter((t) => !hasAnswerMarker(t)))];
  if (cfg.llds.answer_weight !== 1 && unmarked.length > 0) {
    out.push(
      `llds.answer_weight ${cfg.llds.answer_weight}: ${unmarked.join(', ')} ${unmarked.length > 1 ? 'have' : 'has'} no answer marker, so ${unmarked.length > 1 ? 'their' : 'its'} completions have no answer span and LLDS-MA is off for ${unmarked.length > 1 ? 'them' : 'it'}`,
    );
  }
  return out;
}

/** Optimizer steps per pass over a generation batch; 1 when the batch fields do not divide (the run refuses those). */
function stepsPerPassOr1(cfg: GrpoConfig): number {
  try {
    return grpoBatchShape(cfg).stepsPerPass;
  } catch {
    return 1;
  }
}

/** Loss types whose normaliser sums token losses (every token of a completion counts separately, §1.4). */
const TOKEN_SUM_LOSSES: readonly string[] = ['bnpo', 'dr_grpo', 'dapo'];

/**
 * A sequence-level ratio (GSPO, §1.3) gives every token of a completion the same clipped term, so
 * a token-sum normaliser weights each completion by its length; GSPO itself averages per sequence
 * (loss_type grpo). TRL warns about this combination too.
 */
export function sequenceRatioWarnings(cfg: GrpoConfig): string[] {
  if (cfg.importance_sampling_level !== 'sequence' || !TOKEN_SUM_LOSSES.includes(cfg.loss_type)) return [];
  return [
    `importance_sampling_level: sequence with loss_type ${cfg.loss_type} sums the one per-completion ratio term over every token, so longer completions weigh more (length-weighted GSPO); loss_type grpo averages per completion as GSPO does`,
  ];
}

/** A Pass@k method chosen while Pass@k shaping is off (pass_at_k 0) does nothing. */
export function passAtKWarnings(cfg: GrpoConfig): string[] {
  if (cfg.pass_at_k > 0 || cfg.pass_at_k_method === 'chen') return [];
  return [`pass_at_k_method ${cfg.pass_at_k_method}: pass_at_k is 0, so GRPO advantages are used and the method has no effect; set pass_at_k ≥ 1`];
}

/** A reference sync whose period is longer than the run never happens (TRL's default τ is 512 steps). */
export function refSyncWarnings(cfg: GrpoConfig): string[] {
  if (!cfg.sync_ref_model || cfg.ref_model_sync_steps <= cfg.training.max_steps) return [];
  return [`sync_ref_model: ref_model_sync_steps ${cfg.ref_model_sync_steps} is more than training.max_steps ${cfg.training.max_steps}, so the reference never syncs; lower ref_model_sync_steps`];
}

/** Every run-start warning of a grpo config. */
export function grpoWarnings(cfg: GrpoConfig): string[] {
  return [...lldsWarnings(cfg), ...sequenceRatioWarnings(cfg), ...passAtKWarnings(cfg), ...refSyncWarnings(cfg)];
}
