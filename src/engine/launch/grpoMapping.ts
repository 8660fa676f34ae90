/**
 * GRPO run config → TRL GRPOConfig (v1.10) / verl ppo_trainer overrides (v0.8), field by field
 * (ALGORITHMS.md §1 for the meaning of each knob; Benchtop's GRPO follows TRL's semantics, so
 * most TRL fields are a straight copy). Every field of grpoConfigSchema has a rule here; a test
 * keeps it so.
 */
import type { GrpoConfig } from '../../shared/config/grpo';
import { grpoBatchShape } from '../../shared/config/grpoBatches';
import { cfgField, codeField, everyTrl, HF_LORA_MODULES, mapped, unmapped, verlScheduler, mixtureText, type Rule } from './rows';
import type { LaunchTarget, MappingRow } from './types';

export interface GrpoFacts {
  /** Upper bound on the longest written train prompt in tokens (UTF-8 bytes + <bos>). */
  maxPromptTokens: number;
}

const VERL_LOSS_AGG: Record<string, string> = {
  grpo: 'seq-mean-token-mean',
  dr_grpo: 'seq-mean-token-sum-norm',
  dapo: 'token-mean',
  bnpo: 'token-mean',
};

const A = 'actor_rollout_ref.actor';
const R = 'actor_rollout_ref.rollout';

