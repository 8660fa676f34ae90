/**
 * The run queue from the CLI (decision 0006): a second `benchtop run` waits its turn with a
 * printed position and exits with its run's outcome (or runs alongside when the concurrency
 * setting allows); `benchtop resume`; a CLI killed with SIGKILL while `serve` is open is noticed
 * by `serve` (pid + process start time) and its run marked interrupted within seconds; SIGHUP
 * (terminal closed) cancels the run like Ctrl-C.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunStore } from '../../src/core/store';
import { fixtureLossAt } from '../fixtures/fixtureExecutor';
import { tempDir, until } from '../core/support/backend';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'benchtop.mjs');
const RUNNER = join(ROOT, 'tests', 'fixtures', 'runner-fixture.ts');

let home: string;
let cleanup: () => void;
const children: ChildProcess[] = [];
beforeEach(() => ({ dir: home, cleanup } = tempDir('benchtop-queue-')));
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cleanup();
});

function start(args: string[], opts: { ownProcessGroup?: boolean } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: home,
    env: { ...process.env, BENCHTOP_HOME: home, BENCHTOP_RUNNER_ENTRY: RUNNER },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.ownProcessGroup === true,
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, ...out })));
  return { child, out, done };
}

function config(name: string, steps: number, stepMs: number, checkpointEvery = 0): string {
  const file = join(home, `${name}.json`);
  writeFileSync(file, JSON.stringify({ kind: 'pretrain', name, data: { tasks: [{ task: 'arithmetic', options: { step_ms: stepMs } }] }, training: { max_steps: steps, checkpoint_every: checkpointEvery } }));
  return file;
}

const runIdOf = (stdout: string) => /^run (\S+)$/m.exec(stdout)?.[1];

/** Read the store directly (read-only, no Benchtop process involved). */
function readRun(id: string): { status: string; started_at: number | null; ended_at: number | null; exit_reason: string | null } | undefined {
  if (!existsSync(join(home, 'benchtop.db'))) return undefined;
  const db = new DatabaseSync(join(home, 'benchtop.db'), { readOnly: true, timeout: 5000 });
  try {
    return db.prepare('SELECT status, started_at, ended_at, exit_reason FROM runs WHERE id = ?').get(id) as never;
  } catch (err) {
    if (/no such table/.test((err as Error).message)) return undefined; // the CLI is still creating the store
    throw err;
  } finally {
    db.close();
  }
}

function checkpointStep(id: string): number {
  const db = new DatabaseSync(join(home, 'benchtop.db'), { readOnly: true, timeout: 5000 });
  try {
    return Number(db.prepare('SELECT step FROM checkpoints WHERE run_id = ?').get(id)?.step ?? 0);
  } finally {
    db.close();
  }
}

function lossSteps(id: string): number[] {
  const store = RunStore.open(join(home, 'benchtop.db'));
  try {
    const pts = store.telemetry.metricPoints(id, 'loss');
    for (const p of pts) expect(p.value).toBeCloseTo(fixtureLossAt(p.step), 10);
    return pts.map((p) => p.step);
  } finally {
    store.close();
  }
}

