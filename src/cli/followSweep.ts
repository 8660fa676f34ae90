/**
 * Following a sweep from a terminal: one line each time a run of the group starts or ends, with
 * the group's progress; at the end a table of the runs (their swept values and status) on
 * stdout, and the exit code of the group's outcome (0 when every run succeeded).
 *
 * Ctrl-C / SIGTERM / SIGHUP cancel every unfinished run of the group (recorded `cancelled`); a
 * second Ctrl-C stops running ones at once.
 */
import type { Backend } from '../core/backend';
import { sweepDetail } from '../core/sweeps';
import type { RunRecord } from '../shared/records';
import { isTerminal } from '../shared/status';
import { formatSweepValue, pointLabel, sweepProgress, type SweepDetail, type SweepOutcome } from '../shared/sweeps';
import { verdictLine } from '../shared/expectedEffect';
import { EXIT, type CliContext } from './registry';
import { runDuration, table } from './runText';
import { watchTerminalSignals } from './terminalSignals';

/** A sweep's outcome line and its runs' table (id, status, time, swept values). */
export function sweepLines(detail: SweepDetail): string[] {
  const fields = detail.sweep.fields;
  return [
    `sweep ${detail.sweep.name}: ${detail.progress.outcome} (${detail.progress.counts.succeeded ?? 0}/${detail.progress.total} succeeded)`,
    ...(detail.expectedEffect ? [verdictLine(detail.expectedEffect)] : []),
    ...table(
      ['RUN', 'STATUS', 'TIME', ...fields],
      detail.runs.map((r) => [r.id, r.status, runDuration(r), ...fields.map((f) => formatSweepValue(r.sweep?.point[f]))]),
    ),
  ];
}

export function sweepExitCode(outcome: SweepOutcome): number {
  return outcome === 'succeeded' ? EXIT.ok : outcome === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

export async function followSweep(backend: Backend, ctx: CliContext, sweepId: string, opts: { json?: boolean } = {}): Promise<number> {
  const runs = backend.store.sweeps.runs(sweepId);
  const ids = new Set(runs.map((r) => r.id));
  const status = new Map(runs.map((r) => [r.id, 'queued' as RunRecord['status']]));
  const label = (r: RunRecord) => (r.sweep ? pointLabel(r.sweep.point) : r.name);

  let interrupts = 0;
  const cancelAll = () => {
    interrupts++;
    if (interrupts === 1) err('cancelling the sweep… (press Ctrl-C again to stop running runs at once)');
    for (const id of ids) if (!isTerminal(status.get(id) ?? 'queued')) backend.supervisor.cancel(id, interrupts > 1 ? { force: true } : undefined);
  };
  const terminal = watchTerminalSignals(ctx, cancelAll);
  const { out, err } = terminal;

  const report = (r: RunRecord) => {
    const p = sweepProgress([...status.values()].map((s) => ({ status: s })));
    const running = p.counts.running ?? 0;
    err(`[${p.done}/${p.total} done, ${running} running] ${r.id} ${label(r)}: ${r.status}${r.exitReason && r.status !== 'succeeded' ? ` — ${r.exitReason}` : ''}`);
  };
  const unsubscribe = backend.subscribe((e) => {
    if (e.type !== 'run' || !ids.has(e.run.id)) return;
    if (status.get(e.run.id) === e.run.status) return;
    status.set(e.run.id, e.run.status);
    if (e.run.status !== 'queued') report(e.run);
  });

  // The first run may have started before this subscription.
  for (const r of runs) {
    const now = backend.store.runs.get(r.id, { includeDeleted: true });
    if (now && now.status !== 'queued') {
      status.set(r.id, now.status);
      report(now);
    }
  }

  // The supervisor's timers do not keep the process alive; this one does while the group runs.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await Promise.all(runs.map((r) => backend.supervisor.waitFor(r.id)));
    const detail = sweepDetail(backend.store, sweepId)!;
    if (opts.json) {
      out(JSON.stringify(detail, null, 2));
    } else {
      for (const line of sweepLines(detail)) out(line);
    }
    return sweepExitCode(detail.progress.outcome);
  } finally {
    clearInterval(keepAlive);
    terminal.dispose();
    unsubscribe();
  }
}