function grpoRules(facts: GrpoFacts): Record<string, Rule<GrpoConfig>> {
  const both = (field: string, trl: string, verl: string | null, verlNote = '') =>
    ((c: GrpoConfig, t: LaunchTarget) => {
      const v = valueAt(c, field);
      if (t === 'trl') return mapped(field, v, [cfgField(trl, v)]);
      return verl ? mapped(field, v, [cfgField(verl, v)], verlNote) : unmapped(field, v, verlNote);
    }) satisfies Rule<GrpoConfig>;
  return {
    kind: (c, t) => mapped('kind', c.kind, [codeField(t === 'trl' ? 'GRPOTrainer' : 'algorithm.adv_estimator', 'grpo')], t === 'trl' ? 'train.py uses GRPOConfig + GRPOTrainer' : ''),
    name: (c, t) => mapped('name', c.name, [t === 'trl' ? cfgField('run_name', c.name || null) : cfgField('trainer.experiment_name', c.name || 'benchtop')]),
    seed: (c, t) => mapped('seed', c.seed, t === 'trl' ? [cfgField('seed', c.seed)] : [cfgField('data.seed', c.seed)], 'the data files were also drawn with this seed'),
    tags: (c) => unmapped('tags', c.tags, 'Benchtop metadata; add them to your tracker (e.g. report_to / trainer.logger) if you want them there'),
    notes: (c) => unmapped('notes', c.notes, 'Benchtop metadata; copied into README.md of the launch folder'),
    model: (c, t) => mapped('model', c.model, [t === 'trl' ? codeField('GRPOTrainer(model=...)', c.model) : cfgField('actor_rollout_ref.model.path', c.model)], 'the folder on this machine; copy it to the cluster or point at a Hub id'),
    tasks: (c, t) =>
      mapped('tasks', mixtureText(c.tasks), t === 'trl'
        ? [codeField('train_dataset (data/train.jsonl)', 'prompt + benchtop_example')]
        : [cfgField('data.train_files', 'data/train.parquet'), cfgField('custom_reward_function.path', 'benchtop_rewards.py'), cfgField('custom_reward_function.name', 'compute_score')],
        'train prompts drawn from the mixture with the run seed and task options; rewards from the task verifiers (benchtop_rewards.py)'),
    num_generations: both('num_generations', 'num_generations', `${R}.n`),
    prompts_per_step: (c, t) => {
      const b = grpoBatchShape(c);
      // Prompts per optimizer step: the generation batch is split into microBatches, `accumulation` per step.
      const exact = (c.prompts_per_step * b.accumulation) / b.microBatches;
      const promptsPerOptStep = verlMiniBatch(exact);
      return t === 'trl'
        ? mapped('prompts_per_step', c.prompts_per_step, [cfgField('per_device_train_batch_size', b.microRows), cfgField('per_device_eval_batch_size', b.generationRows)],
            `TRL counts completions per micro-batch: prompts_per_step × num_generations / steps_per_generation = ${b.microRows} on one device; with N devices divide per_device_train_batch_size by N (the generation batch must stay a multiple of num_generations)`)
        : mapped('prompts_per_step', c.prompts_per_step, [cfgField('data.train_batch_size', c.prompts_per_step), cfgField(`${A}.ppo_mini_batch_size`, promptsPerOptStep)],
            `verl counts prompts: ${exact} prompts per optimizer step (generation batch / optimizer steps per pass)${exact === promptsPerOptStep ? '' : `, rounded to ${promptsPerOptStep} (verl splits by whole prompts)`}`);
    },
    gradient_accumulation_steps: (c, t) => {
      const b = grpoBatchShape(c);
      return t === 'trl'
        ? mapped('gradient_accumulation_steps', c.gradient_accumulation_steps, [cfgField('gradient_accumulation_steps', c.gradient_accumulation_steps)])
        : mapped('gradient_accumulation_steps', c.gradient_accumulation_steps, [cfgField(`${A}.ppo_micro_batch_size_per_gpu`, b.microRows)], 'verl accumulates micro-batches of this many completions up to ppo_mini_batch_size');
    },
    steps_per_generation: (c, t) =>
      c.steps_per_generation === undefined
        ? unmapped('steps_per_generation', 'unset', 'unset = gradient_accumulation_steps, which is also the TRL default; verl derives it from ppo_mini_batch_size')
        : t === 'trl'
          ? mapped('steps_per_generation', c.steps_per_generation, [cfgField('steps_per_generation', c.steps_per_generation)])
          : mapped('steps_per_generation', c.steps_per_generation, [cfgField(`${A}.ppo_mini_batch_size`, verlMiniBatch((c.prompts_per_step * c.gradient_accumulation_steps) / c.steps_per_generation))], 'verl takes optimizer steps per generation batch as data.train_batch_size / ppo_mini_batch_size'),
    prompt_format: (c, t) =>
      unmapped('prompt_format', c.prompt_format ?? 'unset', c.prompt_format === 'chat'
        ? t === 'trl' ? 'the data files hold plain-text prompts: to use the chat template, write each prompt as [{"role": "user", "content": prompt}] (TRL then applies the tokenizer\'s template)' : 'the prompts are one user message; verl applies the model\'s chat template'
        : t === 'trl' ? 'plain-text prompts, as written in the data files' : 'plain text: a pass-through chat template (<bos> + the prompt) is set, so verl adds no chat turns'),
    sequence_end: (c) =>
      unmapped('sequence_end', c.sequence_end ?? 'unset', c.sequence_end ? `generation must also stop at ${JSON.stringify(c.sequence_end)}: set it as the model's eos token (generation_config.json) on the cluster` : 'unset: the tokenizer\'s EOS, as on the cluster'),
    max_prompt_length: (c, t) => {
      const v = c.max_prompt_length || facts.maxPromptTokens;
      return t === 'trl'
        ? unmapped('max_prompt_length', c.max_prompt_length, 'TRL 1.10 has no prompt-length limit in GRPOConfig; the written prompts are at most ' + facts.maxPromptTokens + ' tokens (UTF-8 bytes + <bos>)')
        : mapped('max_prompt_length', c.max_prompt_length, [cfgField('data.max_prompt_length', v)], c.max_prompt_length ? '' : 'automatic (0) becomes an upper bound on the longest written prompt (UTF-8 bytes + <bos>)');
    },
    max_completion_length: both('max_completion_length', 'max_completion_length', 'data.max_response_length'),
    temperature: both('temperature', 'temperature', `${R}.temperature`),
    top_p: both('top_p', 'top_p', `${R}.top_p`),
    top_k: (c, t) => (t === 'trl' ? mapped('top_k', c.top_k, [cfgField('top_k', c.top_k)]) : mapped('top_k', c.top_k, [cfgField(`${R}.top_k`, c.top_k === 0 ? -1 : c.top_k)], 'off is -1 in verl, 0 in Benchtop')),
    beta: (c, t) =>
      t === 'trl'
        ? mapped('beta', c.beta, [cfgField('beta', c.beta)])
        : mapped('beta', c.beta, [cfgField(`${A}.use_kl_loss`, c.beta > 0), cfgField(`${A}.kl_loss_coef`, c.beta), cfgField(`${A}.kl_loss_type`, 'low_var_kl')], 'KL to the reference in the loss, k3 estimator (low_var_kl), as Benchtop'),
    epsilon: (c, t) => (t === 'trl' ? mapped('epsilon', c.epsilon, [cfgField('epsilon', c.epsilon)]) : mapped('epsilon', c.epsilon, [cfgField(`${A}.clip_ratio_low`, c.epsilon)])),
    epsilon_high: (c, t) => {
      const v = c.epsilon_high ?? c.epsilon;
      return t === 'trl'
        ? c.epsilon_high === undefined
          ? unmapped('epsilon_high', 'unset', 'unset = epsilon; TRL does the same when it is left out')
          : mapped('epsilon_high', v, [cfgField('epsilon_high', v)])
        : mapped('epsilon_high', c.epsilon_high ?? 'unset', [cfgField(`${A}.clip_ratio_high`, v)], c.epsilon_high === undefined ? 'unset = epsilon' : '');
    },
    delta: (c, t) =>
      c.delta === undefined
        ? unmapped('delta', 'unset', 'two-sided clipping off')
        : t === 'trl'
          ? mapped('delta', c.delta, [cfgField('delta', c.delta)])
          : unmapped('delta', c.delta, "verl's clip_ratio_c is a different (dual-clip) bound; add an upper cap on the unclipped ratio to the policy loss yourself"),
    loss_type: (c, t) =>
      t === 'trl'
        ? mapped('loss_type', c.loss_type, [cfgField('loss_type', c.loss_type)])
        : mapped('loss_type', c.loss_type, [cfgField(`${A}.loss_agg_mode`, VERL_LOSS_AGG[c.loss_type])], c.loss_type === 'bnpo' ? 'bnpo normalises by the tokens of the local batch; token-mean is the nearest verl mode' : 'the same token aggregation under verl\'s name'),
    scale_rewards: (c, t) =>
      t === 'trl'
        ? mapped('scale_rewards', c.scale_rewards, [cfgField('scale_rewards', c.scale_rewards)])
        : mapped('scale_rewards', c.scale_rewards, [cfgField('algorithm.norm_adv_by_std_in_grpo', c.scale_rewards !== 'none')], c.scale_rewards === 'batch' ? 'verl divides by the group std; batch-level std has no verl switch' : ''),
    importance_sampling_level: (c, t) =>
      t === 'trl'
        ? mapped('importance_sampling_level', c.importance_sampling_level, [cfgField('importance_sampling_level', c.importance_sampling_level)])
        : mapped('importance_sampling_level', c.importance_sampling_level, [cfgField(`${A}.policy_loss.loss_mode`, c.importance_sampling_level === 'sequence' ? 'gspo' : 'vanilla')], "sequence-level ratios are verl's gspo loss mode"),
    num_iterations: both('num_iterations', 'num_iterations', `${A}.ppo_epochs`),
    mask_truncated_completions: both('mask_truncated_completions', 'mask_truncated_completions', null, 'no verl switch; filter or zero the loss of responses that hit data.max_response_length in a custom policy loss'),
    ...entropyRules(),
    ...refSyncRules(),
    pass_at_k: (c) =>
      c.pass_at_k > 0
        ? unmapped('pass_at_k', c.pass_at_k, "Pass@k advantages (ALGORITHMS.md §5.3) are not in TRL or verl: replace the advantage computation (a GRPOTrainer subclass, or a verl adv_estimator registered with your function) with the analytic pass@k form on benchtop_correct")
        : unmapped('pass_at_k', 0, 'off; nothing to add'),
    pass_at_k_method: (c) =>
      unmapped('pass_at_k_method', c.pass_at_k_method, c.pass_at_k > 0 ? 'the Pass@k advantage form (ALGORITHMS.md §5.2–5.4) goes with pass_at_k: implement this one in your advantage override' : 'unused while pass_at_k is 0'),
    reward_functions: (c, t) => {
      const fns = c.reward_functions.map((f) => `${f.name}×${f.weight}`).join(' + ');
      return t === 'trl'
        ? mapped('reward_functions', fns, [codeField('reward_funcs', [...c.reward_functions.map((f) => TRL_REWARD_FUNCS[f.name]), 'benchtop_correct']), cfgField('reward_weights', [...c.reward_functions.map((f) => f.weight), 0])],
            'one TRL reward function per Benchtop one (benchtop_rewards.py), summed with these weights (None = not applicable, as in Benchtop); benchtop_correct is logged with weight 0')
        : mapped('reward_functions', fns, [codeField('extra_info.benchtop_reward_functions (data)', c.reward_functions)],
            "compute_score sums the same weighted functions, read from each row; verl needs a number, so a completion no function applies to scores 0 (Benchtop gives it advantage 0)");
    },
    ...lldsRules(),
    ...thrRules(),
    ...prefixEvalRules(),
    ...failurePrefixRules(),
    ...loraRules<GrpoConfig>('actor_rollout_ref.model'),
    'training.max_steps': both('training.max_steps', 'max_steps', 'trainer.total_training_steps'),
    'training.learning_rate': both('training.learning_rate', 'learning_rate', `${A}.optim.lr`),
    'training.lr_scheduler_type': (c, t) =>
      t === 'trl'
        ? mapped('training.lr_scheduler_type', c.training.lr_scheduler_type, [cfgField('lr_scheduler_type', c.training.lr_scheduler_type)])
        : mapped('training.lr_scheduler_type', c.training.lr_scheduler_type, [cfgField(`${A}.optim.lr_scheduler_type`, verlScheduler(c.training.lr_scheduler_type))], 'verl applies warmup to both of its schedules'),
    'training.warmup_steps': both('training.warmup_steps', 'warmup_steps', `${A}.optim.lr_warmup_steps`),
    'training.weight_decay': both('training.weight_decay', 'weight_decay', `${A}.optim.weight_decay`),
    ...adamRules<GrpoConfig>(`${A}.optim`),
    'training.max_grad_norm': both('training.max_grad_norm', 'max_grad_norm', `${A}.grad_clip`),
    'training.eval_every': (c, t) =>
      t === 'trl'
        ? everyTrl(c.training.eval_every, 'eval_strategy', 'eval_steps', 'training.eval_every', c.training.eval_every)
        : mapped('training.eval_every', c.training.eval_every, [cfgField('trainer.test_freq', c.training.eval_every || -1)], 'verl validates on data/test with the same reward function'),
    'training.checkpoint_every': (c, t) =>
      t === 'trl'
        ? everyTrl(c.training.checkpoint_every, 'save_strategy', 'save_steps', 'training.checkpoint_every', c.training.checkpoint_every)
        : mapped('training.checkpoint_every', c.training.checkpoint_every, [cfgField('trainer.save_freq', c.training.checkpoint_every || -1)]),
    'training.log_every': both('training.log_every', 'logging_steps', null, 'verl logs every step'),
    'training.steps_per_call': stepsPerCallRule,
    eval_examples: (c, t) =>
      mapped('eval_examples', c.eval_examples, [t === 'trl' ? codeField('eval_dataset (data/test.jsonl)', c.eval_examples) : cfgField('data.val_files', 'data/test.parquet')], 'test examples per task written to the test file; TRL evaluates the loss on it — for accuracy, generate and score with benchtop_rewards.py'),
    completions_to_log: (c, t) =>
      t === 'trl'
        ? mapped('completions_to_log', c.completions_to_log, [cfgField('log_completions', c.completions_to_log > 0), cfgField('num_completions_to_print', c.completions_to_log)])
        : mapped('completions_to_log', c.completions_to_log, [cfgField('trainer.log_val_generations', c.completions_to_log)], 'verl logs validation generations, not training ones'),
    expected_effect: expectedEffectRule,
    output_dir: (c, t) => mapped('output_dir', c.output_dir, [cfgField(t === 'trl' ? 'output_dir' : 'trainer.default_local_dir', 'outputs')], 'a folder next to the launch files; set your cluster path'),
  };
}

