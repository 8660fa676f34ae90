import { z } from 'zod';
import { promptFormatFields } from './promptFormat';
import { grpoBatchFields } from './grpoBatches';
import { commonFields, trainingSchema } from './common';
import { loraSchema } from './sft';
import { taskRefSchema } from './taskRefs';
import { grpoEntropyFields, grpoRefSyncFields, refineGrpoKnobs } from './grpoKnobs';
import { grpoPrefixEvalSchema, grpoThrSchema, lldsNormalizationField, passAtKMethodField, rewardFunctionsField } from './grpoScience';

/**
 * The `grpo` run kind: GRPO exactly as TRL's GRPOTrainer (v0.22+ semantics, ALGORITHMS.md §1;
 * contract in docs/dev/GRPO-CONTRACT.md). Field names and defaults follow TRL's GRPOConfig,
 * except where noted for the workbench's small models (max_completion_length, learning rate).
 */
export const GRPO_LOSS_TYPES = ['grpo', 'bnpo', 'dr_grpo', 'dapo'] as const;
export const GRPO_SCALE_REWARDS = ['group', 'batch', 'none'] as const;
export const GRPO_IS_LEVELS = ['token', 'sequence'] as const;

export const GRPO_LLDS_GATES = ['action', 'response', 'token'] as const;

/**
 * LLDS (ALGORITHMS.md §2.2): L_total = L_GRPO + lambda·L_LLDS on completions with advantage ≥ 0
 * whose likelihood dropped since the rollout policy. Needs num_iterations > 1: on the first step
 * of a generation batch π_old = π_θ, Δ ≡ 0 and LLDS is inert (the run warns).
 */
export const grpoLldsSchema = z
  .object({
    enabled: z.boolean().default(false),
    lambda: z.number().min(0, 'expected lambda ≥ 0').max(100).default(0.2),
    /** action (Eq. 4, per-completion normalised; for single-turn completions action = response) | response | token (Eq. 9/10). */
    gate: z.enum(GRPO_LLDS_GATES).default('action'),
    /** LLDS-MA: weight on the final-answer span (tokens from the task's answer marker); 1 = off. */
    answer_weight: z.number().min(0, 'expected answer_weight ≥ 0').max(1, 'expected answer_weight ≤ 1').default(1),
    normalization: lldsNormalizationField,
  })
  .strict();

/**
 * Failure-prefix conditioning (ALGORITHMS.md §3): train on prompts = a saturated problem's prompt +
 * a prefix of one of the policy's own rare incorrect responses (the prefix is prompt, not trained;
 * the reward is the verifier on the continuation). Off by default.
 */
export const grpoFailurePrefixSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Problems from the train split probed per (re)build of the conditioned pool. */
    problems: z.number().int('expected a whole number').positive('expected ≥ 1 problem').max(100_000).default(64),
    /** N: responses sampled per problem to measure its solve rate (§3.2: 128). */
    samples_per_problem: z.number().int('expected a whole number').min(2, 'expected ≥ 2 samples').max(4096).default(128),
    /** Saturated = solve rate ≥ this and < 1 (§3.2: 121/128 ≈ 0.945). */
    saturation_threshold: z.number().gt(0, 'expected 0 < saturation_threshold ≤ 1').max(1, 'expected 0 < saturation_threshold ≤ 1').default(0.945),
    /** Incorrect responses kept per saturated problem. */
    failures_per_problem: z.number().int('expected a whole number').positive('expected ≥ 1').max(1024).default(1),
    /** Candidate prefix lengths as fractions of the failed response (cut at token boundaries). */
    prefix_fractions: z.array(z.number().gt(0, 'expected fractions in (0, 1)').lt(1, 'expected fractions in (0, 1)')).min(1, 'expected at least one fraction').default([0.25, 0.5, 0.75]),
    /** τ: keep the candidate whose conditioned accuracy is closest to this (§3.2 step 4). */
    target_accuracy: z.number().min(0, 'expected 0 ≤ target_accuracy ≤ 1').max(1, 'expected 0 ≤ target_accuracy ≤ 1').default(0.5),
    /** Continuations sampled per candidate prefix to estimate its accuracy; 0 = keep every candidate. */
    probe_samples: z.number().int('expected a whole number').min(0, 'expected ≥ 0 (0 = no probe)').max(4096).default(16),
    /** Drop a failed response whose chosen prefix probed at accuracy 0 or 1 (a group from it would carry no GRPO signal); needs probe_samples > 0. */
    drop_without_signal: z.boolean().default(false),
    /** What the verifier scores: the continuation alone (§3.2) or the prefix followed by it (for tasks whose answer may sit in the prefix). */
    reward_text: z.enum(['continuation', 'prefix_and_continuation']).default('continuation'),
    /** Rebuild the pool with the current policy every N optimizer steps (§3.4); 0 = build once. */
    refresh_every: z.number().int('expected a whole number').min(0, 'expected ≥ 0 (0 = never)').default(0),
  })
  .strict();

