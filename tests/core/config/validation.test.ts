/** Table-driven: malformed configs of every kind; each must be refused with an issue naming the
 * field path and saying what was expected. */
import { describe, expect, it } from 'vitest';
import { defaultConfig, formatConfigIssues, RUN_KINDS, validateRunConfig } from '../../../src/shared/config';
import { PRESETS } from '../../../src/shared/config/presets';

const sft = (extra: Record<string, unknown>) => ({ kind: 'sft', model: 'm', data: { tasks: [{ task: 'arithmetic' }] }, ...extra });
const evalCfg = (extra: Record<string, unknown>) => ({ kind: 'eval', model: 'm', tasks: [{ task: 'arithmetic' }], ...extra });

// [description, config, expected path, phrase of the expectation]
const CASES: [string, unknown, string, string | RegExp][] = [
  ['not an object', [], '(config)', "expected an object with a 'kind' field"],
  ['no kind', { name: 'x' }, 'kind', `expected one of ${RUN_KINDS.join(', ')}, but it is missing`],
  ['unknown kind', { kind: 'rl' }, 'kind', `expected one of ${RUN_KINDS.join(', ')}, got "rl"`],
  ['zero steps', { kind: 'pretrain', training: { max_steps: 0 } }, 'training.max_steps', 'expected a number of steps > 0, got 0'],
  ['fractional steps', { kind: 'pretrain', training: { max_steps: 2.5 } }, 'training.max_steps', 'expected a whole number, got 2.5'],
  ['negative lr', { kind: 'pretrain', training: { learning_rate: -1 } }, 'training.learning_rate', 'expected a learning rate > 0'],
  ['lr too big', { kind: 'pretrain', training: { learning_rate: 3 } }, 'training.learning_rate', 'expected a learning rate ≤ 1, got 3'],
  ['warmup beyond steps', { kind: 'pretrain', training: { warmup_steps: 50, max_steps: 10 } }, 'training.warmup_steps', 'expected warmup_steps ≤ max_steps (10), got 50'],
  ['scheduler typo', { kind: 'pretrain', training: { lr_scheduler_type: 'linear' } }, 'training.lr_scheduler_type', 'expected one of constant, cosine, constant_with_warmup, got "linear"'],
  ['beta1 = 1', { kind: 'pretrain', training: { adam_beta1: 1 } }, 'training.adam_beta1', 'expected 0 ≤ β1 < 1'],
  ['heads do not divide width', { kind: 'pretrain', model: { hidden_size: 100, num_attention_heads: 3, num_key_value_heads: 1 } }, 'model.num_attention_heads', 'expected a divisor of hidden_size (100)'],
  ['kv heads do not divide heads', { kind: 'pretrain', model: { num_attention_heads: 4, num_key_value_heads: 3 } }, 'model.num_key_value_heads', 'expected a divisor of num_attention_heads (4)'],
  ['unknown architecture', { kind: 'pretrain', model: { architecture: 'gpt2' } }, 'model.architecture', 'expected one of llama, qwen2, qwen3, mistral, got "gpt2"'],
  ['empty task mixture', { kind: 'pretrain', data: { tasks: [] } }, 'data.tasks', 'expected at least one task in the mixture, got an empty list'],
  ['short sequences', { kind: 'pretrain', data: { seq_len: 4 } }, 'data.seq_len', 'expected a sequence length ≥ 8, got 4'],
  ['zero mixture weight', { kind: 'pretrain', data: { tasks: [{ task: 'arithmetic', weight: 0 }] } }, 'data.tasks.0.weight', 'expected a mixture weight > 0, got 0'],
  ['negative seed', { kind: 'pretrain', seed: -1 }, 'seed', 'expected a seed ≥ 0, got -1'],
  ['empty tag', { kind: 'pretrain', tags: ['ok', ''] }, 'tags.1', 'tags cannot be empty'],
  ['name is a number', { kind: 'pretrain', name: 42 }, 'name', 'expected a string, got 42'],
  ['training is a string', { kind: 'pretrain', training: 'fast' }, 'training', 'expected an object, got "fast"'],
  ['typo in a top-level field', { kind: 'pretrain', trainng: { max_steps: 5 } }, 'trainng', "unknown field for a pretrain config; did you mean 'training'?"],
  ['typo in a nested field', { kind: 'pretrain', training: { max_step: 5 } }, 'training.max_step', "did you mean 'max_steps'?"],
  ['sft without model', { kind: 'sft', data: { tasks: [{ task: 'arithmetic' }] } }, 'model', 'expected a string, but it is missing'],
  ['sft with empty model', sft({ model: '' }), 'model', 'expected a model folder path or a registered model id, got ""'],
  ['sft without data', { kind: 'sft', model: 'm' }, 'data', 'expected an object, but it is missing'],
  ['LoRA rank 0', sft({ lora: { r: 0 } }), 'lora.r', 'expected a LoRA rank ≥ 1, got 0'],
  ['unknown LoRA target', sft({ lora: { target_modules: ['qq'] } }), 'lora.target_modules.0', 'expected one of q, k, v, o, gate, up, down, got "qq"'],
  ['no LoRA targets', sft({ lora: { target_modules: [] } }), 'lora.target_modules', 'expected at least one target module'],
  ['task without name', sft({ data: { tasks: [{ weight: 1 }] } }), 'data.tasks.0.task', 'expected a string, but it is missing'],
  ['boolean as a word', sft({ data: { tasks: [{ task: 'arithmetic' }], completion_only_loss: 'yes' } }), 'data.completion_only_loss', 'expected true or false, got "yes"'],
  ['eval without tasks', { kind: 'eval', model: 'm' }, 'tasks', 'expected a list, but it is missing'],
  ['k larger than samples', evalCfg({ num_samples: 2, k: [1, 4] }), 'k.1', 'expected k ≤ num_samples (2)'],
  ['top_p = 0', evalCfg({ top_p: 0 }), 'top_p', 'expected 0 < top_p ≤ 1, got 0'],
  ['negative temperature', evalCfg({ temperature: -0.5 }), 'temperature', 'expected temperature ≥ 0 (0 is greedy), got -0.5'],
  ['too many new tokens', evalCfg({ max_new_tokens: 10000 }), 'max_new_tokens', 'expected a number ≤ 8192, got 10000'],
  ['num_examples as text', evalCfg({ num_examples: 'all' }), 'num_examples', 'expected a number, got "all"'],
  ['model as a number', evalCfg({ model: 7 }), 'model', 'expected a string, got 7'],
  ['k = 0', evalCfg({ k: [0] }), 'k.0', 'expected k ≥ 1, got 0'],
];

