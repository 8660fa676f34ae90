/** `benchtop import FILE.zip`: verify a run bundle and add its run to this data folder. */
import { importRunBundle, importSweepBundle, isSweepBundle } from '../../core/bundles';
import { parseCommandArgs } from '../args';
import { openCliBackend } from '../home';
import { EXIT, UsageError, type CliCommand } from '../registry';

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'verify a run bundle (.zip) against its manifest and add its run (tagged imported); a sweep bundle adds its whole group',
  usage: 'benchtop import <bundle.zip>',
  async run(argv, ctx) {
    const { positionals } = parseCommandArgs(argv, {});
    if (positionals.length !== 1) throw new UsageError('expected one bundle file');
    const backend = await openCliBackend(ctx);
    try {
      if (await isSweepBundle(positionals[0]!)) {
        const { sweep, runs } = await importSweepBundle({ store: backend.store, dataDir: backend.dataDir }, positionals[0]!);
        ctx.out(`sweep ${sweep.id}`);
        for (const run of runs) ctx.out(`run ${run.id}`);
        ctx.err(`imported sweep '${sweep.name}' (${runs.length} runs) from ${positionals[0]}`);
        return EXIT.ok;
      }
      const run = await importRunBundle({ store: backend.store, dataDir: backend.dataDir }, positionals[0]!);
      ctx.out(`run ${run.id}`);
      ctx.err(`imported '${run.name}' (${run.kind}, ${run.status}) from ${positionals[0]}`);
      return EXIT.ok;
    } finally {
      await backend.close();
    }
  },
};