/** verl splits a generation batch by whole prompts. */
function verlMiniBatch(prompts: number): number {
  return Math.max(1, Math.round(prompts));
}

/** Value at a dotted path of the config. */
export function valueAt(cfg: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), cfg);
}

/** Benchtop reward function → the function of benchtop_rewards.py that computes it. */
export const TRL_REWARD_FUNCS: Record<string, string> = { correctness: 'benchtop_reward', format: 'benchtop_format' };

/** Entropy bonus and mask (ALGORITHMS.md §1.4): Benchtop follows TRL's definitions, so TRL is a straight copy. */
function entropyRules(): Record<string, Rule<GrpoConfig>> {
  return {
    entropy_coef: (c, t) => {
      if (t === 'trl') return mapped('entropy_coef', c.entropy_coef, [cfgField('entropy_coef', c.entropy_coef)]);
      const agg = VERL_LOSS_AGG[c.loss_type]!;
      const same = agg === 'token-mean' && c.top_entropy_quantile === 1;
      return mapped('entropy_coef', c.entropy_coef, [cfgField(`${A}.entropy_coeff`, c.entropy_coef)],
        c.entropy_coef === 0
          ? 'off'
          : same
            ? 'verl aggregates the entropy with loss_agg_mode (token-mean here): the same token mean as Benchtop'
            : `verl aggregates the entropy with loss_agg_mode (${agg}) over every response token; Benchtop, as TRL, takes the token mean${c.top_entropy_quantile < 1 ? ' over the entropy-mask-kept tokens' : ''}, so the same coefficient weighs differently`);
    },
    top_entropy_quantile: (c, t) =>
      t === 'trl'
        ? mapped('top_entropy_quantile', c.top_entropy_quantile, [cfgField('top_entropy_quantile', c.top_entropy_quantile)])
        : unmapped('top_entropy_quantile', c.top_entropy_quantile, c.top_entropy_quantile === 1
            ? 'all tokens train the policy term; nothing to add'
            : "verl has no entropy mask: multiply the policy loss by 1[entropy ≥ the (1 − ρ) quantile of the micro-batch's response-token entropies] in a registered policy loss"),
  };
}

