/** `benchtop export-launch <id> --target trl|verl --out DIR`: a launch folder for the same experiment on a cluster. */
import { exportLaunch } from '../../core/launch/exportLaunch';
import { LAUNCH_TARGETS } from '../../engine/launch';
import { parseCommandArgs } from '../args';
import { openCliBackend, resolveRunIdOrSay } from '../home';
import { EXIT, UsageError, type CliCommand } from '../registry';

export const exportLaunchCommand: CliCommand = {
  name: 'export-launch',
  summary: 'write a launch folder (TRL train.py or verl overrides, task data, Python verifiers, MAPPING.md) to run an sft or grpo run on a cluster',
  usage: `benchtop export-launch <run id (or a unique part of it)> --target ${LAUNCH_TARGETS.join('|')} --out DIR (a new or empty folder)`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { target: { type: 'string', short: 't' }, out: { type: 'string', short: 'o' } });
    if (positionals.length !== 1) throw new UsageError('expected one run id');
    if (!values.target) throw new UsageError(`--target: expected ${LAUNCH_TARGETS.join(' or ')}`);
    if (!(LAUNCH_TARGETS as readonly string[]).includes(values.target)) throw new UsageError(`--target: expected ${LAUNCH_TARGETS.join(' or ')}, got '${values.target}'`);
    if (!values.out) throw new UsageError('--out: expected the folder to write (new or empty)');
    const backend = await openCliBackend(ctx);
    try {
      const id = resolveRunIdOrSay(backend, ctx, 'export-launch', positionals[0]!);
      if (id === null) return EXIT.failed;
      let res;
      try {
        res = exportLaunch({ store: backend.store, dataDir: backend.dataDir }, id, { target: values.target, out: values.out });
      } catch (e) {
        ctx.err(`export-launch: ${(e as Error).message}`);
        return EXIT.failed;
      }
      ctx.out(`launch folder ${res.dir}`);
      for (const f of res.files) ctx.out(`  ${f}`);
      if (res.unmapped.length) ctx.err(`${res.unmapped.length} setting(s) have no ${values.target} counterpart; see MAPPING.md: ${res.unmapped.join(', ')}`);
      return EXIT.ok;
    } finally {
      await backend.close();
    }
  },
};
