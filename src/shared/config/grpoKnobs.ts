import { z } from 'zod';

/**
 * TRL GRPOConfig knobs of the `grpo` run kind beyond the core objective (ALGORITHMS.md §1.3–1.4):
 * the entropy bonus and entropy mask, and the TR-DPO reference sync. Names, defaults and meaning
 * follow TRL (decision 0037); grpo.ts spreads these in and calls refineGrpoKnobs.
 */
export const grpoEntropyFields = {
  entropy_coef: z
    .number()
    .min(0, 'expected entropy_coef ≥ 0')
    .default(0)
    .meta({
      description:
        'Entropy bonus c: loss −= c · the mean token entropy of softmax(logits / temperature) over the trained completion tokens ' +
        '(only the entropy-mask-kept ones when top_entropy_quantile < 1). As TRL, the mean is not rescaled to loss_type: a token mean per micro-batch, ' +
        'and for dapo Σ entropy / the global token count (so the optimizer step sums to the window’s token mean). 0 = off. Logs policy_loss and entropy_coef.',
    }),
  top_entropy_quantile: z
    .number()
    .min(0, 'expected 0 ≤ top_entropy_quantile ≤ 1')
    .max(1, 'expected 0 ≤ top_entropy_quantile ≤ 1')
    .default(1)
    .meta({
      description:
        'ρ ("Beyond the 80/20 Rule"; TRL top_entropy_quantile): only completion tokens whose entropy (of the policy being trained, at the training forward) is ≥ ' +
        'the (1 − ρ) quantile of the micro-batch’s completion-token entropies (torch.quantile, linear interpolation; ties kept) contribute to the policy term; ' +
        'the KL term still covers every token. 1 = all tokens, 0 = only the highest-entropy token; the paper uses 0.2. ' +
        'Masked-out (e.g. truncated, mask_truncated_completions) completions do not count. Logs entropy_mask/kept_fraction.',
    }),
};

export const grpoRefSyncFields = {
  sync_ref_model: z
    .boolean()
    .default(false)
    .meta({
      description:
        'TR-DPO reference sync (TRL sync_ref_model): every ref_model_sync_steps optimizer steps the reference becomes ' +
        'ref_model_mixup_alpha · policy + (1 − ref_model_mixup_alpha) · reference, weight by weight. Needs beta > 0 and a full finetune (as TRL). ' +
        'Reference log-probs are taken when a generation batch is sampled, so a sync shows from the next batch on.',
    }),
  ref_model_mixup_alpha: z
    .number()
    .min(0, 'expected 0 ≤ ref_model_mixup_alpha ≤ 1')
    .max(1, 'expected 0 ≤ ref_model_mixup_alpha ≤ 1')
    .default(0.6)
    .meta({ description: 'α in reference ← α · policy + (1 − α) · reference (TR-DPO; TRL default 0.6). 1 = copy the policy.' }),
  ref_model_sync_steps: z
    .number()
    .int('expected a whole number')
    .min(1, 'expected ≥ 1 step')
    .default(512)
    .meta({ description: 'τ: sync the reference after every τ-th optimizer step (TR-DPO; TRL default 512).' }),
};

interface KnobFields {
  beta: number;
  sync_ref_model: boolean;
  lora: { enabled: boolean };
}

/** Cross-field checks (TRL raises the same two). */
export function refineGrpoKnobs(c: KnobFields, ctx: z.RefinementCtx): void {
  if (c.sync_ref_model && c.beta === 0) {
    ctx.addIssue({ code: 'custom', path: ['sync_ref_model'], message: 'expected false while beta is 0 (there is no reference model to sync; TRL refuses it too)' });
  }
  if (c.sync_ref_model && c.lora.enabled) {
    ctx.addIssue({ code: 'custom', path: ['sync_ref_model'], message: 'expected false with lora.enabled (under LoRA the reference is the base with the adapter off, there is no separate reference to mix; TRL refuses it too)' });
  }
}
