/** `benchtop run <config>`: validate, execute in a runner process, follow it to the end. */
import { preflightRun } from '../../core/preflight';
import { parseCommandArgs } from '../args';
import { isSweepFile } from '../../shared/sweepFile';
import { readConfigFile } from '../configFile';
import { openCliBackend } from '../home';
import { applyOverride } from '../overrides';
import { followRun } from '../followRun';
import { EXIT, UsageError, type CliCommand } from '../registry';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'validate a run config (YAML or JSON) and execute it, with progress on stderr',
  usage: 'benchtop run <config.yaml|config.json> [--set path=value]... [--name NAME] [--tag TAG]... [--json]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      name: { type: 'string' },
      tag: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one config file');
    const file = positionals[0];
    let raw: unknown;
    try {
      raw = readConfigFile(file);
    } catch (err) {
      ctx.err(`benchtop run: ${(err as Error).message}`);
      return EXIT.usage;
    }
    if (raw && typeof raw === 'object' && !Array.isArray(raw) && isSweepFile(raw as Record<string, unknown>)) {
      ctx.err(`benchtop run: ${file} is a sweep file (name, base, grid): run it with \`benchtop sweep ${file}\`, or one of its runs with \`benchtop run\` on its base config`);
      return EXIT.usage;
    }
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      const obj = raw as Record<string, unknown>;
      if (values.name !== undefined) obj.name = values.name;
      if (values.tag?.length) obj.tags = [...(Array.isArray(obj.tags) ? obj.tags : []), ...values.tag];
      for (const a of values.set ?? []) applyOverride(obj, a);
    }
    // Everything is checked before the data folder is opened: a refused config leaves no run record.
    const checked = await preflightRun(raw, { dataDir: ctx.home, engine: !ctx.env.BENCHTOP_RUNNER_ENTRY });
    for (const w of checked.warnings) ctx.err(`benchtop run: warning: ${w.path}: ${w.message}`);
    if (!checked.ok || !checked.config) {
      ctx.err(`benchtop run: ${file} is not a valid run config:`);
      for (const i of checked.issues) ctx.err(`  ${i.path}: ${i.message}`);
      return EXIT.usage;
    }

    const backend = await openCliBackend(ctx, { execute: true });
    try {
      const run = await backend.handlers.createRun(checked.config as unknown as Record<string, unknown>);
      ctx.out(`run ${run.id}`);
      ctx.err(`${run.name} (${run.kind}) — data in ${backend.dataDir}`);
      // Waits its turn behind runs of other processes (decision 0006), then follows it to the end.
      return await followRun(backend, ctx, run.id, { json: values.json });
    } finally {
      await backend.close();
    }
  },
};