/** TR-DPO reference sync (ALGORITHMS.md §1.3): TRL's own fields; verl keeps its reference frozen. */
function refSyncRules(): Record<string, Rule<GrpoConfig>> {
  const verlNote = (c: GrpoConfig) =>
    c.sync_ref_model ? "verl has no reference sync: mix the ref worker's weights with the actor's every ref_model_sync_steps steps yourself (e.g. a trainer hook)" : 'reference sync off; nothing to add';
  const rule = (k: 'sync_ref_model' | 'ref_model_mixup_alpha' | 'ref_model_sync_steps'): Rule<GrpoConfig> => (c, t) =>
    t === 'trl' ? mapped(k, c[k], [cfgField(k, c[k])]) : unmapped(k, c[k], verlNote(c));
  return { sync_ref_model: rule('sync_ref_model'), ref_model_mixup_alpha: rule('ref_model_mixup_alpha'), ref_model_sync_steps: rule('ref_model_sync_steps') };
}

function thrRules(): Record<string, Rule<GrpoConfig>> {
  const note = (c: GrpoConfig) =>
    c.thr.enabled
      ? 'THR token reweighting (ALGORITHMS.md §4, a reconstruction) is Benchtop-only: multiply each token advantage by 1 + p·sign(THR) in a custom loss (GRPOTrainer.compute_loss / a verl policy loss); THR needs the final hidden states of the batch'
      : 'THR off in this run; nothing to add';
  const keys = ['enabled', 'p', 'normalization', 'top_fraction'] as const;
  return Object.fromEntries(keys.map((k) => [`thr.${k}`, ((c: GrpoConfig) => unmapped(`thr.${k}`, c.thr[k], note(c))) as Rule<GrpoConfig>]));
}

