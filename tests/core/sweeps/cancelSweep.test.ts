/**
 * Cancelling a sweep as a group (the "Cancel remaining" button): queued runs are cancelled at
 * once, the running one is stopped through its runner, finished runs are left alone, and the
 * arguments are checked by the API schema like every method.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { validateApiArgs } from '../../../src/shared/api';
import { fixtureConfig, openTestBackend, until, type TestBackend } from '../support/backend';

const open: TestBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('cancelSweep', () => {
  it('cancels the queued runs, stops the running one and keeps the finished one', async () => {
    const tb = await openTestBackend();
    open.push(tb);
    const { handlers, supervisor } = tb.backend;
    // Concurrency 1: the first (fast) run finishes, the second runs for seconds, the rest wait.
    const made = await handlers.createSweep({
      name: 'to cancel',
      base: fixtureConfig(400),
      grid: [{ path: 'data.tasks.0.options.step_ms', values: [0, 20, 20, 20] }],
    });
    const [fast, slow, ...waiting] = made.runs.map((r) => r.id);
    await supervisor.waitFor(fast!);
    await until(async () => ((await handlers.getRun(slow!))?.progress?.step ?? 0) >= 2, 30_000, 'the second run to take steps');

    const r = await handlers.cancelSweep(made.sweep.id);
    expect(r.cancelled).toEqual(waiting);
    expect(r.stopping).toEqual([slow]);
    // Queued runs are cancelled before the call returns; the running one is still stopping.
    for (const id of waiting) expect(r.detail.runs.find((x) => x.id === id)?.status).toBe('cancelled');

    const done = await until(async () => {
      const d = await handlers.getSweep(made.sweep.id);
      return d && d.progress.outcome !== 'pending' ? d : null;
    }, 30_000, 'the group to finish');
    expect(Object.fromEntries(done.runs.map((x) => [x.id, x.status]))).toEqual({
      [fast!]: 'succeeded',
      [slow!]: 'cancelled',
      ...Object.fromEntries(waiting.map((id) => [id, 'cancelled'])),
    });
    expect(done.progress.outcome).toBe('cancelled');
    // The stopped run had started and logged steps before it stopped (a cancel, not a skip).
    expect((await handlers.getRun(slow!))!.exitReason).not.toBe('cancelled before it started');
    expect((await handlers.getMetricSeries(slow!, 'loss')).steps.length).toBeGreaterThan(0);

    // Nothing left: a second cancel changes nothing.
    const again = await handlers.cancelSweep(made.sweep.id);
    expect(again).toMatchObject({ cancelled: [], stopping: [] });
  });

  it('rejects an unknown sweep, and bad arguments before any handler runs', async () => {
    const tb = await openTestBackend({ execute: false });
    open.push(tb);
    await expect(tb.backend.handlers.cancelSweep('sweep-nope')).rejects.toThrow(/no sweep with id 'sweep-nope'/);
    expect(validateApiArgs('cancelSweep', ['sweep-1'])).toEqual({ ok: true, args: ['sweep-1'] });
    expect(validateApiArgs('cancelSweep', [])).toMatchObject({ ok: false });
    expect(validateApiArgs('cancelSweep', [''])).toMatchObject({ ok: false, error: expect.stringMatching(/expected a sweep id/) });
    expect(validateApiArgs('cancelSweep', [42])).toMatchObject({ ok: false });
    expect(validateApiArgs('cancelSweep', ['x'.repeat(81)])).toMatchObject({ ok: false });
  });
});
