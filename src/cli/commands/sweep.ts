/**
 * `benchtop sweep <config> --grid path=v1,v2 …`: expand a config into a named group of runs
 * (grid and/or seeded random search), queue them all, and follow the group to the end.
 */
import { parse as parseYaml } from 'yaml';
import type { SweepGridAxis, SweepRandomAxis, SweepSpec } from '../../shared/sweeps';
import { parseCommandArgs, intOption } from '../args';
import { readConfigFile } from '../configFile';
import { openCliBackend } from '../home';
import { applyOverride } from '../overrides';
import { followSweep } from '../followSweep';
import { EXIT, UsageError, type CliCommand } from '../registry';
import { createSweep, SweepSpecError } from '../../core/sweeps';
import { basename, extname } from 'node:path';

/** Split `a,b,[c,d]` at top-level commas (lists and objects in values keep theirs). */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[' || ch === '{') depth++;
    if (ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function yamlValue(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

function splitAssignment(option: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--${option} ${text}: expected path=values (e.g. --${option} training.learning_rate=1e-5,3e-5)`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

export function parseGrid(text: string): SweepGridAxis {
  const [path, rest] = splitAssignment('grid', text);
  const values = splitValues(rest);
  if (values.some((v) => v === '')) throw new UsageError(`--grid ${text}: an empty value (two commas in a row?)`);
  return { path, values: values.map(yamlValue) as SweepGridAxis['values'] };
}

/** `--range path=min:max[:log][:int]` */
export function parseRange(text: string): SweepRandomAxis {
  const [path, rest] = splitAssignment('range', text);
  const [lo, hi, ...flags] = rest.split(':');
  const min = Number(lo);
  const max = Number(hi);
  if (lo === undefined || hi === undefined || lo.trim() === '' || hi.trim() === '' || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new UsageError(`--range ${text}: expected path=min:max with numbers (add :log for a log-uniform draw, :int for whole numbers)`);
  }
  const bad = flags.find((f) => f !== 'log' && f !== 'int');
  if (bad !== undefined) throw new UsageError(`--range ${text}: unknown flag '${bad}' (expected log or int)`);
  return { path, range: { min, max, log: flags.includes('log'), int: flags.includes('int') } };
}

export function parseChoice(text: string): SweepRandomAxis {
  const [path, rest] = splitAssignment('choice', text);
  return { path, choices: splitValues(rest).map(yamlValue) as NonNullable<SweepRandomAxis['choices']> };
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  summary: 'run a config over a grid (and/or a seeded random search) of field values, as one named group',
  usage: [
    'benchtop sweep <config.yaml|config.json> --grid path=v1,v2... [--grid ...] [--name NAME] [--set path=value]... [--json]',
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
    const grid = (values.grid ?? []).map(parseGrid);
    const axes = [...(values.range ?? []).map(parseRange), ...(values.choice ?? []).map(parseChoice)];
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
      ctx.err(`benchtop sweep: ${file}: expected a run config (an object with a 'kind' field)`);
      return EXIT.usage;
    }
    const base = raw as Record<string, unknown>;
    for (const a of values.set ?? []) applyOverride(base, a);
    const name = values.name ?? (typeof base.name === 'string' && base.name ? base.name : basename(file, extname(file)));
    const spec: SweepSpec = { name, base, grid, ...(count !== undefined ? { random: { count, seed, axes } } : {}) };

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
