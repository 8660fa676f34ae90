/**
 * `benchtop sweep <config> --grid path=v1,v2 …`: expand a config into a named group of runs
 * (grid and/or seeded random search), queue them all, and follow the group to the end.
 */
import type { SweepSpec } from '../../shared/sweeps';
import { sweepFileOf } from '../../shared/sweepFile';
import { parseChoice, parseGrid, parseRange } from '../../shared/sweepText';
import { parseCommandArgs, intOption } from '../args';
import { readConfigFile } from '../configFile';
import { openCliBackend } from '../home';
import { applyOverride } from '../overrides';
import { followSweep } from '../followSweep';
import { EXIT, UsageError, type CliCommand } from '../registry';
import { createSweep, SweepSpecError } from '../../core/sweeps';
import { basename, extname } from 'node:path';

/** The shared parsers' errors are usage errors here (printed with the usage line). */
function usage<T>(fn: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return fn(text);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  summary: 'run a config over a grid (and/or a seeded random search) of field values, as one named group',
  usage: [
    'benchtop sweep <config.yaml|config.json> --grid path=v1,v2... [--grid ...] [--name NAME] [--set path=value]... [--json]',
    '  or a sweep file (name, base: <run config>, grid: [{ path, values }]): benchtop sweep examples/thr-builtin.yaml',
    '  random search: --random N (--range path=min:max[:log][:int] | --choice path=a,b,c)... [--random-seed S]',
    '  e.g. benchtop sweep examples/grpo-builtin.yaml --grid training.learning_rate=1e-5,3e-5 --grid seed=1,2,3',
  ].join('\n'),
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      grid: { type: 'string', multiple: true },
      random: { type: 'string' },
      range: { type: 'string', multiple: true },
      choice: { type: 'string', multiple: true },
      'random-seed': { type: 'string' },
      name: { type: 'string' },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one config file');
    const file = positionals[0];
    const grid = (values.grid ?? []).map(usage(parseGrid));
    const axes = [...(values.range ?? []).map(usage(parseRange)), ...(values.choice ?? []).map(usage(parseChoice))];
    const count = intOption('random', values.random, 1);
    const seed = intOption('random-seed', values['random-seed'], 0) ?? 0;
    if (count === undefined && axes.length > 0) throw new UsageError('--range/--choice need --random N (how many draws)');
    if (count !== undefined && axes.length === 0) throw new UsageError('--random N needs at least one --range or --choice');

    let raw: unknown;
    try {
      raw = readConfigFile(file);
    } catch (err) {
      ctx.err(`benchtop sweep: ${(err as Error).message}`);
      return EXIT.usage;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      ctx.err(`benchtop sweep: ${file}: expected a run config (an object with a 'kind' field) or a sweep file (name, base, grid)`);
      return EXIT.usage;
    }
    // A sweep file (decision 0038: a preset comparing arms is one YAML) holds the whole spec —
    // name, base run config, grid — as a group bundle's sweep.json does; --grid adds axes to it.
    const file_ = sweepFileOf(raw as Record<string, unknown>);
    if (!file_.ok) {
      ctx.err(`benchtop sweep: ${file}: ${file_.error}`);
      return EXIT.usage;
    }
    const base = file_.base;
    for (const a of values.set ?? []) applyOverride(base, a);
    const name = values.name ?? file_.name ?? (typeof base.name === 'string' && base.name ? base.name : basename(file, extname(file)));
    const spec: SweepSpec = { name, base, grid: [...file_.grid, ...grid], ...(count !== undefined ? { random: { count, seed, axes } } : {}) };

    const backend = await openCliBackend(ctx, { execute: true });
    try {
      let made;
      try {
        made = createSweep({ store: backend.store, supervisor: backend.supervisor, emit: () => undefined }, spec);
      } catch (err) {
        if (!(err instanceof SweepSpecError)) throw err;
        ctx.err(`benchtop sweep: ${file}: ${err.message.replace(/^invalid sweep:\n/, 'not a valid sweep:\n')}`.replace(/\n/g, '\n  '));
        return EXIT.usage;
      }
      ctx.out(`sweep ${made.sweep.id}`);
      ctx.err(`${made.sweep.name}: ${made.runs.length} runs queued — data in ${backend.dataDir}`);
      return await followSweep(backend, ctx, made.sweep.id, { json: values.json });
    } finally {
      await backend.close();
    }
  },
};