function prefixEvalRules(): Record<string, Rule<GrpoConfig>> {
  const note = (c: GrpoConfig) =>
    c.prefix_eval.enabled
      ? 'failure-prefix robustness evals (ALGORITHMS.md §3.5) are Benchtop-only: run them on the trained model with Benchtop (an eval of the exported checkpoint) or script them with benchtop_rewards.verify'
      : 'off in this run; nothing to add';
  const keys = ['enabled', 'problems', 'samples_per_problem', 'prefix_fraction'] as const;
  return Object.fromEntries(keys.map((k) => [`prefix_eval.${k}`, ((c: GrpoConfig) => unmapped(`prefix_eval.${k}`, c.prefix_eval[k], note(c))) as Rule<GrpoConfig>]));
}

function lldsRules(): Record<string, Rule<GrpoConfig>> {
  const note = (c: GrpoConfig) =>
    c.llds.enabled
      ? 'LLDS (ALGORITHMS.md §2.2) is Benchtop-only: add lambda × the likelihood-drop penalty on completions with advantage ≥ 0 to the policy loss (a GRPOTrainer.compute_loss override in TRL, a registered policy loss in verl); needs num_iterations > 1'
      : 'LLDS off in this run; nothing to add';
  const f = (k: keyof GrpoConfig['llds']): Rule<GrpoConfig> => (c) => unmapped(`llds.${k}`, c.llds[k], note(c));
  return { 'llds.enabled': f('enabled'), 'llds.lambda': f('lambda'), 'llds.gate': f('gate'), 'llds.answer_weight': f('answer_weight'), 'llds.normalization': f('normalization') };
}

