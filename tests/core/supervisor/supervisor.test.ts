/**
 * The supervisor with real forked runners (tests/fixtures/runner-fixture.ts through tsx) and a
 * real SQLite file: read-back against the fixture's closed form, SIGKILL, cancel, kill after a
 * cancel timeout, FIFO order and the concurrency limit, failures, resume, and close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PushEvent } from '../../../src/shared/api';
import type { MetricPoint, RunRecord } from '../../../src/shared/records';
import { fixtureLossAt } from '../../fixtures/fixtureExecutor';
import { fixtureConfig, openTestBackend, until, type TestBackend } from '../support/backend';

const open: TestBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});
async function setup(opts: Parameters<typeof openTestBackend>[0] = {}): Promise<TestBackend> {
  const t = await openTestBackend(opts);
  open.push(t);
  return t;
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Track how many runs are `running` at once, and in which order they started. */
function concurrencyProbe(events: PushEvent[]) {
  return () => {
    const running = new Set<string>();
    let max = 0;
    const started: string[] = [];
    for (const e of events) {
      if (e.type !== 'run') continue;
      if (e.run.status === 'running') {
        if (!running.has(e.run.id) && !started.includes(e.run.id)) started.push(e.run.id);
        running.add(e.run.id);
      } else running.delete(e.run.id);
      max = Math.max(max, running.size);
    }
    return { max, started };
  };
}

