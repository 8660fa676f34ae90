import { z } from 'zod';
import { expectedEffectField } from '../expectedEffect';

/** Fields every run config carries. Defaults live here and nowhere else (STYLE.md). */
export const commonFields = {
  name: z.string().max(200, 'at most 200 characters').default(''),
  seed: z.number().int('expected a whole number').min(0, 'expected a seed ≥ 0').default(0),
  tags: z.array(z.string().min(1, 'tags cannot be empty').max(64)).default([]),
  notes: z.string().default(''),
  /** Benchtop-only: what the run (or its sweep group) should show, checked from its metrics at the end (decision 0038). */
  expected_effect: expectedEffectField,
};

export const lrSchedulerSchema = z.enum(['constant', 'cosine', 'constant_with_warmup']);

/** Optimiser and loop settings shared by the training kinds; names follow HF TrainingArguments. */
export const trainingSchema = z
  .object({
    max_steps: z.number().int('expected a whole number').positive('expected a number of steps > 0').default(1000),
    batch_size: z.number().int('expected a whole number').positive('expected a batch size > 0').default(16),
    gradient_accumulation_steps: z.number().int().positive('expected ≥ 1').default(1),
    learning_rate: z.number().positive('expected a learning rate > 0').max(1, 'expected a learning rate ≤ 1').default(1e-3),
    lr_scheduler_type: lrSchedulerSchema.default('cosine'),
    warmup_steps: z.number().int().min(0, 'expected ≥ 0').default(0),
    weight_decay: z.number().min(0, 'expected ≥ 0').default(0.0),
    adam_beta1: z.number().min(0, 'expected 0 ≤ β1 < 1').lt(1, 'expected 0 ≤ β1 < 1').default(0.9),
    adam_beta2: z.number().min(0, 'expected 0 ≤ β2 < 1').lt(1, 'expected 0 ≤ β2 < 1').default(0.999),
    adam_epsilon: z.number().positive('expected ε > 0').default(1e-8),
    max_grad_norm: z.number().min(0, 'expected ≥ 0 (0 disables clipping)').default(1.0),
    eval_every: z.number().int().min(0, 'expected ≥ 0 (0 disables periodic eval)').default(0),
    checkpoint_every: z.number().int().min(0, 'expected ≥ 0 (0 disables checkpoints)').default(0),
    log_every: z.number().int().positive('expected ≥ 1').default(10),
    /** Optimizer steps per onnxruntime call (an ONNX Loop over steps; docs/decisions/0036). */
    steps_per_call: z.number().int('expected a whole number').min(1, 'expected ≥ 1').max(64, 'expected ≤ 64').default(1),
  })
  .strict()
  .superRefine((t, ctx) => {
    // Only meaningful once both numbers are valid (their own issues are reported already).
    if (t.max_steps > 0 && t.warmup_steps > t.max_steps) {
      ctx.addIssue({ code: 'custom', path: ['warmup_steps'], message: `expected warmup_steps ≤ max_steps (${t.max_steps})` });
    }
  });

export type TrainingConfig = z.infer<typeof trainingSchema>;
