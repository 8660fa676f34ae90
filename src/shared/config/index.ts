import type { z } from 'zod';
import { CONFIG_SCHEMAS, RUN_KINDS, type RunConfig, type RunKind } from '../kinds';

export * from './kinds';
export * from './common';
export * from './taskRefs';
export * from './pretrain';
export * from './sft';
export * from './evalRun';
export * from './prune';
export * from './grpo';
export * from './grpoScience';
export * from './value';
export * from './promptFormat';

export { CONFIG_SCHEMAS, runConfigSchema, runKindModule, kindModule, RUN_KIND_MODULES, type RunConfig, type RunConfigOf } from '../kinds';

/** One problem with a config: where (dotted path) and what was expected. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ConfigValidation = { ok: true; config: RunConfig } | { ok: false; issues: ConfigIssue[] };

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

type Issue = z.core.$ZodIssue;

/** What the field expected, in words. Messages written in the schemas are kept; zod's generic
 * ones ("Invalid input: expected string, received number", "Too big: …") are rephrased. */
function expectation(iss: Issue): string {
  const m = iss.message;
  switch (iss.code) {
    case 'invalid_type':
      return m.startsWith('Invalid input') ? `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}` : m;
    case 'invalid_value':
      return m.startsWith('Invalid option') || m.startsWith('Invalid input')
        ? `expected ${iss.values.length === 1 ? String(iss.values[0]) : 'one of ' + iss.values.map(String).join(', ')}`
        : m;
    case 'too_big':
    case 'too_small': {
      if (!m.startsWith('Too big') && !m.startsWith('Too small')) return m;
      const big = iss.code === 'too_big';
      const bound = Number(big ? (iss as { maximum: unknown }).maximum : (iss as { minimum: unknown }).minimum);
      const op = big ? (iss.inclusive ? '≤' : '<') : iss.inclusive ? '≥' : '>';
      if (iss.origin === 'array' || iss.origin === 'set') return `expected ${big ? 'at most' : 'at least'} ${bound} item${bound === 1 ? '' : 's'}`;
      if (iss.origin === 'string') return `expected ${big ? 'at most' : 'at least'} ${bound} character${bound === 1 ? '' : 's'}`;
      return `expected a number ${op} ${bound}`;
    }
    default:
      return m;
  }
}

/** Field names an object schema accepts at `path` (for "did you mean"), or [] if unknown. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  const unwrap = () => {
    for (let i = 0; i < 10; i++) {
      const def = (s as { def?: { type?: string; innerType?: unknown; in?: unknown } }).def;
      if (def && (def.type === 'default' || def.type === 'optional' || def.type === 'prefault' || def.type === 'nullable')) s = def.innerType;
      else if (def && def.type === 'pipe') s = def.in;
      else break;
    }
  };
  unwrap();
  for (const p of path) {
    const def = (s as { def?: { type?: string; element?: unknown } }).def;
    if (def?.type === 'array') s = def.element;
    else if (def?.type === 'object') s = (s as { shape: Record<string, unknown> }).shape[String(p)];
    else return [];
    unwrap();
  }
  const shape = (s as { def?: { type?: string }; shape?: Record<string, unknown> }).def?.type === 'object' ? (s as { shape: Record<string, unknown> }).shape : null;
  return shape ? Object.keys(shape) : [];
}

/** Levenshtein distance, for suggesting the field a typo meant. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

/** Validate an untrusted config object. Every issue names the field (dotted path) and what was
 * expected, and says what was found. Unknown fields are errors (a typo must not be silently
 * ignored), with a suggestion when a known field is close. */
export function validateRunConfig(input: unknown): ConfigValidation {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, issues: [{ path: '(config)', message: `expected an object with a 'kind' field, got ${describe(input)}` }] };
  }
  const kind = (input as Record<string, unknown>).kind;
  if (typeof kind !== 'string' || !(RUN_KINDS as readonly string[]).includes(kind)) {
    return {
      ok: false,
      issues: [{ path: 'kind', message: `expected one of ${RUN_KINDS.join(', ')}, ${kind === undefined ? 'but it is missing' : `got ${describe(kind)}`}` }],
    };
  }
  const schema = CONFIG_SCHEMAS[kind as RunKind];
  const res = schema.safeParse(input);
  if (res.success) return { ok: true, config: res.data as RunConfig };
  const issues: ConfigIssue[] = [];
  const dotted = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join('.') : '(config)');
  for (const iss of res.error.issues) {
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, iss.path);
      for (const key of iss.keys) {
        const near = known.map((k) => [k, editDistance(key, k)] as const).sort((x, y) => x[1] - y[1])[0];
        const hint = near && near[1] <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean '${near[0]}'?` : '';
        issues.push({ path: dotted([...iss.path, key]), message: `unknown field for a ${kind} config${hint}` });
      }
      continue;
    }
    const value = valueAt(input, iss.path);
    const message = expectation(iss);
    if (value === undefined) issues.push({ path: dotted(iss.path), message: iss.code === 'custom' ? message : `${message}, but it is missing` });
    else issues.push({ path: dotted(iss.path), message: `${message}, got ${describe(value)}` });
  }
  return { ok: false, issues };
}

export function formatConfigIssues(issues: ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}

/** Defaults for a kind: what the editor shows for a new run. */
export function defaultConfig(kind: RunKind, required: Record<string, unknown> = {}): Record<string, unknown> {
  const res = CONFIG_SCHEMAS[kind].safeParse({ kind, ...required });
  return res.success ? (res.data as Record<string, unknown>) : { kind, ...required };
}