describe('supervisor with forked runners', () => {
  it('records what the runner reports: metrics (checked against the closed form), progress, events, device, checkpoint, artifact', async () => {
    const { backend } = await setup();
    const run = await backend.handlers.createRun(fixtureConfig(40, { samples_every: 10 }, { training: { max_steps: 40, checkpoint_every: 20 } }));
    expect(run.status).toBe('running');
    const final = await backend.supervisor.waitFor(run.id);
    expect(final).toMatchObject({ status: 'succeeded', exitReason: null, device: 'cpu (test fixture)' });
    expect(final.progress).toMatchObject({ step: 40, total: 40, phase: 'train' });

    const h = backend.handlers;
    // The run's own series; system/* ones join when the run lasts past the sampling interval.
    expect((await h.getMetricKeys(run.id)).filter((k) => !k.startsWith('system/'))).toEqual(['grad_norm', 'loss']);
    const loss = await h.getMetricSeries(run.id, 'loss');
    expect(loss.steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    loss.values.forEach((v, i) => expect(v).toBeCloseTo(fixtureLossAt(i + 1), 12));
    expect((await h.getSamples(run.id)).map((s) => s.step)).toEqual([10, 20, 30, 40]);
    expect((await h.getEvents(run.id)).map((e) => e.text)).toEqual(expect.arrayContaining(['fixture starts at step 0 of 40', 'fixture finished']));
    expect(backend.store.telemetry.checkpoint(run.id)?.step).toBe(40);

    const [art] = await h.getArtifacts(run.id);
    const bytes = readFileSync(art.path);
    expect(art).toMatchObject({ kind: 'weights', bytes: bytes.length });
    expect(art.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('a runner killed with SIGKILL mid-run leaves the run failed with every metric it sent', async () => {
    const { backend, events } = await setup();
    const run = await backend.handlers.createRun(fixtureConfig(2000, { step_ms: 15 }));
    const sent: (MetricPoint & { at: number })[] = [];
    backend.subscribe((e) => {
      if (e.type === 'metrics' && e.runId === run.id) for (const p of e.points) sent.push({ ...p, at: Date.now() });
    });
    // Wait until some points have been out for more than a second, then kill.
    await until(() => sent.length > 0 && sent[0].at < Date.now() - 1200, 20_000, 'metrics older than 1 s');
    const pid = backend.supervisor.runnerPid(run.id)!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    const final = await backend.supervisor.waitFor(run.id);
    expect(final.status).toBe('failed');
    expect(final.exitReason).toMatch(/killed by SIGKILL/);
    expect(pidAlive(pid)).toBe(false);
    // Everything flushed ≥ 1 s before death is in SQLite — in fact everything that was sent.
    const early = sent.filter((p) => p.key === 'loss' && p.at <= killedAt - 1000);
    const stored = await backend.handlers.getMetricSeries(run.id, 'loss');
    const byStep = new Map(stored.steps.map((s, i) => [s, stored.values[i]]));
    for (const p of sent.filter((q) => q.key === 'loss')) expect(byStep.get(p.step)).toBe(p.value);
    expect(early.length).toBeGreaterThan(0);
    expect(stored.steps.length).toBeGreaterThanOrEqual(sent.filter((p) => p.key === 'loss').length);
    for (const [s, v] of byStep) expect(v).toBeCloseTo(fixtureLossAt(s), 12);
    expect(stored.steps.length).toBeLessThan(2000);
    expect(events.some((e) => e.type === 'run' && e.run.id === run.id && e.run.status === 'failed')).toBe(true);
  });

  it('cancel: the executor sees the signal, the run ends cancelled and the runner is gone', async () => {
    const { backend } = await setup();
    const run = await backend.handlers.createRun(fixtureConfig(2000, { step_ms: 10 }));
    await until(() => backend.store.telemetry.metricCount(run.id) > 0 || backend.store.runs.get(run.id)?.progress, 20_000, 'first metrics');
    const pid = backend.supervisor.runnerPid(run.id)!;
    await backend.handlers.cancelRun(run.id);
    const final = await backend.supervisor.waitFor(run.id);
    expect(final).toMatchObject({ status: 'cancelled', exitReason: 'cancelled by request' });
    expect(pidAlive(pid)).toBe(false);
    const n = backend.store.telemetry.metricCount(run.id, 'loss');
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(2000);
  });

  it('a runner that ignores cancel is killed after the cancel timeout', async () => {
    const { backend } = await setup({ cancelTimeoutMs: 300 });
    const run = await backend.handlers.createRun(fixtureConfig(5000, { step_ms: 10, ignore_cancel: true }));
    await until(() => backend.store.runs.get(run.id)?.progress, 20_000, 'progress');
    const pid = backend.supervisor.runnerPid(run.id)!;
    backend.supervisor.cancel(run.id);
    const final = await backend.supervisor.waitFor(run.id);
    expect(final.status).toBe('cancelled');
    expect(final.exitReason).toMatch(/did not stop within 300 ms and was killed/);
    expect(pidAlive(pid)).toBe(false);
  });

  it('limit 1: runs start in FIFO order and never two at once; a queued run can be cancelled', async () => {
    const { backend, events } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await backend.handlers.createRun(fixtureConfig(8, { step_ms: 5 }))).id);
    expect(backend.store.runs.get(ids[1])?.status).toBe('queued');
    await backend.handlers.cancelRun(ids[2]);
    expect(backend.store.runs.get(ids[2])).toMatchObject({ status: 'cancelled', exitReason: 'cancelled before it started' });
    const finals: RunRecord[] = [];
    for (const id of [ids[0], ids[1], ids[3]]) finals.push(await backend.supervisor.waitFor(id));
    expect(finals.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const probe = concurrencyProbe(events)();
    expect(probe.max).toBe(1);
    expect(probe.started).toEqual([ids[0], ids[1], ids[3]]);
    for (let i = 1; i < finals.length; i++) expect(finals[i].startedAt!).toBeGreaterThanOrEqual(finals[i - 1].endedAt!);
  });

  it('limit 2: two run at once, the third waits and starts in order', async () => {
    const { backend, events } = await setup();
    await backend.handlers.updateSettings({ concurrency: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await backend.handlers.createRun(fixtureConfig(30, { step_ms: 10 }))).id);
    expect(ids.map((id) => backend.store.runs.get(id)?.status)).toEqual(['running', 'running', 'queued']);
    const finals = await Promise.all(ids.map((id) => backend.supervisor.waitFor(id)));
    expect(finals.every((r) => r.status === 'succeeded')).toBe(true);
    const probe = concurrencyProbe(events)();
    expect(probe.max).toBe(2);
    expect(probe.started).toEqual(ids);
    expect(finals[2].startedAt!).toBeGreaterThanOrEqual(Math.min(finals[0].endedAt!, finals[1].endedAt!));
  });

  it('failures: an executor error and a hard exit both end failed with the reason', async () => {
    const { backend, events } = await setup();
    await backend.handlers.updateSettings({ concurrency: 2 });
    const a = await backend.handlers.createRun(fixtureConfig(50, { fail_at_step: 5 }));
    const b = await backend.handlers.createRun(fixtureConfig(50, { exit_at_step: 12, step_ms: 30 }));
    const pushed = () => events.filter((e) => e.type === 'metrics' && e.runId === b.id).reduce((n, e) => n + (e.type === 'metrics' ? e.points.filter((p) => p.key === 'loss').length : 0), 0);
    const [fa, fb] = await Promise.all([backend.supervisor.waitFor(a.id), backend.supervisor.waitFor(b.id)]);
    expect(fa).toMatchObject({ status: 'failed', exitReason: 'fixture failure at step 5: the loss head exploded (test)' });
    expect(fb.status).toBe('failed');
    expect(fb.exitReason).toMatch(/exited with code 3 before reporting a result; last output: fixture exiting hard at step 12/);
    // Every metric the runner got out before dying was kept (only its last unsent batch is lost).
    expect(pushed()).toBeGreaterThan(0);
    expect(backend.store.telemetry.metricCount(b.id, 'loss')).toBe(pushed());
    expect(pushed()).toBeLessThanOrEqual(12);
    // The executor's error ended its run cleanly: all 5 steps were flushed before `error`.
    expect(backend.store.telemetry.metricCount(a.id, 'loss')).toBe(5);
    expect((await backend.handlers.getEvents(a.id)).some((e) => e.level === 'error' && e.text.includes('fixture failure'))).toBe(true);
  });

  it('resume: a failed run is queued again and its runner gets the last checkpoint', async () => {
    const { backend } = await setup();
    // Dies at step 17 every time; checkpoints every 5 steps.
    const cfg = fixtureConfig(30, { exit_at_step: 17, step_ms: 30 }, { training: { max_steps: 30, checkpoint_every: 5 } });
    const run = await backend.handlers.createRun(cfg);
    expect((await backend.supervisor.waitFor(run.id)).status).toBe('failed');
    const cp = backend.store.telemetry.checkpoint(run.id)!;
    expect(cp.step).toBe(15);
    const queued = await backend.handlers.resumeRun(run.id);
    expect(['queued', 'running']).toContain(queued.status);
    const second = await backend.supervisor.waitFor(run.id);
    expect(second.status).toBe('failed');
    const texts = (await backend.handlers.getEvents(run.id)).map((e) => e.text);
    expect(texts).toContain('resume requested: continues from the checkpoint at step 15');
    expect(texts).toContain(`resuming from the checkpoint at step 15 (${cp.dir})`);
    expect(texts).toContain('fixture starts at step 15 of 30');
    const loss = await backend.handlers.getMetricSeries(run.id, 'loss');
    expect(loss.steps.length).toBeGreaterThanOrEqual(15);
    expect(loss.steps).toEqual(Array.from({ length: loss.steps.length }, (_, i) => i + 1));
    loss.values.forEach((v, i) => expect(v).toBeCloseTo(fixtureLossAt(i + 1), 12));
    await expect(backend.handlers.resumeRun('nope')).rejects.toThrow(/no run with id 'nope'/);
    const ok = await backend.handlers.createRun(fixtureConfig(3));
    await backend.supervisor.waitFor(ok.id);
    await expect(backend.handlers.resumeRun(ok.id)).rejects.toThrow(/is succeeded; only interrupted, failed or cancelled runs can be resumed/);
  });

  it('resume after an interruption runs to the end from the checkpoint', async () => {
    const { backend } = await setup();
    const run = await backend.handlers.createRun(fixtureConfig(40, { step_ms: 15 }, { training: { max_steps: 40, checkpoint_every: 4 } }));
    await until(() => (backend.store.telemetry.checkpoint(run.id)?.step ?? 0) >= 8, 20_000, 'a checkpoint');
    process.kill(backend.supervisor.runnerPid(run.id)!, 'SIGKILL');
    expect((await backend.supervisor.waitFor(run.id)).status).toBe('failed');
    const cp = backend.store.telemetry.checkpoint(run.id)!;
    await backend.handlers.resumeRun(run.id);
    const final = await backend.supervisor.waitFor(run.id);
    expect(final.status).toBe('succeeded');
    const loss = await backend.handlers.getMetricSeries(run.id, 'loss');
    expect(loss.steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    loss.values.forEach((v, i) => expect(v).toBeCloseTo(fixtureLossAt(i + 1), 12));
    expect((await backend.handlers.getEvents(run.id)).map((e) => e.text)).toContain(`fixture starts at step ${cp.step} of 40`);
  });
});
