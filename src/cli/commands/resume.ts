/** `benchtop resume <id>`: queue an interrupted, failed or cancelled run again (from its last
 * checkpoint) and follow it to the end, like `benchtop run`. An imported run needs
 * --trust-imported: its config came from another machine (it is validated and its paths are
 * kept inside the data folder before it runs). */
import { parseCommandArgs } from '../args';
import { followRun } from '../followRun';
import { openCliBackend, resolveRunIdOrSay } from '../home';
import { EXIT, UsageError, type CliCommand } from '../registry';

export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'resume an interrupted, failed or cancelled run from its last checkpoint and follow it',
  usage: 'benchtop resume <run id> [--trust-imported] [--json]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      'trust-imported': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('expected one run id');
    const backend = await openCliBackend(ctx, { execute: true });
    try {
      const id = resolveRunIdOrSay(backend, ctx, 'resume', positionals[0]!);
      if (id === null) return EXIT.failed;
      let run;
      try {
        run = backend.supervisor.resume(id, { trustImported: values['trust-imported'] === true });
      } catch (err) {
        ctx.err(`benchtop resume: ${(err as Error).message}`);
        return EXIT.failed;
      }
      ctx.out(`run ${run.id}`);
      ctx.err(`resuming ${run.name} (${run.kind}) — data in ${backend.dataDir}`);
      return await followRun(backend, ctx, run.id, { json: values.json });
    } finally {
      await backend.close();
    }
  },
};
