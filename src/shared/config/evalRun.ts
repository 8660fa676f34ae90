import { z } from 'zod';
import { promptFormatFields } from './promptFormat';
import { commonFields } from './common';
import { taskRefSchema } from './taskRefs';

export const evalConfigSchema = z
  .object({
    kind: z.literal('eval'),
    ...commonFields,
    model: z.string().min(1, 'expected a model folder path or a registered model id'),
    ...promptFormatFields,
    tasks: z.array(taskRefSchema).min(1, 'expected at least one task'),
    num_examples: z.number().int().positive('expected ≥ 1 example per task').default(200),
    /** n samples per prompt for pass@k / maj@k (ALGORITHMS.md §5.1). */
    num_samples: z.number().int().positive('expected ≥ 1 sample').default(1),
    k: z.array(z.number().int().positive('expected k ≥ 1')).default([1]),
    temperature: z.number().min(0, 'expected temperature ≥ 0 (0 is greedy)').max(5).default(0),
    top_p: z.number().gt(0, 'expected 0 < top_p ≤ 1').max(1, 'expected 0 < top_p ≤ 1').default(1),
    max_new_tokens: z.number().int().positive('expected ≥ 1 token').max(8192).default(64),
    batch_size: z.number().int().positive('expected a batch size > 0').default(16),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!Number.isInteger(c.num_samples) || !Array.isArray(c.k)) return;
    c.k.forEach((k, i) => {
      if (Number.isInteger(k) && k > c.num_samples) {
        ctx.addIssue({ code: 'custom', path: ['k', i], message: `expected k ≤ num_samples (${c.num_samples}): pass@k needs at least k samples per prompt` });
      }
    });
  });
export type EvalConfig = z.infer<typeof evalConfigSchema>;
