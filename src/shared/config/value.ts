import { z } from 'zod';
import { promptFormatFields } from './promptFormat';
import { commonFields, trainingSchema } from './common';
import { taskRefSchema } from './taskRefs';
import { loraSchema } from './sft';

/**
 * The `value` run kind: For-Value forward-only data valuation (ALGORITHMS.md §6; contract in
 * docs/dev/VALUE-CONTRACT.md). One forward per sequence gives the last-layer representation
 * Φ(z) = Σ_t (onehot(y_t) − softmax(logits_t)) h_tᵀ over a vocabulary subset; a train example's
 * value is its Frobenius product with the validation mean of Φ.
 */
export const VALUE_METHODS = ['full', 'total_unique', 'topk_unique'] as const;
export type ValueMethod = (typeof VALUE_METHODS)[number];

/** §6.3: (a) influential-data identification, (b) mislabel detection, (c) data selection. */
export const VALUE_PROTOCOLS = ['influence', 'mislabel', 'selection'] as const;
export type ValueProtocol = (typeof VALUE_PROTOCOLS)[number];

/**
 * Three classes the built-in model was pretrained on, in its training formats (test split
 * without longer operands, so validation matches the train distribution).
 */
export const VALUE_DEFAULT_TASKS = [
  { task: 'arithmetic', options: { min_digits: 1, max_digits: 3, ood_digits: 0, pad_operands: true, scratchpad: 'columns' } },
  { task: 'brackets_classify' },
  { task: 'compare', options: { max_digits: 3 } },
];

const defaultTaskRefs = () => z.array(taskRefSchema).parse(VALUE_DEFAULT_TASKS);

/** Every task name once: the task name is the class of the influence protocol. */
function uniqueTasks(tasks: readonly { task: string }[], path: string, ctx: z.RefinementCtx): void {
  tasks.forEach((t, i) => {
    const j = tasks.findIndex((u) => u.task === t.task);
    if (j !== i) ctx.addIssue({ code: 'custom', path: [path, 'tasks', i, 'task'], message: `expected each task once: '${t.task}' is already ${path}.tasks[${j}] (the task name is the example's class)` });
  });
}

export const valueTrainSchema = z
  .object({
    /** Train-split examples of these tasks (or imported datasets); the task name is the class. */
    tasks: z.array(taskRefSchema).min(1, 'expected at least one train task').default(defaultTaskRefs),
    /** Examples in all, shared among the tasks in proportion to their weights. */
    num_examples: z.number().int('expected a whole number').min(2, 'expected ≥ 2 train examples').max(100_000).default(200),
  })
  .strict();

export const valueValSchema = z
  .object({
    /** Test-split examples of these tasks; empty = the train tasks. */
    tasks: z.array(taskRefSchema).default([]),
    num_examples: z.number().int('expected a whole number').positive('expected ≥ 1 validation example').max(100_000).default(50),
  })
  .strict();

/**
 * §6.3 (c): "if the base model is weak in the domain, first do a brief LoRA SFT on the available
 * data (the 'unconstrained' condition), then score". The values are then those of the finetuned
 * model: trained on exactly the train examples being valued (mislabeled ones with their wrong
 * answers), completion-only loss, through the sft kind's training loop (docs/decisions/0040).
 */
export const valueWarmupSchema = z
  .object({
    enabled: z.boolean().default(false),
    lora: loraSchema.default(() => loraSchema.parse({})),
    training: trainingSchema.default(() => trainingSchema.parse({ max_steps: 100, learning_rate: 2e-3, batch_size: 16, log_every: 10 })),
    seq_len: z.number().int('expected a whole number').min(8, 'expected a sequence length ≥ 8').max(8192).default(128),
  })
  .strict();
export type ValueWarmupConfig = z.infer<typeof valueWarmupSchema>;

export const valueConfigSchema = z
  .object({
    kind: z.literal('value'),
    ...commonFields,
    model: z.string().min(1, 'expected a model folder path or a registered model id'),
    ...promptFormatFields,
    train: valueTrainSchema.default(() => valueTrainSchema.parse({})),
    val: valueValSchema.default(() => valueValSchema.parse({})),
    /** Share of train examples given a wrong answer (choice: another choice; trailing number: one digit changed; otherwise another example's answer). */
    mislabel_ratio: z.number().min(0, 'expected 0 ≤ mislabel_ratio < 1').lt(1, 'expected 0 ≤ mislabel_ratio < 1').default(0.2),
    /** Which examples are corrupted and how (independent of `seed`, which draws the examples). */
    mislabel_seed: z.number().int('expected a whole number').min(0, 'expected a seed ≥ 0').default(0),
    /** Vocabulary subset U the prediction error is kept on (§6.2); full needs |V|·d small. */
    method: z.enum(VALUE_METHODS).default('total_unique'),
    /** topk_unique: U = union of the top-k predicted ids over the sequence's kept positions. */
    prediction_topk: z.number().int('expected a whole number').positive('expected k ≥ 1').max(1_000_000).default(5),
    /** Train side: keep the ceil(r·T) response positions with the lowest p(y_t); 1 = all. */
    lowest_likelihood_ratio: z.number().gt(0, 'expected 0 < lowest_likelihood_ratio ≤ 1').max(1, 'expected 0 < lowest_likelihood_ratio ≤ 1').default(1),
    /** Factorised score ⟨Σh, Σh'⟩·⟨Σδ, Σδ'⟩ instead of the Frobenius product of Φ. */
    approximate: z.boolean().default(false),
    protocols: z.array(z.enum(VALUE_PROTOCOLS)).default(() => [...VALUE_PROTOCOLS]),
    /** selection: the top share of train examples by value. */
    select_ratio: z.number().gt(0, 'expected 0 < select_ratio ≤ 1').max(1, 'expected 0 < select_ratio ≤ 1').default(0.1),
    /** Also write the train × validation value matrix (pairwise.json). */
    save_pairwise: z.boolean().default(false),
    /** Sequences per forward pass. */
    batch_size: z.number().int('expected a whole number').positive('expected a batch size > 0').max(4096).default(16),
    /** Finetune on the (noisy) train examples before valuing them (§6.3 (c)); off = value the model as it is. */
    warmup_sft: valueWarmupSchema.default(() => valueWarmupSchema.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (Array.isArray(c.train?.tasks)) uniqueTasks(c.train.tasks, 'train', ctx);
    if (Array.isArray(c.val?.tasks)) uniqueTasks(c.val.tasks, 'val', ctx);
    if (!Array.isArray(c.protocols)) return;
    c.protocols.forEach((p, i) => {
      if (c.protocols.indexOf(p) !== i) ctx.addIssue({ code: 'custom', path: ['protocols', i], message: `expected each protocol once: '${p}' is listed twice` });
    });
    if (c.protocols.includes('mislabel') && c.mislabel_ratio === 0) {
      ctx.addIssue({ code: 'custom', path: ['mislabel_ratio'], message: "expected mislabel_ratio > 0 with protocol 'mislabel' (there is nothing to detect)" });
    }
    if (c.protocols.includes('influence') && Array.isArray(c.train?.tasks) && new Set(c.train.tasks.map((t) => t.task)).size < 2) {
      ctx.addIssue({ code: 'custom', path: ['train', 'tasks'], message: "expected ≥ 2 train tasks with protocol 'influence' (it ranks same-task examples first)" });
    }
  });
export type ValueConfig = z.infer<typeof valueConfigSchema>;