const t = trainingSchema.shape;

/**
 * The optimiser and loop fields of the shared training schema that mean the same here. The batch
 * is prompts_per_step × num_generations completions, trained as one micro-batch (no
 * batch_size / gradient_accumulation_steps).
 */
export const grpoTrainingSchema = z
  .object({
    max_steps: t.max_steps.unwrap().default(200),
    learning_rate: t.learning_rate.unwrap().default(1e-5),
    lr_scheduler_type: t.lr_scheduler_type.unwrap().default('constant'),
    warmup_steps: t.warmup_steps,
    weight_decay: t.weight_decay,
    adam_beta1: t.adam_beta1,
    adam_beta2: t.adam_beta2,
    adam_epsilon: t.adam_epsilon,
    max_grad_norm: t.max_grad_norm,
    /** Greedy eval on held-out test examples of every task every N steps (and at the start and end); 0 = only at the end. */
    eval_every: t.eval_every.unwrap().default(0),
    checkpoint_every: t.checkpoint_every,
    log_every: t.log_every.unwrap().default(1),
    /** Optimizer steps per onnxruntime call, within one generation batch (decision 0036). */
    steps_per_call: t.steps_per_call,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.max_steps > 0 && v.warmup_steps > v.max_steps) {
      ctx.addIssue({ code: 'custom', path: ['warmup_steps'], message: `expected warmup_steps ≤ max_steps (${v.max_steps})` });
    }
  });

