/**
 * The grpo config schema: TRL's defaults (v0.22+), the loss head's settings derived from it
 * (epsilon_high defaults to epsilon), and errors that name the field and say what was expected.
 */
import { describe, expect, it } from 'vitest';
import { validateRunConfig, type GrpoConfig } from '../../../src/shared/config';
import { lldsWarnings, lossSpecOf } from '../../../src/engine/rlvr/run';

const base = { kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'knights_knaves' }] };
const parse = (extra: Record<string, unknown> = {}) => validateRunConfig({ ...base, ...extra });
const ok = (extra: Record<string, unknown> = {}): GrpoConfig => {
  const v = parse(extra);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.config as GrpoConfig;
};
const issues = (extra: Record<string, unknown>) => {
  const v = parse(extra);
  return v.ok ? [] : v.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('grpo config', () => {
  it("has TRL's defaults", () => {
    const c = ok();
    expect(c).toMatchObject({
      num_generations: 8,
      temperature: 1,
      top_p: 1,
      top_k: 0,
      beta: 0,
      epsilon: 0.2,
      loss_type: 'dapo',
      scale_rewards: 'group',
      importance_sampling_level: 'token',
      num_iterations: 1,
      mask_truncated_completions: false,
      pass_at_k: 0,
    });
    expect(c.epsilon_high).toBeUndefined();
    expect(c.delta).toBeUndefined();
    expect(c.lora.enabled).toBe(false);
    expect(c.training).toMatchObject({ max_grad_norm: 1, weight_decay: 0, adam_beta1: 0.9, adam_beta2: 0.999, lr_scheduler_type: 'constant', log_every: 1 });
    expect(lossSpecOf(c)).toEqual({ lossType: 'dapo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.2, delta: null, beta: 0, maxCompletionLength: 64 });
    expect(lossSpecOf(ok({ epsilon_high: 0.28, delta: 1.5 }))).toMatchObject({ epsilonHigh: 0.28, delta: 1.5 });
  });

  it('names the field and what was expected', () => {
    expect(issues({ num_generations: 1 })).toEqual(['num_generations: expected num_generations ≥ 2 (GRPO compares completions within a group), got 1']);
    expect(issues({ loss_type: 'ppo' })).toEqual(['loss_type: expected one of grpo, bnpo, dr_grpo, dapo, got "ppo"']);
    expect(issues({ num_generations: 4, pass_at_k: 5 })).toEqual(['pass_at_k: expected pass_at_k ≤ num_generations (4), got 5']);
    expect(issues({ delta: 1 })).toEqual(['delta: expected delta > 1, got 1']);
    expect(issues({ temperature: 0 })[0]).toMatch(/^temperature: expected temperature > 0/);
    expect(issues({ training: { batch_size: 8 } })).toEqual(['training.batch_size: unknown field for a grpo config']);
    expect(issues({ training: { max_steps: 10, warmup_steps: 20 } })).toEqual(['training.warmup_steps: expected warmup_steps ≤ max_steps (10), got 20']);
    expect(issues({ num_generation: 8 })).toEqual(["num_generation: unknown field for a grpo config; did you mean 'num_generations'?"]);
  });
});

describe('grpo llds', () => {
  it('defaults off (lambda 0.2, action gate, answer_weight 1) and reaches the loss head only when enabled', () => {
    const c = ok();
    expect(c.llds).toEqual({ enabled: false, lambda: 0.2, gate: 'action', answer_weight: 1, normalization: 'paper' });
    expect(lossSpecOf(c).llds).toBeUndefined();
    expect(lossSpecOf(ok({ num_iterations: 2, llds: { enabled: true, gate: 'token', lambda: 0.3 } })).llds).toEqual({ gate: 'token', lambda: 0.3, normalization: 'paper' });
    expect(lossSpecOf(ok({ num_iterations: 2, llds: { enabled: true, normalization: 'response_tokens' } })).llds).toMatchObject({ normalization: 'response_tokens' });
  });

  it('validates its fields', () => {
    expect(issues({ llds: { enabled: true, gate: 'sequence' } })).toEqual(['llds.gate: expected one of action, response, token, got "sequence"']);
    expect(issues({ llds: { lambda: -1 } })).toEqual(['llds.lambda: expected lambda ≥ 0, got -1']);
    expect(issues({ llds: { answer_weight: 2 } })).toEqual(['llds.answer_weight: expected answer_weight ≤ 1, got 2']);
    expect(issues({ llds: { enable: true } })[0]).toMatch(/^llds\.enable: unknown field/);
    expect(issues({ llds: { normalization: 'tokens' } })).toEqual(['llds.normalization: expected one of paper, response_tokens, got "tokens"']);
  });

  it('warns (does not fail) when LLDS cannot act: num_iterations 1 (Δ ≡ 0), answer_weight on a task without an answer marker', () => {
    expect(lldsWarnings(ok({ llds: { enabled: false } }))).toEqual([]);
    expect(lldsWarnings(ok({ num_iterations: 2, llds: { enabled: true } }))).toEqual([]);
    const w = lldsWarnings(ok({ llds: { enabled: true } }));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/num_iterations 1 .*Δ ≡ 0.*num_iterations ≥ 2/);
    expect(lldsWarnings(ok({ num_iterations: 2, llds: { enabled: true, answer_weight: 0.2 } }))).toEqual([]); // knights_knaves has a marker
    const noMarker = lldsWarnings(ok({ num_iterations: 2, tasks: [{ task: 'knights_knaves' }, { task: 'parity' }], llds: { enabled: true, answer_weight: 0.2 } }));
    expect(noMarker).toHaveLength(1);
    expect(noMarker[0]).toMatch(/^llds\.answer_weight 0\.2: parity has no answer marker.*LLDS-MA is off for it/);
  });
});

describe('grpo entropy knobs and reference sync', () => {
  it("have TRL's defaults and reach the loss head only when set", () => {
    const c = ok();
    expect(c).toMatchObject({ entropy_coef: 0, top_entropy_quantile: 1, sync_ref_model: false, ref_model_mixup_alpha: 0.6, ref_model_sync_steps: 512 });
    expect(lossSpecOf(c)).not.toHaveProperty('entropyCoef');
    expect(lossSpecOf(c)).not.toHaveProperty('topEntropyQuantile');
    expect(lossSpecOf(ok({ entropy_coef: 0.01, top_entropy_quantile: 0.2 }))).toMatchObject({ entropyCoef: 0.01, topEntropyQuantile: 0.2 });
  });

  it('validates them, and refuses a sync with nothing to sync (beta 0) or under LoRA, as TRL', () => {
    expect(issues({ top_entropy_quantile: 1.5 })).toEqual(['top_entropy_quantile: expected 0 ≤ top_entropy_quantile ≤ 1, got 1.5']);
    expect(issues({ entropy_coef: -0.1 })).toEqual(['entropy_coef: expected entropy_coef ≥ 0, got -0.1']);
    expect(issues({ beta: 0.04, sync_ref_model: true, ref_model_mixup_alpha: 2 })).toEqual(['ref_model_mixup_alpha: expected 0 ≤ ref_model_mixup_alpha ≤ 1, got 2']);
    expect(issues({ beta: 0.04, sync_ref_model: true, ref_model_sync_steps: 0 })).toEqual(['ref_model_sync_steps: expected ≥ 1 step, got 0']);
    expect(issues({ sync_ref_model: true })).toEqual(['sync_ref_model: expected false while beta is 0 (there is no reference model to sync; TRL refuses it too), got true']);
    expect(issues({ beta: 0.04, sync_ref_model: true, lora: { enabled: true } })[0]).toMatch(/^sync_ref_model: expected false with lora\.enabled .*, got true$/);
    expect(issues({ beta: 0.04, sync_ref_model: true, ref_model_sync_steps: 4 })).toEqual([]);
  });
});

describe('grpo example and preset', () => {
  it('examples/grpo-builtin.yaml validates and equals the preset the app offers', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse: parseYaml } = await import('yaml');
    const { PRESETS } = await import('../../../src/shared/config/presets');
    const example = validateRunConfig(parseYaml(readFileSync(new URL('../../../examples/grpo-builtin.yaml', import.meta.url), 'utf8')));
    const preset = validateRunConfig(PRESETS.find((p) => p.id === 'grpo-builtin-kk')!.config);
    if (!example.ok || !preset.ok) throw new Error('example or preset invalid');
    expect(preset.config).toEqual(example.config);
  });
});
