/**
 * Sweep axes as people type them, shared by `benchtop sweep` and the New run editor's Sweep
 * section: `path=v1,v2` (grid values, each a YAML value), `path=min:max[:log][:int]` (a random
 * range) and `path=a,b,c` (random choices). Errors name the option and what was expected.
 */
import { parse as parseYaml } from 'yaml';
import type { SweepGridAxis, SweepRandomAxis } from './sweeps';

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
  if (eq <= 0 || eq === text.length - 1) throw new Error(`--${option} ${text}: expected path=values (e.g. --${option} training.learning_rate=1e-5,3e-5)`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

/** Comma-separated values, each read as YAML (`1e-5` a number, `true` a boolean, `[1, 2]` a list). */
export function parseValueList(what: string, text: string): SweepGridAxis['values'] {
  const values = splitValues(text);
  if (values.some((v) => v === '')) throw new Error(`${what}: an empty value (two commas in a row?)`);
  return values.map(yamlValue) as SweepGridAxis['values'];
}

export function parseGrid(text: string): SweepGridAxis {
  const [path, rest] = splitAssignment('grid', text);
  return { path, values: parseValueList(`--grid ${text}`, rest) };
}

/** `min:max[:log][:int]` */
export function parseRangeText(what: string, text: string): NonNullable<SweepRandomAxis['range']> {
  const [lo, hi, ...flags] = text.split(':');
  const min = Number(lo);
  const max = Number(hi);
  if (lo === undefined || hi === undefined || lo.trim() === '' || hi.trim() === '' || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new Error(`${what}: expected min:max with numbers (add :log for a log-uniform draw, :int for whole numbers)`);
  }
  const bad = flags.find((f) => f !== 'log' && f !== 'int');
  if (bad !== undefined) throw new Error(`${what}: unknown flag '${bad}' (expected log or int)`);
  return { min, max, log: flags.includes('log'), int: flags.includes('int') };
}

export function parseRange(text: string): SweepRandomAxis {
  const [path, rest] = splitAssignment('range', text);
  return { path, range: parseRangeText(`--range ${text}`, rest) };
}

export function parseChoice(text: string): SweepRandomAxis {
  const [path, rest] = splitAssignment('choice', text);
  return { path, choices: parseValueList(`--choice ${text}`, rest) };
}