export const grpoConfigSchema = z
  .object({
    kind: z.literal('grpo'),
    ...commonFields,
    model: z.string().min(1, 'expected a model folder path or a registered model id'),
    ...promptFormatFields,
    /** Prompts come from the tasks' train split; rewards from each task's verifier. */
    tasks: z.array(taskRefSchema).min(1, 'expected at least one task'),
    /** G: completions sampled per prompt (a group). */
    num_generations: z.number().int('expected a whole number').min(2, 'expected num_generations ≥ 2 (GRPO compares completions within a group)').max(1024).default(8),
    /** Prompts per optimizer step; the batch is prompts_per_step × num_generations completions. */
    prompts_per_step: z.number().int('expected a whole number').positive('expected ≥ 1 prompt per step').max(4096).default(8),
    /** Longest prompt in tokens (longer ones are skipped); 0 = the longest of a sample of the tasks' prompts (+ room for a failure prefix when conditioning is on). */
    max_prompt_length: z.number().int('expected a whole number').min(0, 'expected ≥ 0 (0 = automatic)').max(32768).default(0),
    /** TRL's default is 512; the built-in model has 256 positions. */
    max_completion_length: z.number().int('expected a whole number').positive('expected ≥ 1 token').max(32768).default(64),
    temperature: z.number().gt(0, 'expected temperature > 0 (GRPO samples; training log-probs divide by it)').max(10).default(1.0),
    top_p: z.number().gt(0, 'expected 0 < top_p ≤ 1').max(1, 'expected 0 < top_p ≤ 1').default(1.0),
    top_k: z.number().int('expected a whole number').min(0, 'expected ≥ 0 (0 = off)').default(0),
    /** KL coefficient to the frozen initial model (k3 estimator); 0 = no reference model. */
    beta: z.number().min(0, 'expected beta ≥ 0').default(0.0),
    epsilon: z.number().min(0, 'expected 0 ≤ epsilon < 1').lt(1, 'expected 0 ≤ epsilon < 1').default(0.2),
    /** Upper clip bound 1 + epsilon_high; unset = epsilon (DAPO's clip-higher uses 0.28). */
    epsilon_high: z.number().min(0, 'expected epsilon_high ≥ 0').optional(),
    /** Two-sided clipping (INTELLECT-2): cap the unclipped ratio at delta (recommended > 1 + epsilon); unset = off. */
    delta: z.number().gt(1, 'expected delta > 1').optional(),
    loss_type: z.enum(GRPO_LOSS_TYPES).default('dapo'),
    scale_rewards: z.enum(GRPO_SCALE_REWARDS).default('group'),
    /** 'sequence' = GSPO: one importance ratio per completion. */
    importance_sampling_level: z.enum(GRPO_IS_LEVELS).default('token'),
    /** μ: optimizer steps on each generation batch (ratio ≠ 1 from the second on). */
    num_iterations: z.number().int('expected a whole number').positive('expected ≥ 1').max(64).default(1),
    ...grpoBatchFields,
    /** Exclude completions that hit max_completion_length from the loss (their rewards still count). */
    mask_truncated_completions: z.boolean().default(false),
    ...grpoEntropyFields,
    ...grpoRefSyncFields,
    /** k ≥ 1: Chen et al.'s analytic Pass@k advantages (§5.3) on binary correctness instead of GRPO's; 0 = off. */
    pass_at_k: z.number().int('expected a whole number').min(0, 'expected ≥ 0 (0 = off)').default(0),
    pass_at_k_method: passAtKMethodField,
    reward_functions: rewardFunctionsField,
    /** LLDS regulariser (§2.2); off by default. */
    llds: grpoLldsSchema.default(() => grpoLldsSchema.parse({})),
    thr: grpoThrSchema.default(() => grpoThrSchema.parse({})),
    /** Failure-prefix conditioning (§3); off by default. */
    failure_prefix: grpoFailurePrefixSchema.default(() => grpoFailurePrefixSchema.parse({})),
    prefix_eval: grpoPrefixEvalSchema.default(() => grpoPrefixEvalSchema.parse({})),
    lora: loraSchema.default(() => loraSchema.parse({ enabled: false })),
    training: grpoTrainingSchema.default(() => grpoTrainingSchema.parse({})),
    /** Test examples per task in each eval. */
    eval_examples: z.number().int('expected a whole number').positive('expected ≥ 1 example').max(100_000).default(32),
    /** Completions written to the run's samples at each logged step (whole groups first). */
    completions_to_log: z.number().int('expected a whole number').min(0, 'expected ≥ 0').default(16),
    /** The trained HF folder; empty = <runDir>/model. */
    output_dir: z.string().default(''),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineGrpoKnobs(c, ctx);
    if (c.pass_at_k > c.num_generations) {
      ctx.addIssue({ code: 'custom', path: ['pass_at_k'], message: `expected pass_at_k ≤ num_generations (${c.num_generations})` });
    }
    if (c.failure_prefix.drop_without_signal && c.failure_prefix.probe_samples === 0) {
      ctx.addIssue({ code: 'custom', path: ['failure_prefix', 'drop_without_signal'], message: 'expected probe_samples > 0: prefixes are dropped by their probed accuracy' });
    }
  });
export type GrpoConfig = z.infer<typeof grpoConfigSchema>;