describe('run config validation', () => {
  it('has at least 20 cases across pretrain, sft and eval', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    const kinds = new Set(CASES.map(([, c]) => (c && typeof c === 'object' && !Array.isArray(c) ? (c as { kind?: string }).kind : undefined)));
    for (const k of ['pretrain', 'sft', 'eval']) expect(kinds.has(k)).toBe(true);
  });

  for (const [what, config, path, phrase] of CASES) {
    it(`${what} → ${path}`, () => {
      const res = validateRunConfig(config);
      expect(res.ok).toBe(false);
      if (res.ok) return;
      const issue = res.issues.find((i) => i.path === path);
      expect(issue, `issues were: ${formatConfigIssues(res.issues)}`).toBeDefined();
      if (typeof phrase === 'string') expect(issue!.message).toContain(phrase);
      else expect(issue!.message).toMatch(phrase);
      expect(formatConfigIssues(res.issues)).toContain(`${path}: `);
    });
  }

  it('accepts every preset and the defaults, filling defaults in', () => {
    for (const p of PRESETS) expect(validateRunConfig(p.config).ok, p.id).toBe(true);
    const res = validateRunConfig({ kind: 'pretrain' });
    expect(res.ok).toBe(true);
    if (res.ok) expect(res.config).toEqual(defaultConfig('pretrain'));
  });
});