describe('the run queue from the CLI', () => {
  it('a second `benchtop run` waits its turn with its position, then both succeed one after the other', async () => {
    // Long enough (≈15 s) that the second CLI starts while it trains, even on a busy machine.
    const a = start(['run', config('first', 300, 50)]);
    await until(() => readRun(runIdOf(a.out.stdout) ?? '')?.status === 'running', 30_000, 'the first run to train');
    const b = start(['run', config('second', 20, 5)]);
    await until(() => /queued: position 1 \(0 run\(s\) waiting before it, 1 running/.test(b.out.stderr), 30_000, 'the second run to report its position');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    expect(rb.stderr).toMatch(/its turn came: starting/);
    expect(rb.stdout).toMatch(/^status: succeeded/m);
    const ia = readRun(runIdOf(ra.stdout)!)!;
    const ib = readRun(runIdOf(rb.stdout)!)!;
    expect([ia.status, ib.status]).toEqual(['succeeded', 'succeeded']);
    expect(ib.started_at!).toBeGreaterThanOrEqual(ia.ended_at!); // never two at once (concurrency 1)
    expect(lossSteps(runIdOf(rb.stdout)!)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  }, 120_000);

  it('with concurrency 2 in the settings, the second run starts alongside the first', async () => {
    const s = RunStore.open(join(home, 'benchtop.db'));
    s.catalog.setSetting('concurrency', 2);
    s.close();
    const a = start(['run', config('first', 300, 50)]);
    await until(() => readRun(runIdOf(a.out.stdout) ?? '')?.status === 'running', 30_000, 'the first run to train');
    const b = start(['run', config('second', 10, 5)]);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(rb.stderr).not.toMatch(/queued: position/);
    const ia = readRun(runIdOf(ra.stdout)!)!;
    const ib = readRun(runIdOf(rb.stdout)!)!;
    expect(ib.started_at!).toBeLessThan(ia.ended_at!); // overlapped
  }, 120_000);

  it('kill -9 of a `benchtop run` while `serve` is open: serve marks the run interrupted within 5 s; `benchtop resume` finishes it', async () => {
    const serve = start(['serve', '--port', '0']);
    await until(() => /Benchtop is running at/.test(serve.out.stdout), 30_000, 'serve');
    const r = start(['run', config('victim', 60, 60, 10)]);
    const id = await until(() => runIdOf(r.out.stdout), 30_000, 'the run id');
    await until(() => checkpointStep(id) >= 10, 30_000, 'a checkpoint to be recorded');
    r.child.kill('SIGKILL');
    await r.done;
    const killedAt = Date.now();
    const seen = await until(() => (readRun(id)?.status === 'interrupted' ? Date.now() : null), 20_000, 'the run to be marked interrupted');
    expect(seen - killedAt).toBeLessThan(5_000);
    expect(readRun(id)!.exit_reason).toMatch(/stopped before the run finished/);

    serve.child.kill('SIGTERM');
    expect((await serve.done).code).toBe(0);
    const res = await start(['resume', id.slice(-8)]).done;
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^status: succeeded/m);
    expect(lossSteps(id)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  }, 120_000);

  it('a `benchtop run` killed while its run waits: `serve` takes the queued run over and runs it', async () => {
    const serve = start(['serve', '--port', '0']);
    await until(() => /Benchtop is running at/.test(serve.out.stdout), 30_000, 'serve');
    const a = start(['run', config('first', 300, 50)]);
    await until(() => readRun(runIdOf(a.out.stdout) ?? '')?.status === 'running', 30_000, 'the first run to start');
    const b = start(['run', config('waiting', 5, 1)]);
    await until(() => /queued: position 1/.test(b.out.stderr), 30_000, 'the second run to wait');
    const id = runIdOf(b.out.stdout)!;
    b.child.kill('SIGKILL');
    await b.done;
    expect((await a.done).code).toBe(0);
    await until(() => readRun(id)?.status === 'succeeded', 30_000, 'serve to run the orphaned queued run');
    expect(lossSteps(id)).toEqual([1, 2, 3, 4, 5]);
    serve.child.kill('SIGTERM');
    expect((await serve.done).code).toBe(0);
  }, 120_000);

  it('SIGHUP (terminal closed) cancels the run like Ctrl-C and records it', async () => {
    // In its own process group, so the hang-up reaches the CLI and its runner together, as
    // closing a terminal does.
    const r = start(['run', config('hup', 5000, 10)], { ownProcessGroup: true });
    const id = await until(() => runIdOf(r.out.stdout), 30_000, 'the run id');
    await until(() => readRun(id)?.status === 'running' && /\d+% \d+\/5000/.test(r.out.stderr), 30_000, 'the run to train');
    process.kill(-r.child.pid!, 'SIGHUP');
    const res = await r.done;
    expect(res.code).toBe(130);
    const run = readRun(id)!;
    expect(run.status).toBe('cancelled');
    expect(run.exit_reason).toBe('cancelled by request');
  }, 60_000);

  it('resume refuses a run that cannot be resumed, naming why', async () => {
    const done = await start(['run', config('ok', 3, 1)]).done;
    const res = await start(['resume', runIdOf(done.stdout)!]).done;
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/is succeeded; only interrupted, failed or cancelled runs can be resumed/);
  }, 60_000);
});
