/**
 * The `prune` config schema: the contract's defaults (docs/dev/PRUNE-CONTRACT.md), malformed
 * fields refused with their path, the preset and examples/prune-builtin.yaml valid and in step,
 * and the executor registered for the kind.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultConfig, formatConfigIssues, validateRunConfig } from '../../../src/shared/config';
import { BUILTIN_EVAL_TASKS, PRESETS } from '../../../src/shared/config/presets';
import { hasExecutor, loadExecutor } from '../../../src/engine/executors';
import { runPrune } from '../../../src/engine/pruning/run';

const prune = (extra: Record<string, unknown>) => ({ kind: 'prune', model: 'm', ...extra });
const builtinRefs = BUILTIN_EVAL_TASKS.map((t) => ({ weight: 1, options: {}, ...t }));

describe('prune config', () => {
  it('fills in the contract defaults', () => {
    const res = validateRunConfig(prune({}));
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.config).toMatchObject({
      method: 'block_influence',
      num_layers: 1,
      protect_first: 1,
      calibration: { tasks: builtinRefs, num_sequences: 64, seq_len: 128 },
      eval: { tasks: builtinRefs, num_examples: 50, max_new_tokens: 64, sweep: true },
      search_examples: 16,
      output_dir: '',
    });
    expect(res.config.kind === 'prune' && res.config.protect_last).toBeUndefined(); // method-dependent (select.ts protectSpecOf)
    expect(defaultConfig('prune', { model: 'm' })).toEqual(res.config);
  });

  const CASES: [string, Record<string, unknown>, string, string][] = [
    ['unknown method', prune({ method: 'laco' }), 'method', 'expected one of reverse_order, block_influence, angular_distance, streamline, sleb, ppl, iterative_task, got "laco"'],
    ['zero layers', prune({ num_layers: 0 }), 'num_layers', 'expected ≥ 1 layer to remove, got 0'],
    ['fractional layers', prune({ num_layers: 1.5 }), 'num_layers', 'expected a whole number, got 1.5'],
    ['negative protect', prune({ protect_last: -1 }), 'protect_last', 'expected ≥ 0, got -1'],
    ['iterative_task may not remove layer 0', prune({ method: 'iterative_task', protect_first: 0 }), 'protect_first', 'expected protect_first ≥ 1 with method iterative_task'],
    ['no calibration tasks', prune({ calibration: { tasks: [] } }), 'calibration.tasks', 'expected at least one calibration task'],
    ['short calibration rows', prune({ calibration: { seq_len: 4 } }), 'calibration.seq_len', 'expected a sequence length ≥ 8, got 4'],
    ['typo in calibration', prune({ calibration: { num_sequence: 4 } }), 'calibration.num_sequence', "did you mean 'num_sequences'?"],
    ['sweep as a word', prune({ eval: { sweep: 'yes' } }), 'eval.sweep', 'expected true or false, got "yes"'],
    ['zero search examples', prune({ search_examples: 0 }), 'search_examples', 'expected ≥ 1 example, got 0'],
    ['no model', { kind: 'prune' }, 'model', 'expected a string, but it is missing'],
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

  it('the preset and examples/prune-builtin.yaml are valid and agree', () => {
    const p = PRESETS.find((x) => x.id === 'prune-builtin-bi')!;
    const fromPreset = validateRunConfig(p.config);
    const file = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'prune-builtin.yaml');
    const fromYaml = validateRunConfig(parse(readFileSync(file, 'utf8')));
    expect(fromPreset.ok && fromYaml.ok).toBe(true);
    if (!fromPreset.ok || !fromYaml.ok) return;
    for (const key of ['model', 'method', 'num_layers', 'protect_first', 'protect_last'] as const) {
      expect((fromYaml.config as Record<string, unknown>)[key], key).toEqual((fromPreset.config as Record<string, unknown>)[key]);
    }
    expect(fromPreset.config).toMatchObject({ model: 'builtin:benchtop-tiny', method: 'block_influence', num_layers: 1 });
    // the yaml's eval tasks are the built-in model's eval tasks
    expect((fromYaml.config as { eval: { tasks: unknown } }).eval.tasks).toEqual(builtinRefs);
  });

  it('has an executor', async () => {
    expect(hasExecutor('prune')).toBe(true);
    expect(await loadExecutor('prune')).toBe(runPrune);
  });
});
