/**
 * The `value` config schema: the contract's defaults (docs/dev/VALUE-CONTRACT.md), malformed
 * fields refused with their path, the preset and examples/value-builtin.yaml valid and in step,
 * and the executor registered for the kind.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultConfig, formatConfigIssues, RUN_KIND_LABELS, validateRunConfig } from '../../../src/shared/config';
import { PRESETS } from '../../../src/shared/config/presets';
import { VALUE_DEFAULT_TASKS } from '../../../src/shared/config/value';
import { hasExecutor, loadExecutor } from '../../../src/engine/executors';
import { runValue } from '../../../src/engine/valuation/run';
import { checkBudget } from '../../../src/engine/valuation/budget';
import type { DecoderConfig } from '../../../src/engine/model/config';
import type { ValueConfig } from '../../../src/shared/config/value';

const value = (extra: Record<string, unknown>) => ({ kind: 'value', model: 'm', ...extra });
const defaultRefs = VALUE_DEFAULT_TASKS.map((t) => ({ weight: 1, options: {}, ...t }));

describe('value config', () => {
  it('fills in the contract defaults', () => {
    const res = validateRunConfig(value({}));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.config).toMatchObject({
      train: { tasks: defaultRefs, num_examples: 200 },
      val: { tasks: [], num_examples: 50 },
      mislabel_ratio: 0.2,
      mislabel_seed: 0,
      method: 'total_unique',
      prediction_topk: 5,
      lowest_likelihood_ratio: 1,
      approximate: false,
      protocols: ['influence', 'mislabel', 'selection'],
      select_ratio: 0.1,
      save_pairwise: false,
      batch_size: 16,
    });
    expect(defaultConfig('value', { model: 'm' })).toEqual(res.config);
    expect(RUN_KIND_LABELS.value.title).toMatch(/For-Value/);
  });

  const CASES: [string, Record<string, unknown>, string, string][] = [
    ['unknown method', value({ method: 'topk' }), 'method', 'expected one of full, total_unique, topk_unique, got "topk"'],
    ['ratio of 1', value({ mislabel_ratio: 1 }), 'mislabel_ratio', 'expected 0 ≤ mislabel_ratio < 1, got 1'],
    ['nothing to detect', value({ mislabel_ratio: 0 }), 'mislabel_ratio', "expected mislabel_ratio > 0 with protocol 'mislabel'"],
    ['zero likelihood ratio', value({ lowest_likelihood_ratio: 0 }), 'lowest_likelihood_ratio', 'expected 0 < lowest_likelihood_ratio ≤ 1, got 0'],
    ['k = 0', value({ prediction_topk: 0 }), 'prediction_topk', 'expected k ≥ 1, got 0'],
    ['unknown protocol', value({ protocols: ['tracin'] }), 'protocols.0', 'expected one of influence, mislabel, selection, got "tracin"'],
    ['protocol twice', value({ protocols: ['selection', 'selection'] }), 'protocols.1', "'selection' is listed twice"],
    ['select nothing', value({ select_ratio: 0 }), 'select_ratio', 'expected 0 < select_ratio ≤ 1, got 0'],
    ['influence needs classes', value({ train: { tasks: [{ task: 'compare' }] } }), 'train.tasks', "expected ≥ 2 train tasks with protocol 'influence'"],
    ['task twice', value({ train: { tasks: [{ task: 'compare' }, { task: 'majority' }, { task: 'compare' }] } }), 'train.tasks.2.task', "'compare' is already train.tasks[0]"],
    ['one train example', value({ train: { num_examples: 1 } }), 'train.num_examples', 'expected ≥ 2 train examples, got 1'],
    ['typo in val', value({ val: { num_example: 5 } }), 'val.num_example', "did you mean 'num_examples'?"],
    ['approximate as a word', value({ approximate: 'yes' }), 'approximate', 'expected true or false, got "yes"'],
    ['no model', { kind: 'value' }, 'model', 'expected a string, but it is missing'],
  ];
  for (const [what, cfg, path, phrase] of CASES) {
    it(`${what} → ${path}`, () => {
      const res = validateRunConfig(cfg);
      expect(res.ok).toBe(false);
      if (res.ok) return;
      const issue = res.issues.find((i) => i.path === path);
      expect(issue, formatConfigIssues(res.issues)).toBeDefined();
      expect(issue!.message).toContain(phrase);
    });
  }

  it('accepts one task and no noise without the protocols that need them', () => {
    expect(validateRunConfig(value({ train: { tasks: [{ task: 'compare' }] }, mislabel_ratio: 0, protocols: ['selection'] })).ok).toBe(true);
  });

  it('the preset and examples/value-builtin.yaml are valid and agree', () => {
    const p = PRESETS.find((x) => x.id === 'value-builtin-mislabel')!;
    const fromPreset = validateRunConfig(p.config);
    const file = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'value-builtin.yaml');
    const fromYaml = validateRunConfig(parse(readFileSync(file, 'utf8')));
    expect(fromPreset.ok && fromYaml.ok, JSON.stringify([fromPreset, fromYaml])).toBe(true);
    if (!fromPreset.ok || !fromYaml.ok) return;
    const { name: _a, tags: _b, ...y } = fromYaml.config as Record<string, unknown>;
    const { name: _c, tags: _d, ...q } = fromPreset.config as Record<string, unknown>;
    expect(y).toEqual(q);
    expect(q).toMatchObject({ model: 'builtin:benchtop-tiny', train: { tasks: defaultRefs, num_examples: 200 }, val: { num_examples: 50 }, mislabel_ratio: 0.2 });
  });

  it('preset (e) and examples/value-mislabel.yaml are valid and agree, warm-up and expected effect included', () => {
    const p = PRESETS.find((x) => x.id === 'value-mislabel-warmup')!;
    const fromPreset = validateRunConfig(p.config);
    const file = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'value-mislabel.yaml');
    const fromYaml = validateRunConfig(parse(readFileSync(file, 'utf8')));
    expect(fromPreset.ok && fromYaml.ok, JSON.stringify([fromPreset, fromYaml])).toBe(true);
    if (!fromPreset.ok || !fromYaml.ok) return;
    expect(fromYaml.config).toEqual(fromPreset.config);
    expect(fromPreset.config).toMatchObject({ model: 'builtin:benchtop-tiny', mislabel_ratio: 0.4, warmup_sft: { enabled: true, lora: { enabled: true } } });
    expect((fromPreset.config as { expected_effect?: { checks: unknown[] } }).expected_effect?.checks).toEqual([{ metric: 'value/auc_mislabel', of: 'final', op: '>=', than: 0.9 }]);
  });

  it('memory limits refuse a config before anything slow, naming the field to change', () => {
    const cfg = (extra: Record<string, unknown>) => {
      const v = validateRunConfig(value(extra));
      if (!v.ok) throw new Error(formatConfigIssues(v.issues));
      return v.config as ValueConfig;
    };
    const big = { vocab_size: 151_936, hidden_size: 896 } as DecoderConfig; // a Qwen2.5-0.5B-sized head
    const tiny = { vocab_size: 101, hidden_size: 128 } as DecoderConfig;
    expect(() => checkBudget(cfg({ method: 'full' }), tiny, 200, 50, null)).not.toThrow();
    expect(() => checkBudget(cfg({ method: 'full' }), big, 200, 50, null)).toThrow(/^method: full keeps \|V\|·d = 151936·896 = 136134656 numbers per example/);
    // total_unique with 20k distinct tokens: 250 × 20000 × 896 × 8 bytes ≈ 34 GB of Φ
    expect(() => checkBudget(cfg({}), big, 200, 50, 20_000)).toThrow(/^method: total_unique would hold about \d+ MB of Φ .*use topk_unique with a small prediction_topk, set approximate: true/);
    expect(() => checkBudget(cfg({ approximate: true }), big, 200, 50, 20_000)).not.toThrow();
    expect(() => checkBudget(cfg({ method: 'topk_unique' }), big, 200, 50, null)).not.toThrow();
    expect(() => checkBudget(cfg({ method: 'topk_unique' }), big, 10_000, 5_000, null)).toThrow(/^method: topk_unique would hold .*lower prediction_topk/);
    expect(() => checkBudget(cfg({ method: 'topk_unique', approximate: true }), big, 10_000, 5_000, null)).toThrow(/^train.num_examples × val.num_examples = 50000000 pairwise values/);
  });

  it('has an executor', async () => {
    expect(hasExecutor('value')).toBe(true);
    expect(await loadExecutor('value')).toBe(runValue);
  });
});
