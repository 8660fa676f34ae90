/**
 * A task's generation options as a zod schema built from its `OptionSpec` list (the one schema
 * system: the same zod as the run configs), and `readOptions`, which fills defaults and rejects
 * unknown names and out-of-range values with a message naming the option and what was expected.
 * Each option's `doc` becomes its schema description, as config fields carry theirs.
 */
import { z } from 'zod';
import { TaskError, type OptionSpec, type OptionValues } from './types';

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** One option's schema; every failure carries the same message, "expected …". */
function optionSchema(spec: OptionSpec): z.ZodType {
  switch (spec.type) {
    case 'int': {
      const m = `expected a whole number in [${spec.min}, ${spec.max}]`;
      return z.number({ error: m }).int(m).min(spec.min, m).max(spec.max, m).default(spec.default);
    }
    case 'number': {
      const m = `expected a number in [${spec.min}, ${spec.max}]`;
      return z.number({ error: m }).min(spec.min, m).max(spec.max, m).default(spec.default);
    }
    case 'bool':
      return z.boolean({ error: 'expected true or false' }).default(spec.default);
    case 'enum':
      return z.enum(spec.values as [string, ...string[]], { error: `expected one of ${spec.values.join(', ')}` }).default(spec.default);
    case 'int_list': {
      const m = `expected a non-empty list of whole numbers in [${spec.min}, ${spec.max}]`;
      return z.array(z.number({ error: m }).int(m).min(spec.min, m).max(spec.max, m), { error: m }).min(1, m).transform(unique).default([...spec.default]);
    }
    case 'enum_list': {
      const m = `expected a non-empty list of ${spec.values.join(', ')}`;
      return z.array(z.enum(spec.values as [string, ...string[]], { error: m }), { error: m }).min(1, m).transform(unique).default([...spec.default]);
    }
  }
}

/** The options object of a task: every declared option with its default and doc; unknown names refused. */
export function taskOptionsSchema(specs: readonly OptionSpec[]): z.ZodType<OptionValues> {
  const shape: Record<string, z.ZodType> = {};
  for (const s of specs) shape[s.name] = optionSchema(s).meta({ description: s.doc });
  return z.object(shape).strict() as unknown as z.ZodType<OptionValues>;
}

const SCHEMAS = new WeakMap<readonly OptionSpec[], z.ZodType<OptionValues>>();

/** Defaults overlaid with `raw`, each value checked. `raw` may be undefined (all defaults). */
export function readOptions(task: string, specs: readonly OptionSpec[], raw: Record<string, unknown> | undefined): OptionValues {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new TaskError(task, null, `options must be an object of name → value, got ${describe(raw)}`);
  }
  let schema = SCHEMAS.get(specs);
  if (!schema) SCHEMAS.set(specs, (schema = taskOptionsSchema(specs)));
  const res = schema.safeParse(raw ?? {});
  if (res.success) return res.data;
  // An unknown name first: it is usually a typo of another option.
  const issue = res.error.issues.find((i) => i.code === 'unrecognized_keys') ?? res.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new TaskError(task, issue.keys[0]!, `unknown option; expected one of ${specs.map((s) => s.name).join(', ') || '(none)'}`);
  }
  const name = String(issue.path[0]);
  throw new TaskError(task, name, `${issue.message}, got ${describe(raw?.[name])}`);
}

/** Cross-option rule helper: `min_x ≤ max_x`. */
export function requireOrdered(task: string, opts: OptionValues, lo: string, hi: string): void {
  if ((opts[lo] as number) > (opts[hi] as number)) {
    throw new TaskError(task, lo, `expected ${lo} ≤ ${hi}, got ${lo} = ${opts[lo]} and ${hi} = ${opts[hi]}`);
  }
}
