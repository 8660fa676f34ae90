/**
 * SFT run config → TRL SFTConfig (v1.10) / verl's SFT trainer (sft_trainer.yaml, v0.8), field by
 * field. Every field of sftConfigSchema has a rule here; a test keeps it so.
 */
import type { SftConfig } from '../../shared/config/sft';
import { adamRules, expectedEffectRule, loraRules, stepsPerCallRule, valueAt } from './grpoMapping';
import { cfgField, codeField, everyTrl, mapped, unmapped, verlScheduler, mixtureText, type Rule } from './rows';
import type { LaunchTarget, MappingRow } from './types';

function sftRules(): Record<string, Rule<SftConfig>> {
  const both = (field: string, trl: string, verl: string | null, verlNote = ''): Rule<SftConfig> =>
    (c, t) => {
      const v = valueAt(c, field);
      if (t === 'trl') return mapped(field, v, [cfgField(trl, v)]);
      return verl ? mapped(field, v, [cfgField(verl, v)], verlNote) : unmapped(field, v, verlNote);
    };
  const responses = (k: keyof SftConfig['data']['responses']): Rule<SftConfig> => (c) =>
    c.data.responses.source === 'gold'
      ? unmapped(`data.responses.${k}`, c.data.responses[k], k === 'source' ? 'gold: the data files hold the tasks\' gold completions' : 'unused with gold responses')
      : unmapped(`data.responses.${k}`, c.data.responses[k], 'self-generated responses are not written: the data files hold gold completions. Generate the responses with the teacher first (same temperature/top_p/max_new_tokens, filter with benchtop_rewards.verify when only_correct) and replace the completion column');
  return {
    kind: (c, t) => mapped('kind', c.kind, [codeField(t === 'trl' ? 'SFTTrainer' : 'verl.trainer.fsdp_sft_trainer', 'sft')]),
    name: (c, t) => mapped('name', c.name, [t === 'trl' ? cfgField('run_name', c.name || null) : cfgField('trainer.experiment_name', c.name || 'benchtop')]),
    seed: (c, t) => mapped('seed', c.seed, [cfgField(t === 'trl' ? 'seed' : 'trainer.seed', c.seed)], 'the data files were also drawn with this seed'),
    tags: (c) => unmapped('tags', c.tags, 'Benchtop metadata; add them to your tracker if you want them there'),
    expected_effect: expectedEffectRule,
    notes: (c) => unmapped('notes', c.notes, 'Benchtop metadata; copied into README.md of the launch folder'),
    model: (c, t) => mapped('model', c.model, [t === 'trl' ? codeField('SFTTrainer(model=...)', c.model) : cfgField('model.partial_pretrain', c.model)], 'the folder on this machine; copy it to the cluster or point at a Hub id'),
    prompt_format: (c, t) =>
      unmapped('prompt_format', c.prompt_format ?? 'unset', c.prompt_format === 'chat'
        ? 'the data files hold plain prompt/completion text: to train through the chat template, write prompt as [{"role": "user", ...}] and completion as [{"role": "assistant", ...}]' + (t === 'verl' ? ' and set data.chat_template' : '')
        : 'plain prompt/completion text, as written in the data files'),
    sequence_end: (c, t) =>
      c.sequence_end && t === 'trl'
        ? mapped('sequence_end', c.sequence_end, [cfgField('eos_token', c.sequence_end)], 'the token that closes every example')
        : unmapped('sequence_end', c.sequence_end ?? 'unset', c.sequence_end ? `verl ends examples with the tokenizer's EOS: set ${JSON.stringify(c.sequence_end)} as the tokenizer's eos token` : "unset: the tokenizer's EOS"),
    'data.tasks': (c, t) =>
      mapped('data.tasks', mixtureText(c.data.tasks), t === 'trl'
        ? [codeField('train_dataset (data/train.jsonl: prompt, completion)', 'prompt/completion')]
        : [cfgField('data.train_files', 'data/train.parquet'), cfgField('data.prompt_key', 'prompt'), cfgField('data.response_key', 'completion')],
        'examples drawn from the mixture with the run seed and task options, one per training row'),
    'data.seq_len': both('data.seq_len', 'max_length', 'data.max_length', 'verl counts prompt + response tokens like Benchtop'),
    'data.completion_only_loss': (c, t) =>
      t === 'trl'
        ? mapped('data.completion_only_loss', c.data.completion_only_loss, [cfgField('completion_only_loss', c.data.completion_only_loss)])
        : c.data.completion_only_loss
          ? mapped('data.completion_only_loss', true, [cfgField('data.response_key', 'completion')], "verl's SFT trainer puts the loss on the response only")
          : unmapped('data.completion_only_loss', false, 'verl always masks the prompt; to train on prompt tokens too, write the whole text as the response with an empty prompt'),
    'data.packing': both('data.packing', 'packing', null, 'no packing switch in the verl SFT config (it removes padding with use_remove_padding instead)'),
    'data.responses.source': responses('source'),
    'data.responses.teacher': responses('teacher'),
    'data.responses.num_prompts': responses('num_prompts'),
    'data.responses.temperature': responses('temperature'),
    'data.responses.top_p': responses('top_p'),
    'data.responses.max_new_tokens': responses('max_new_tokens'),
    'data.responses.only_correct': responses('only_correct'),
    ...loraRules<SftConfig>('model'),
    'training.max_steps': both('training.max_steps', 'max_steps', 'trainer.total_training_steps'),
    'training.batch_size': (c, t) =>
      t === 'trl'
        ? mapped('training.batch_size', c.training.batch_size, [cfgField('per_device_train_batch_size', c.training.batch_size)], 'on one device; with N devices divide by N to keep the global batch')
        : mapped('training.batch_size', c.training.batch_size, [cfgField('data.train_batch_size', c.training.batch_size * c.training.gradient_accumulation_steps)], 'verl takes the global batch (batch_size × gradient_accumulation_steps)'),
    'training.gradient_accumulation_steps': (c, t) =>
      t === 'trl'
        ? mapped('training.gradient_accumulation_steps', c.training.gradient_accumulation_steps, [cfgField('gradient_accumulation_steps', c.training.gradient_accumulation_steps)])
        : mapped('training.gradient_accumulation_steps', c.training.gradient_accumulation_steps, [cfgField('data.micro_batch_size_per_gpu', c.training.batch_size)], 'verl accumulates micro-batches of micro_batch_size_per_gpu up to data.train_batch_size'),
    'training.learning_rate': both('training.learning_rate', 'learning_rate', 'optim.lr'),
    'training.lr_scheduler_type': (c, t) =>
      t === 'trl'
        ? mapped('training.lr_scheduler_type', c.training.lr_scheduler_type, [cfgField('lr_scheduler_type', c.training.lr_scheduler_type)])
        : mapped('training.lr_scheduler_type', c.training.lr_scheduler_type, [cfgField('optim.lr_scheduler', verlScheduler(c.training.lr_scheduler_type))], 'verl applies warmup to both of its schedules'),
    'training.warmup_steps': (c, t) =>
      t === 'trl'
        ? mapped('training.warmup_steps', c.training.warmup_steps, [cfgField('warmup_steps', c.training.warmup_steps)])
        : mapped('training.warmup_steps', c.training.warmup_steps, [cfgField('optim.lr_warmup_steps_ratio', c.training.warmup_steps / c.training.max_steps)], "verl's SFT trainer takes warmup as a fraction of the steps"),
    'training.weight_decay': both('training.weight_decay', 'weight_decay', 'optim.weight_decay'),
    ...adamRules<SftConfig>('optim'),
    'training.max_grad_norm': both('training.max_grad_norm', 'max_grad_norm', 'optim.clip_grad'),
    'training.eval_every': (c, t) =>
      t === 'trl'
        ? everyTrl(c.training.eval_every, 'eval_strategy', 'eval_steps', 'training.eval_every', c.training.eval_every)
        : mapped('training.eval_every', c.training.eval_every, [cfgField('trainer.test_freq', c.training.eval_every || -1)], 'verl reports the validation loss; score accuracy with benchtop_rewards.py'),
    'training.checkpoint_every': (c, t) =>
      t === 'trl'
        ? everyTrl(c.training.checkpoint_every, 'save_strategy', 'save_steps', 'training.checkpoint_every', c.training.checkpoint_every)
        : mapped('training.checkpoint_every', c.training.checkpoint_every, [cfgField('trainer.save_freq', c.training.checkpoint_every || -1)]),
    'training.log_every': both('training.log_every', 'logging_steps', null, 'verl logs every step'),
    'training.steps_per_call': stepsPerCallRule,
    output_dir: (c, t) => mapped('output_dir', c.output_dir, [cfgField(t === 'trl' ? 'output_dir' : 'trainer.default_local_dir', 'outputs')], 'a folder next to the launch files; set your cluster path'),
  };
}

export function sftMapping(cfg: SftConfig, target: LaunchTarget): MappingRow[] {
  return Object.values(sftRules()).flatMap((rule) => rule(cfg, target));
}

/** The Benchtop fields the SFT table has a rule for (every field of the schema). */
export function sftRuleFields(): string[] {
  return Object.keys(sftRules());
}
