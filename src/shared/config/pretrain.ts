import { z } from 'zod';
import { promptFormatFields, tokenizerSourceFields } from './promptFormat';
import { commonFields, trainingSchema } from './common';
import { taskRefSchema } from './taskRefs';

/** Decoder shape for training from scratch; field names are HF config.json names. */
export const decoderShapeSchema = z
  .object({
    architecture: z.enum(['llama', 'qwen2', 'qwen3', 'mistral']).default('llama'),
    vocab_size: z.number().int().positive('expected a vocabulary size > 0').optional(),
    hidden_size: z.number().int().positive('expected a hidden size > 0').default(128),
    num_hidden_layers: z.number().int().positive('expected ≥ 1 layer').max(256).default(4),
    num_attention_heads: z.number().int().positive('expected ≥ 1 head').default(4),
    num_key_value_heads: z.number().int().positive('expected ≥ 1 key/value head').default(4),
    intermediate_size: z.number().int().positive('expected an intermediate size > 0').default(512),
    max_position_embeddings: z.number().int().positive().default(256),
    rope_theta: z.number().positive('expected rope_theta > 0').default(10000),
    rms_norm_eps: z.number().positive().default(1e-5),
    tie_word_embeddings: z.boolean().default(true),
  })
  .strict()
  .superRefine((m, ctx) => {
    // Checked only on valid numbers (their own issues are reported already).
    const ok = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
    if (ok(m.hidden_size) && ok(m.num_attention_heads) && m.hidden_size % m.num_attention_heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['num_attention_heads'],
        message: `expected a divisor of hidden_size (${m.hidden_size}) so every head has the same size`,
      });
    }
    if (ok(m.num_attention_heads) && ok(m.num_key_value_heads) && m.num_attention_heads % m.num_key_value_heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['num_key_value_heads'],
        message: `expected a divisor of num_attention_heads (${m.num_attention_heads}) (grouped-query attention)`,
      });
    }
  });

export const pretrainConfigSchema = z.object({
  kind: z.literal('pretrain'),
  ...commonFields,
  model: decoderShapeSchema.default(() => decoderShapeSchema.parse({})),
  ...tokenizerSourceFields,
  ...promptFormatFields,
  data: z
    .object({
      tasks: z.array(taskRefSchema).min(1, 'expected at least one task in the mixture').default([{ task: 'arithmetic', weight: 1, options: {} }]),
      seq_len: z.number().int().min(8, 'expected a sequence length ≥ 8').max(8192).default(64),
      /** Pack several whole examples into each row of seq_len tokens (less padding, more examples per step). */
      packing: z.boolean().default(true),
    })
    .strict()
    .default(() => ({ tasks: [{ task: 'arithmetic', weight: 1, options: {} }], seq_len: 64, packing: true })),
  training: trainingSchema.default(() => trainingSchema.parse({})),
  /** Where the trained HF folder is written; empty means inside the run's folder. */
  output_dir: z.string().default(''),
}).strict();
export type PretrainConfig = z.infer<typeof pretrainConfigSchema>;