function failurePrefixRules(): Record<string, Rule<GrpoConfig>> {
  const note = (c: GrpoConfig) =>
    c.failure_prefix.enabled
      ? 'failure-prefix conditioning (ALGORITHMS.md §3) is Benchtop-only: build the conditioned prompts (saturated problem + a prefix of a rare wrong response) with Benchtop or your own probe, then add them to the train data; score the continuation with benchtop_rewards.py'
      : 'failure-prefix conditioning off in this run; nothing to add';
  const keys = ['enabled', 'problems', 'samples_per_problem', 'saturation_threshold', 'failures_per_problem', 'prefix_fractions', 'target_accuracy', 'probe_samples', 'drop_without_signal', 'reward_text', 'refresh_every'] as const;
  return Object.fromEntries(keys.map((k) => [`failure_prefix.${k}`, ((c: GrpoConfig) => unmapped(`failure_prefix.${k}`, c.failure_prefix[k], note(c))) as Rule<GrpoConfig>]));
}

/** LoRA: TRL through a peft LoraConfig (code), verl through actor_rollout_ref.model.lora_* (config). */
export function loraRules<C extends { lora: { enabled: boolean; r: number; alpha: number; target_modules: string[] } }>(model: 'actor_rollout_ref.model' | 'model'): Record<string, Rule<C>> {
  return {
    'lora.enabled': (c, t) =>
      t === 'trl'
        ? mapped('lora.enabled', c.lora.enabled, c.lora.enabled ? [codeField('peft_config=LoraConfig(...)', true)] : [], c.lora.enabled ? 'train.py passes a peft LoraConfig' : 'full finetuning (no peft_config)')
        : mapped('lora.enabled', c.lora.enabled, [cfgField(`${model}.lora_rank`, c.lora.enabled ? c.lora.r : 0)], 'verl turns LoRA on with a rank > 0'),
    'lora.r': (c, t) => (t === 'trl' ? mapped('lora.r', c.lora.r, c.lora.enabled ? [codeField('LoraConfig.r', c.lora.r)] : [], '') : mapped('lora.r', c.lora.r, [cfgField(`${model}.lora_rank`, c.lora.enabled ? c.lora.r : 0)])),
    'lora.alpha': (c, t) => mapped('lora.alpha', c.lora.alpha, [t === 'trl' ? codeField('LoraConfig.lora_alpha', c.lora.alpha) : cfgField(`${model}.lora_alpha`, c.lora.alpha)]),
    'lora.target_modules': (c, t) => {
      const names = c.lora.target_modules.map((m) => HF_LORA_MODULES[m] ?? m);
      return mapped('lora.target_modules', c.lora.target_modules.join(','), [t === 'trl' ? codeField('LoraConfig.target_modules', names) : cfgField(`${model}.target_modules`, names)], 'Benchtop names → Llama-family module names');
    },
  };
}

