/** `benchtop cancel <id>`: cancel a queued or running run, wherever it runs (this data folder's
 * app, a `benchtop serve`, another `benchtop run`): the owning process sees the request within
 * about half a second. */
import { isTerminal } from '../../shared/status';
import { intOption, parseCommandArgs } from '../args';
import { openCliBackend, resolveRunIdOrSay } from '../home';
import { EXIT, UsageError, type CliCommand } from '../registry';

export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'cancel a queued or running run (also one running in another Benchtop process)',
  usage: 'benchtop cancel <run id> [--wait SECONDS (default 20; 0 = do not wait)]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { wait: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected one run id');
    const waitS = intOption('wait', values.wait, 0, 3600) ?? 20;
    const backend = await openCliBackend(ctx);
    try {
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
