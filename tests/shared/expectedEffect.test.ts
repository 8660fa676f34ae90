/**
 * Expected effects (decision 0038): the schema, the reductions and the verdicts, against
 * hand-worked metric series.
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateGroupEffect,
  evaluateRunEffect,
  expectedEffectSchema,
  reduceSeries,
  verdictLine,
  type GroupMember,
} from '../../src/shared/expectedEffect';
import { validateRunConfig } from '../../src/shared/config';
import { CONFIG_SCHEMAS } from '../../src/shared/kinds';
import { formSpecFromSchema, withDefaults } from '../../src/renderer/src/config/formSpec';

const s = (pairs: [number, number][]) => ({ steps: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) });

describe('expected effect: reductions', () => {
  // eval accuracy at steps 0, 50, 100, 150 (out of order and with a NaN, as a resumed run may log).
  const acc = s([[50, 0.41], [0, 0.35], [150, 0.47], [100, Number.NaN]]);
  it('reduces a series by each measure', () => {
    expect(reduceSeries(acc, 'initial')).toBe(0.35);
    expect(reduceSeries(acc, 'final')).toBe(0.47);
    expect(reduceSeries(acc, 'change')).toBeCloseTo(0.12, 12);
    expect(reduceSeries(acc, 'mean')).toBeCloseTo((0.35 + 0.41 + 0.47) / 3, 12);
    expect(reduceSeries(acc, 'min')).toBe(0.35);
    expect(reduceSeries(acc, 'max')).toBe(0.47);
    // middle step = (0 + 150) / 2 = 75 → points after it: 150 only (100 is NaN).
    expect(reduceSeries(acc, 'late_mean')).toBe(0.47);
    expect(reduceSeries(s([[1, 0.9], [2, 0.7], [3, 0.5], [4, 0.3]]), 'late_mean')).toBeCloseTo(0.4, 12);
  });
  it('has no value without finite points; change needs two', () => {
    expect(reduceSeries(undefined, 'final')).toBeNull();
    expect(reduceSeries(s([[0, Number.NaN]]), 'mean')).toBeNull();
    expect(reduceSeries(s([[0, 0.5]]), 'change')).toBeNull();
  });
});

describe('expected effect: one run', () => {
  const effect = expectedEffectSchema.parse({
    statement: 'GRPO raises greedy accuracy and keeps entropy above 0.05',
    checks: [
      { metric: 'eval/kk/accuracy', of: 'change', op: '>', than: 0.05 },
      { metric: 'entropy', of: 'min', op: '>', than: 0.05 },
    ],
  });
  it('observed when every check holds (hand-worked: change 0.40 − 0.33 = 0.07 > 0.05, min entropy 0.06 > 0.05)', () => {
    const v = evaluateRunEffect(effect, { 'eval/kk/accuracy': s([[0, 0.33], [20, 0.36], [40, 0.4]]), entropy: s([[1, 0.2], [2, 0.06], [3, 0.1]]) });
    expect(v.state).toBe('observed');
    expect(v.checks.map((c) => c.holds)).toEqual([true, true]);
    expect(v.checks[0]!.text).toBe('eval/kk/accuracy change = 0.07 > 0.05');
  });
  it('not observed when one check fails (change 0.37 − 0.33 = 0.04 ≤ 0.05)', () => {
    const v = evaluateRunEffect(effect, { 'eval/kk/accuracy': s([[0, 0.33], [40, 0.37]]), entropy: s([[1, 0.2]]) });
    expect(v.state).toBe('not_observed');
    expect(v.checks.map((c) => c.holds)).toEqual([false, true]);
    expect(verdictLine(v)).toMatch(/^expected effect: not observed — GRPO raises.*✗ eval\/kk\/accuracy change = 0\.04 > 0\.05; ✓ entropy min/);
  });
  it('not observed when a metric was never logged', () => {
    const v = evaluateRunEffect(effect, { entropy: s([[1, 0.2]]) });
    expect(v.state).toBe('not_observed');
    expect(v.checks[0]!.text).toMatch(/not logged/);
  });
  it("a decrease is op '<' (−0.05 is not < −0.1, −0.2 is)", () => {
    const e = expectedEffectSchema.parse({ statement: 'falls', checks: [{ metric: 'm', op: '<', than: -0.1 }] });
    expect(evaluateRunEffect(e, { m: s([[0, 1], [9, 0.95]]) }).state).toBe('not_observed');
    expect(evaluateRunEffect(e, { m: s([[0, 1], [9, 0.8]]) }).state).toBe('observed');
  });
  it('has nothing to check on one run when every check compares arms', () => {
    const e = expectedEffectSchema.parse({ statement: 'a beats b', checks: [{ metric: 'm', op: '>', arm: { 'thr.p': 0.5 }, than_arm: { 'thr.p': -0.5 } }] });
    expect(evaluateRunEffect(e, {}).state).toBe('none');
  });
});

describe('expected effect: a sweep group', () => {
  const effect = expectedEffectSchema.parse({
    statement: 'p > 0 raises greedy accuracy more than p < 0',
    checks: [{ metric: 'acc', of: 'change', op: '>', arm: { 'thr.p': 0.5 }, than_arm: { 'thr.p': -0.5 }, margin: 0.01 }],
  });
  const member = (p: number, seed: number, from: number, to: number, status = 'succeeded'): GroupMember => ({
    status,
    point: { 'thr.p': p, seed },
    series: { acc: s([[0, from], [40, to]]) },
  });
  it('compares the arms’ means over seeds (hand-worked: +0.5 → mean(0.10, 0.02) = 0.06; −0.5 → mean(0.03, 0.01) = 0.02; 0.06 > 0.02 + 0.01)', () => {
    const v = evaluateGroupEffect(effect, [member(0.5, 1, 0.3, 0.4), member(0.5, 2, 0.5, 0.52), member(-0.5, 1, 0.3, 0.33), member(-0.5, 2, 0.5, 0.51)], true);
    expect(v.state).toBe('observed');
    expect(v.checks[0]!.text).toBe('acc change: thr.p=0.5 0.06 (n=2) > thr.p=-0.5 0.02 (n=2) + 0.01');
  });
  it('not observed inside the margin (0.06 vs 0.055 + 0.01), and failed runs do not count', () => {
    const v = evaluateGroupEffect(effect, [member(0.5, 1, 0.3, 0.4), member(0.5, 2, 0.5, 0.52), member(-0.5, 1, 0.3, 0.355), member(-0.5, 2, 0.5, 0.555), member(-0.5, 3, 0, -5, 'failed')], true);
    expect(v.state).toBe('not_observed');
  });
  it("'<' asks arm A to be below arm B by the margin", () => {
    const e = expectedEffectSchema.parse({ statement: 'fewer zero-signal groups', checks: [{ metric: 'acc', of: 'mean', op: '<', arm: { 'thr.p': 0.5 }, than_arm: { 'thr.p': -0.5 }, margin: 0.05 }] });
    // means over steps: +0.5 → 0.35, −0.5 → 0.415 (0.35 < 0.415 − 0.05 = 0.365).
    expect(evaluateGroupEffect(e, [member(0.5, 1, 0.3, 0.4), member(-0.5, 1, 0.3, 0.53)], true).state).toBe('observed');
    expect(evaluateGroupEffect(e, [member(0.5, 1, 0.3, 0.4), member(-0.5, 1, 0.3, 0.49)], true).state).toBe('not_observed');
  });
  it("'>=' holds on a tie ('>' does not): both arms at 1.0 accuracy", () => {
    const ge = expectedEffectSchema.parse({ statement: 'kept', checks: [{ metric: 'acc', of: 'final', op: '>=', arm: { 'thr.p': 0.5 }, than_arm: { 'thr.p': -0.5 } }] });
    const gt = expectedEffectSchema.parse({ statement: 'raised', checks: [{ metric: 'acc', of: 'final', op: '>', arm: { 'thr.p': 0.5 }, than_arm: { 'thr.p': -0.5 } }] });
    const tie = [member(0.5, 1, 1, 1), member(-0.5, 1, 1, 1)];
    expect(evaluateGroupEffect(ge, tie, true).state).toBe('observed');
    expect(evaluateGroupEffect(gt, tie, true).state).toBe('not_observed');
    expect(evaluateGroupEffect(ge, [member(0.5, 1, 1, 0.99), member(-0.5, 1, 1, 1)], true).state).toBe('not_observed');
  });
  it('pending until the group has finished; not observed when an arm has no succeeded run', () => {
    expect(evaluateGroupEffect(effect, [member(0.5, 1, 0.3, 0.4)], false).state).toBe('pending');
    const v = evaluateGroupEffect(effect, [member(0.5, 1, 0.3, 0.4), member(-0.5, 1, 0.3, 0.3, 'failed')], true);
    expect(v.state).toBe('not_observed');
    expect(v.checks[0]!.text).toMatch(/no succeeded run of arm thr.p=-0.5/);
  });
  it('one arm against a number (the plain arm’s accuracy falls: mean(−0.1, 0.02) = −0.04 < 0)', () => {
    const e = expectedEffectSchema.parse({ statement: 'plain falls', checks: [{ metric: 'acc', op: '<', arm: { 'thr.p': -0.5 }, than: 0 }] });
    expect(evaluateGroupEffect(e, [member(-0.5, 1, 0.4, 0.3), member(-0.5, 2, 0.5, 0.52), member(0.5, 1, 0.3, 0.9)], true).checks[0]).toEqual({
      text: 'acc change: thr.p=-0.5 -0.04 (n=2) < 0',
      holds: true,
    });
    expect(evaluateGroupEffect(e, [member(-0.5, 1, 0.4, 0.45), member(0.5, 1, 0.3, 0.1)], true).state).toBe('not_observed');
  });
  it('run checks in a group must hold on every succeeded run', () => {
    const e = expectedEffectSchema.parse({ statement: 'every arm learns', checks: [{ metric: 'acc', op: '>', than: 0 }] });
    expect(evaluateGroupEffect(e, [member(0.5, 1, 0.3, 0.4), member(-0.5, 1, 0.3, 0.31)], true).state).toBe('observed');
    expect(evaluateGroupEffect(e, [member(0.5, 1, 0.3, 0.4), member(-0.5, 1, 0.3, 0.3)], true).state).toBe('not_observed');
  });
});

describe('expected effect: the config field', () => {
  const base = { kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'knights_knaves' }] };
  it('is optional, and validated where given (errors name the field)', () => {
    const none = validateRunConfig(base);
    expect(none.ok && !('expected_effect' in none.config)).toBe(true);
    const ok = validateRunConfig({ ...base, expected_effect: { statement: 'x', checks: [{ metric: 'reward', op: '>', than: 0.1 }] } });
    expect(ok.ok).toBe(true);
    if (ok.ok) expect((ok.config as { expected_effect: { checks: { of: string }[] } }).expected_effect.checks[0]!.of).toBe('change');
    const both = validateRunConfig({ ...base, expected_effect: { statement: 'x', checks: [{ metric: 'reward', op: '>', than: 0.1, arm: { 'thr.p': 1 }, than_arm: { 'thr.p': 0 } }] } });
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.issues[0]!.path).toMatch(/^expected_effect\.checks\.0/);
    const halfArm = validateRunConfig({ ...base, expected_effect: { statement: 'x', checks: [{ metric: 'reward', op: '>', arm: { 'thr.p': 1 } }] } });
    expect(halfArm.ok).toBe(false);
    const noArm = validateRunConfig({ ...base, expected_effect: { statement: 'x', checks: [{ metric: 'reward', op: '>', than_arm: { 'thr.p': 1 } }] } });
    expect(noArm.ok).toBe(false);
    const badOp = validateRunConfig({ ...base, expected_effect: { statement: 'x', checks: [{ metric: 'reward', op: '==', than: 0 }] } });
    expect(badOp.ok).toBe(false);
  });
  it('is one JSON value in the editor, which does not create it', () => {
    const spec = formSpecFromSchema(CONFIG_SCHEMAS.grpo);
    const field = spec.fields.find((f) => f.key === 'expected_effect');
    expect(field?.type).toBe('json');
    expect(field?.description).toMatch(/Benchtop-only/);
    expect('expected_effect' in withDefaults(spec, {})).toBe(false);
  });
});
