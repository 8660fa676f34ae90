/**
 * Following one run from a terminal, for `benchtop run` and `benchtop resume`: progress on
 * stderr, the queue position while it waits for its turn (other runs of this data folder, in
 * any process, go first), the result on stdout, and the exit code of the run's outcome.
 *
 * Ctrl-C / SIGTERM / SIGHUP (the terminal was closed) cancel the run, which is then recorded
 * `cancelled` (resumable); a second Ctrl-C stops the runner at once. After SIGHUP nothing is
 * written to the terminal any more (it is gone).
 */
import type { Backend } from '../core/backend';
import type { RunRecord } from '../shared/records';
import { isTerminal } from '../shared/status';
import { ProgressView } from './progressView';
import { EXIT, type CliContext } from './registry';
import { metricLines, runDuration, withoutStack } from './runText';
import { watchTerminalSignals } from './terminalSignals';

export interface FollowOptions {
  json?: boolean;
}

/** While the run waits, how often its position is checked (ms). */
const POSITION_EVERY_MS = 1000;

export function exitCodeOf(run: RunRecord): number {
  if (!isTerminal(run.status)) return EXIT.failed;
  return run.status === 'succeeded' ? EXIT.ok : run.status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

export async function followRun(backend: Backend, ctx: CliContext, runId: string, opts: FollowOptions = {}): Promise<number> {
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      if (!terminal.hungUp()) view.message('cancelling… (press Ctrl-C again to stop it at once)');
      backend.supervisor.cancel(runId);
    } else {
      backend.supervisor.cancel(runId, { force: true });
    }
  };
  const terminal = watchTerminalSignals(ctx, onInterrupt);
  const { out, err } = terminal;
  const view = new ProgressView(ctx.stderr);
  const unsubscribe = backend.subscribe((e) => {
    if (terminal.hungUp() || (e.type === 'run' ? e.run.id : e.runId) !== runId) return;
    if (e.type === 'progress') view.update(e.progress);
    else if (e.type === 'metrics') for (const p of e.points) view.metric(p.key, p.value);
    else if (e.type === 'event' && (e.event.level === 'warn' || e.event.level === 'error')) {
      // A runner logs an error's stack as an event of its own: only with --debug.
      const text = withoutStack(e.event.text, ctx.debug);
      if (text) view.message(`${e.event.level}: ${text}`);
    }
  });


  // The supervisor's timers do not keep the process alive; this one does while the run waits
  // or runs, and reports the queue position when it changes.
  let lastPosition = '';
  const showPosition = () => {
    const run = backend.store.runs.get(runId, { includeDeleted: true });
    if (run?.status !== 'queued') {
      // Said once when a waiting run left the queue by starting — also when it started and
      // finished between two polls (a short run on a quiet machine), not when it was cancelled.
      if (lastPosition && run && run.status !== 'cancelled') err('its turn came: starting');
      lastPosition = '';
      return;
    }
    const { ahead, running } = backend.supervisor.queuePosition(runId);
    const limit = backend.getSettings().concurrency;
    const text = `queued: position ${ahead + 1} (${ahead} run(s) waiting before it, ${running} running in this data folder, at most ${limit} at once); waiting for its turn…`;
    if (text !== lastPosition) err(text);
    lastPosition = text;
  };
  const keepAlive = setInterval(() => {
    try {
      showPosition();
    } catch {
      /* the store is busy: try again on the next tick */
    }
  }, POSITION_EVERY_MS);
  try {
    showPosition();
    const final = await backend.supervisor.waitFor(runId);
    try {
      showPosition();
    } catch {
      /* the store is busy: the position line is cosmetic */
    }
    view.finish();
    const metrics = backend.store.telemetry.lastMetrics(runId);
    if (opts.json) {
      out(JSON.stringify({ run: final, metrics, artifacts: backend.store.telemetry.artifacts(runId) }, null, 2));
    } else {
      out(`status: ${final.status}${final.exitReason ? ` — ${final.exitReason}` : ''} (${runDuration(final)})`);
      for (const line of metricLines(metrics)) out(line);
      // The expected effect's verdict, as recorded when the run ended (decision 0038).
      for (const e of backend.store.telemetry.events(runId, { limit: 100_000 })) if (e.text.startsWith('expected effect:')) out(e.text);
    }
    return exitCodeOf(final);
  } finally {
    clearInterval(keepAlive);
    terminal.dispose();
    unsubscribe();
  }
}
