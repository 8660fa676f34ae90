/**
 * A sweep survives its process: the runs of a sweep queued by a process that then died are
 * adopted by the next Benchtop process on the data folder (like any orphaned queued run), run
 * in the sweep's order, and still form the group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunStore } from '../../../src/core/store';
import { createSweep } from '../../../src/core/sweeps';
import { fixtureConfig, openTestBackend, tempDir, until, type TestBackend } from '../support/backend';

const open: TestBackend[] = [];
const dirs: (() => void)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  dirs.splice(0).forEach((c) => c());
});

describe('sweeps across a restart', () => {
  it('queued runs of a dead process are adopted and finish as one group', async () => {
    const t = tempDir();
    dirs.push(t.cleanup);
    const store = RunStore.open(join(t.dir, 'benchtop.db'));
    // The process that queued the sweep has exited (its pid is gone) before running anything.
    const dead = { ownerId: 'dead-owner', pid: spawnSync(process.execPath, ['-e', '0']).pid!, host: hostname() };
    const made = createSweep(
      { store, supervisor: { owner: dead, enqueue: () => undefined }, emit: () => undefined },
      { name: 'restart', base: fixtureConfig(4), grid: [{ path: 'seed', values: [1, 2, 3] }] },
    );
    store.close();

    const tb = await openTestBackend({ mode: 'browser' }, t.dir);
    open.push(tb);
    const done = await until(async () => {
      const d = await tb.backend.handlers.getSweep(made.sweep.id);
      return d && d.progress.outcome !== 'pending' ? d : null;
    }, 60_000, 'the adopted sweep to finish');
    expect(done.progress).toMatchObject({ total: 3, done: 3, outcome: 'succeeded' });
    expect(done.runs.map((r) => r.id)).toEqual(made.runs.map((r) => r.id));
    expect(done.runs.map((r) => r.sweep?.point.seed)).toEqual([1, 2, 3]);
    // In queue order: each started after the one before it.
    for (let i = 1; i < done.runs.length; i++) expect(done.runs[i]!.startedAt!).toBeGreaterThanOrEqual(done.runs[i - 1]!.startedAt!);
  });
});
