import { z } from 'zod';
import { promptFormatFields } from './promptFormat';
import { commonFields } from './common';
import { BUILTIN_EVAL_TASKS } from './builtinModel';
import { taskRefSchema } from './taskRefs';

/**
 * Layer-selection methods of the `prune` run kind (ALGORITHMS.md §7.1 and §7.2; contract in
 * docs/dev/PRUNE-CONTRACT.md).
 */
export const PRUNE_METHODS = ['reverse_order', 'block_influence', 'angular_distance', 'streamline', 'sleb', 'ppl', 'iterative_task'] as const;
export type PruneMethod = (typeof PRUNE_METHODS)[number];

/** The built-in model's eval tasks as task references (weights and options filled in). */
const builtinTaskRefs = () => z.array(taskRefSchema).parse(BUILTIN_EVAL_TASKS);

export const pruneCalibrationSchema = z
  .object({
    /** Tasks whose formatted train-split examples are packed into the calibration rows. */
    tasks: z.array(taskRefSchema).min(1, 'expected at least one calibration task').default(builtinTaskRefs),
    num_sequences: z.number().int('expected a whole number').positive('expected ≥ 1 calibration sequence').max(100_000).default(64),
    seq_len: z.number().int('expected a whole number').min(8, 'expected a sequence length ≥ 8').max(8192).default(128),
  })
  .strict();

export const pruneEvalSchema = z
  .object({
    tasks: z.array(taskRefSchema).min(1, 'expected at least one eval task').default(builtinTaskRefs),
    num_examples: z.number().int('expected a whole number').positive('expected ≥ 1 example per task').default(50),
    max_new_tokens: z.number().int('expected a whole number').positive('expected ≥ 1 token').max(8192).default(64),
    /** Evaluate after removing 0, 1, …, num_layers layers (in removal order); off: dense and fully pruned only. */
    sweep: z.boolean().default(true),
  })
  .strict();

export const pruneConfigSchema = z
  .object({
    kind: z.literal('prune'),
    ...commonFields,
    model: z.string().min(1, 'expected a model folder path or a registered model id'),
    ...promptFormatFields,
    method: z.enum(PRUNE_METHODS).default('block_influence'),
    /** Decoder layers to remove (the block size n of angular_distance and streamline). */
    num_layers: z.number().int('expected a whole number').positive('expected ≥ 1 layer to remove').default(1),
    /** Never remove the first N layers (layer 0 by default, as the seed paper). */
    protect_first: z.number().int('expected a whole number').min(0, 'expected ≥ 0').default(1),
    /** Never remove the last N layers; unset = 1 for sleb (SLEB's latter barrier, ALGORITHMS.md §7.2), 0 otherwise. */
    protect_last: z.number().int('expected a whole number').min(0, 'expected ≥ 0').optional(),
    calibration: pruneCalibrationSchema.default(() => pruneCalibrationSchema.parse({})),
    eval: pruneEvalSchema.default(() => pruneEvalSchema.parse({})),
    /** iterative_task only: eval examples per task for every candidate layer. */
    search_examples: z.number().int('expected a whole number').positive('expected ≥ 1 example').default(16),
    /** The pruned HF folder; empty = <runDir>/model. */
    output_dir: z.string().default(''),
  })
  .strict()
  .superRefine((c, ctx) => {
    // The seed paper's search never removes layer 0 (ALGORITHMS.md §7.1).
    if (c.method === 'iterative_task' && c.protect_first === 0) {
      ctx.addIssue({ code: 'custom', path: ['protect_first'], message: 'expected protect_first ≥ 1 with method iterative_task (the seed paper never removes layer 0)' });
    }
  });
export type PruneConfig = z.infer<typeof pruneConfigSchema>;
