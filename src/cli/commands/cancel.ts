/** `benchtop cancel <id>`: cancel a queued or running run, wherever it runs (this data folder's
 * app, a `benchtop serve`, another `benchtop run`): the owning process sees the request within
 * about half a second. `benchtop cancel sweep-<id>` cancels what is left of a sweep: its queued
 * runs at once, its running ones like a single run. */
import { isTerminal } from '../../shared/status';
import { intOption, parseCommandArgs } from '../args';
import type { Backend } from '../../core/backend';
import { openCliBackend, resolveRunIdOrSay } from '../home';
import { EXIT, UsageError, type CliCommand, type CliContext } from '../registry';

export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'cancel a queued or running run (also one running in another Benchtop process)',
  usage: 'benchtop cancel <run id | sweep id (sweep-…): its queued and running runs> [--wait SECONDS (default 20; 0 = do not wait)]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { wait: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected one run id or sweep id');
    const waitS = intOption('wait', values.wait, 0, 3600) ?? 20;
    const backend = await openCliBackend(ctx);
    try {
      if (positionals[0]!.startsWith('sweep-')) return await cancelSweep(backend, ctx, positionals[0]!, waitS);
      const id = resolveRunIdOrSay(backend, ctx, 'cancel', positionals[0]!);
      if (id === null) return EXIT.failed;
      const before = backend.store.runs.get(id, { includeDeleted: true });
      if (before && isTerminal(before.status)) {
        ctx.err(`benchtop cancel: run ${id} has already ended (${before.status})`);
        return EXIT.failed;
      }
      let run = await backend.handlers.cancelRun(id);
      if (run && run.status === 'running') {
        ctx.err(`cancel requested for run ${id}; waiting for the process running it to stop it…`);
        const t0 = Date.now();
        while (run && run.status === 'running' && Date.now() - t0 < waitS * 1000) {
          await new Promise((r) => setTimeout(r, 200));
          run = backend.store.runs.get(id, { includeDeleted: true });
        }
      }
      if (!run) {
        ctx.err(`benchtop cancel: no run with id '${id}'`);
        return EXIT.failed;
      }
      ctx.out(`${run.id} ${run.status}${run.exitReason ? ` — ${run.exitReason}` : ''}`);
      return run.status === 'running' && waitS > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      await backend.close();
    }
  },
};

/** Cancel the rest of a sweep, then wait (up to `waitS`) for its running runs to stop. Exit 0
 * when nothing of the group is left running (also when nothing was left to cancel). */
async function cancelSweep(backend: Backend, ctx: CliContext, ref: string, waitS: number): Promise<number> {
  let sweepId: string;
  try {
    sweepId = backend.store.sweeps.resolveId(ref);
  } catch (e) {
    ctx.err(`benchtop cancel: ${(e as Error).message}`);
    return EXIT.failed;
  }
  const r = await backend.handlers.cancelSweep(sweepId);
  ctx.out(`sweep ${sweepId}: ${r.cancelled.length} queued run${r.cancelled.length === 1 ? '' : 's'} cancelled, ${r.stopping.length} running run${r.stopping.length === 1 ? '' : 's'} asked to stop`);
  const running = () => backend.store.sweeps.runs(sweepId).filter((x) => r.stopping.includes(x.id) && x.status === 'running');
  if (r.stopping.length && waitS > 0) {
    ctx.err('waiting for the processes running them to stop them…');
    const t0 = Date.now();
    while (running().length && Date.now() - t0 < waitS * 1000) await new Promise((res) => setTimeout(res, 200));
  }
  for (const run of backend.store.sweeps.runs(sweepId)) ctx.out(`${run.id} ${run.status}${run.exitReason ? ` — ${run.exitReason}` : ''}`);
  return running().length && waitS > 0 ? EXIT.failed : EXIT.ok;
}
