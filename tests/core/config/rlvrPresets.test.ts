/**
 * Issue 12's RLVR presets (decision 0038): each is one YAML in examples/ (a run config, or a sweep
 * file for a comparison of arms) equal to its preset in the editor, valid, with an expected effect
 * whose arms are arms its sweep really makes, and offered in Start here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateRunConfig } from '../../../src/shared/config';
import { PRESETS } from '../../../src/shared/config/presets';
import { effectOf, inArm, isArmCheck } from '../../../src/shared/expectedEffect';
import { sweepFileOf } from '../../../src/shared/sweepFile';
import { expandSweep } from '../../../src/shared/sweeps';
import { startExamples } from '../../../src/renderer/src/firstStart';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', '..', 'examples');
const CASES = [
  ['grpo-accuracy-builtin', 'grpo-accuracy-builtin.yaml'],
  ['grpo-failure-prefix-builtin', 'grpo-failure-prefix-builtin.yaml'],
  ['grpo-llds-builtin', 'grpo-llds-builtin.yaml'],
  ['grpo-thr-builtin', 'grpo-thr-builtin.yaml'],
] as const;

describe('RLVR presets', () => {
  for (const [id, file] of CASES) {
    it(`${file} is preset ${id}, valid, with a checkable expected effect`, () => {
      const raw = parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Record<string, unknown>;
      const sf = sweepFileOf(raw);
      expect(sf.ok).toBe(true);
      if (!sf.ok) return;
      const preset = PRESETS.find((p) => p.id === id)!;
      expect(preset.config).toEqual(sf.base);
      expect(preset.sweep ?? null).toEqual(sf.grid.length ? { name: sf.name, grid: sf.grid } : null);
      const effect = effectOf(sf.base);
      expect(effect, 'expected_effect').not.toBeNull();
      if (sf.grid.length === 0) {
        expect(validateRunConfig(sf.base).ok).toBe(true);
        expect(effect!.checks.some(isArmCheck)).toBe(false);
        return;
      }
      const expanded = expandSweep({ name: sf.name, base: sf.base, grid: sf.grid });
      expect(expanded.ok).toBe(true);
      if (!expanded.ok) return;
      // Every arm a check names is made by the sweep (a typo in an arm would never be observed).
      for (const c of effect!.checks.filter(isArmCheck)) {
        for (const arm of [c.arm!, ...(c.than_arm ? [c.than_arm] : [])]) {
          expect(expanded.points.some((p) => inArm(p.assignments, arm)), JSON.stringify(arm)).toBe(true);
        }
      }
    });
  }

  it('each is one click in Start here', () => {
    const ids = startExamples().map((e) => e.preset.id);
    for (const [id] of CASES) expect(ids).toContain(id);
  });
});
