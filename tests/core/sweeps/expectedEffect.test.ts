/**
 * Expected effects end to end through the backend (real forked fixture runners, decision 0038):
 * a run's own checks are recorded as it ends (metric expected_effect/observed + an event), a
 * sweep group's arm comparison is derived from its runs and written into its group bundle.
 *
 * The fixture runner does gradient descent on a quadratic, so its loss falls (a run check that
 * holds) and falls further in the same number of steps with the larger step size (an arm
 * comparison that holds; closed form in tests/fixtures/fixtureExecutor.ts); the reverse statements must come out "not observed".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { EXPECTED_EFFECT_METRIC } from '../../../src/shared/expectedEffect';
import { fixtureLossAt } from '../../fixtures/fixtureExecutor';
import { fixtureConfig, openTestBackend, tempDir, until, type TestBackend } from '../support/backend';

let a: TestBackend;
let out: { dir: string; cleanup(): void };
beforeAll(async () => {
  a = await openTestBackend();
  out = tempDir('benchtop-effect-');
});
afterAll(async () => {
  await a?.close();
  out?.cleanup();
});

const lastValue = (runId: string) => a.backend.store.telemetry.lastMetrics(runId)[EXPECTED_EFFECT_METRIC]?.value;
const effectEvents = (runId: string) => a.backend.store.telemetry.events(runId).filter((e) => e.text.startsWith('expected effect:')).map((e) => e.text);

describe('expected effect through the backend', () => {
  it('records a run’s verdict when it succeeds: observed, and not observed for the reverse claim', async () => {
    const falls = await a.backend.handlers.createRun(fixtureConfig(5, {}, { expected_effect: { statement: 'the loss falls', checks: [{ metric: 'loss', op: '<', than: 0 }] } }));
    const rises = await a.backend.handlers.createRun(fixtureConfig(5, {}, { expected_effect: { statement: 'the loss rises', checks: [{ metric: 'loss', op: '>', than: 0 }] } }));
    const plain = await a.backend.handlers.createRun(fixtureConfig(3));
    for (const r of [falls, rises, plain]) await until(() => a.backend.store.runs.get(r.id)?.status === 'succeeded', 60_000, `run ${r.id} to succeed`);
    expect(lastValue(falls.id)).toBe(1);
    expect(effectEvents(falls.id)).toEqual([expect.stringMatching(/^expected effect: observed — the loss falls \(✓ loss change = -/)]);
    expect(lastValue(rises.id)).toBe(0);
    expect(effectEvents(rises.id)).toEqual([expect.stringMatching(/^expected effect: not observed — the loss rises/)]);
    expect(lastValue(plain.id)).toBeUndefined();
    expect(effectEvents(plain.id)).toEqual([]);
    // Recorded at the run's last step, so "last metrics" (CLI show, Compare) carry it.
    expect(a.backend.store.telemetry.lastMetrics(falls.id)[EXPECTED_EFFECT_METRIC]!.step).toBe(5);
  });

  it('checks a sweep group’s arm comparison once every run has ended, and writes it into the group bundle', async () => {
    const effect = {
      statement: 'a larger learning rate lowers the loss further in 4 steps',
      checks: [
        { metric: 'loss', of: 'final', op: '<', arm: { 'data.tasks.0.options.lr': 0.1 }, than_arm: { 'data.tasks.0.options.lr': 0.01 } },
        { metric: 'loss', op: '<', than: 0 },
      ],
    };
    const made = await a.backend.handlers.createSweep({
      name: 'lr effect',
      base: fixtureConfig(4, {}, { expected_effect: effect }),
      grid: [
        { path: 'data.tasks.0.options.lr', values: [0.01, 0.1] },
        { path: 'seed', values: [1, 2] },
      ],
    });
    expect(made.expectedEffect?.state).toBe('pending');
    const done = await until(async () => {
      const d = await a.backend.handlers.getSweep(made.sweep.id);
      return d?.progress.outcome === 'succeeded' ? d : null;
    }, 60_000, 'the sweep to finish');
    expect(done.expectedEffect?.state).toBe('observed');
    expect(done.expectedEffect?.checks.map((c) => c.holds)).toEqual([true, true]);
    // The arms' means against the fixture's closed form (4 steps, 16 dims).
    const fmt = (v: number) => String(Number(v.toPrecision(4)));
    expect(done.expectedEffect?.checks[0]!.text).toBe(
      `loss final: data.tasks.0.options.lr=0.1 ${fmt(fixtureLossAt(4, 16, 0.1))} (n=2) < data.tasks.0.options.lr=0.01 ${fmt(fixtureLossAt(4, 16, 0.01))} (n=2)`,
    );
    // Each run carries its own run check, recorded as it ended.
    for (const r of done.runs) expect(lastValue(r.id)).toBe(1);

    const bundle = await a.backend.handlers.exportSweep(made.sweep.id, { out: join(out.dir, 'effect.zip') });
    const files = unzipSync(readFileSync(bundle));
    const manifest = JSON.parse(strFromU8(files['sweep.json']!)) as { expected_effect?: { state: string; line: string } };
    expect(manifest.expected_effect?.state).toBe('observed');
    expect(manifest.expected_effect?.line).toMatch(/^expected effect: observed — a larger learning rate/);

    // The reverse comparison on the same runs' data is not observed.
    const reversed = await a.backend.handlers.createSweep({
      name: 'lr effect reversed',
      base: fixtureConfig(4, {}, { expected_effect: { statement: 'reverse', checks: [{ ...effect.checks[0], op: '>' }] } }),
      grid: [{ path: 'data.tasks.0.options.lr', values: [0.01, 0.1] }],
    });
    const rdone = await until(async () => {
      const d = await a.backend.handlers.getSweep(reversed.sweep.id);
      return d?.progress.outcome === 'succeeded' ? d : null;
    }, 60_000, 'the reversed sweep to finish');
    expect(rdone.expectedEffect?.state).toBe('not_observed');
    // Its runs have only an arm check: each says it is checked on the group, and records no value.
    for (const r of rdone.runs) {
      expect(lastValue(r.id)).toBeUndefined();
      expect(effectEvents(r.id)).toEqual(['expected effect: checked on the sweep group — reverse']);
    }
  });
});