/** `training.steps_per_call`: how Benchtop groups optimizer steps into onnxruntime calls (sft and grpo). */
export const stepsPerCallRule = (c: { training: { steps_per_call: number } }) =>
  unmapped('training.steps_per_call', c.training.steps_per_call, 'how Benchtop batches optimizer steps into one onnxruntime call; the same training either way, nothing to set in PyTorch');

/** `expected_effect`: checked by Benchtop itself, nothing a launch folder carries (sft and grpo). */
export const expectedEffectRule = (c: { expected_effect?: unknown }) =>
  unmapped('expected_effect', c.expected_effect ?? null, 'Benchtop-only: the effect the run is expected to show, checked by Benchtop from its own metrics when it ends (decision 0038); nothing to launch');

export function adamRules<C extends { training: { adam_beta1: number; adam_beta2: number; adam_epsilon: number } }>(verlOptim: string): Record<string, Rule<C>> {
  return {
    'training.adam_beta1': (c, t) => (t === 'trl' ? mapped('training.adam_beta1', c.training.adam_beta1, [cfgField('adam_beta1', c.training.adam_beta1)]) : mapped('training.adam_beta1', c.training.adam_beta1, [cfgField(`${verlOptim}.betas`, [c.training.adam_beta1, c.training.adam_beta2])])),
    'training.adam_beta2': (c, t) => (t === 'trl' ? mapped('training.adam_beta2', c.training.adam_beta2, [cfgField('adam_beta2', c.training.adam_beta2)]) : mapped('training.adam_beta2', c.training.adam_beta2, [cfgField(`${verlOptim}.betas`, [c.training.adam_beta1, c.training.adam_beta2])])),
    'training.adam_epsilon': (c, t) =>
      t === 'trl'
        ? mapped('training.adam_epsilon', c.training.adam_epsilon, [cfgField('adam_epsilon', c.training.adam_epsilon)])
        : unmapped('training.adam_epsilon', c.training.adam_epsilon, `verl's optimizer config has no epsilon field; its AdamW uses torch's default 1e-8${c.training.adam_epsilon === 1e-8 ? ' (the same as this run)' : ' — differs from this run; pass eps through the optimizer override of your verl version'}`),
  };
}

export function grpoMapping(cfg: GrpoConfig, target: LaunchTarget, facts: GrpoFacts): MappingRow[] {
  return Object.values(grpoRules(facts)).flatMap((rule) => rule(cfg, target));
}

/** The Benchtop fields the GRPO table has a rule for (every field of the schema). */
export function grpoRuleFields(): string[] {
  return Object.keys(grpoRules({ maxPromptTokens: 0 }));
}
