import { z } from 'zod';
import { promptFormatFields } from './promptFormat';
import { commonFields, trainingSchema } from './common';
import { taskRefSchema } from './taskRefs';

export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;

export const loraSchema = z.object({
  enabled: z.boolean().default(true),
  r: z.number().int().positive('expected a LoRA rank ≥ 1').max(1024).default(8),
  alpha: z.number().positive('expected lora alpha > 0').default(16),
  target_modules: z
    .array(z.enum(LORA_TARGETS))
    .min(1, 'expected at least one target module')
    .default(['q', 'k', 'v', 'o']),
}).strict();

/**
 * Where the training completions come from: the tasks' gold answers, or responses the teacher
 * model generates for the same prompts (self-distillation, the recovery recipe of pruning
 * studies — ALGORITHMS.md §7.3: sampled at temperature 0.9, top-p 0.95, no correctness filter).
 */
export const responsesSchema = z.object({
  source: z.enum(['gold', 'self_generated']).default('gold'),
  /** The model that writes the responses; empty = the model being finetuned. For recovery: the unpruned model. */
  teacher: z.string().default(''),
  num_prompts: z.number().int().positive('expected ≥ 1 prompt').max(1_000_000).default(2000),
  temperature: z.number().min(0, 'expected temperature ≥ 0 (0 is greedy)').max(5).default(0.9),
  top_p: z.number().gt(0, 'expected 0 < top_p ≤ 1').max(1, 'expected 0 < top_p ≤ 1').default(0.95),
  max_new_tokens: z.number().int().positive('expected ≥ 1 token').max(8192).default(96),
  /** Keep only responses the task's verifier accepts (off in the seed recipe). */
  only_correct: z.boolean().default(false),
}).strict();
export type ResponsesConfig = z.infer<typeof responsesSchema>;

export const sftConfigSchema = z.object({
  kind: z.literal('sft'),
  ...commonFields,
  model: z.string().min(1, 'expected a model folder path or a registered model id'),
  ...promptFormatFields,
  data: z.object({
    tasks: z.array(taskRefSchema).min(1, 'expected at least one dataset or task'),
    seq_len: z.number().int().min(8, 'expected a sequence length ≥ 8').max(8192).default(128),
    completion_only_loss: z.boolean().default(true),
    /** Pack several whole examples into each row of seq_len tokens. */
    packing: z.boolean().default(false),
    responses: responsesSchema.default(() => responsesSchema.parse({})),
  }).strict(),
  lora: loraSchema.default(() => loraSchema.parse({})),
  training: trainingSchema.default(() => trainingSchema.parse({ max_steps: 200, learning_rate: 2e-4 })),
  output_dir: z.string().default(''),
}).strict();
export type SftConfig = z.infer<typeof sftConfigSchema>;
