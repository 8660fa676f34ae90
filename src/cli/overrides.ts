/**
 * `--set path=value` overrides for `benchtop run`: a dotted path into the config (numeric parts
 * index lists, e.g. `data.tasks.0.weight=2`) and a YAML value (`3`, `true`, `[a, b]`, `run:abc`).
 * Values are applied before validation, so a wrong value is reported like any config error; the
 * path itself must name a field of the kind's schema (free-form maps such as a task's options
 * take any key but `__proto__`, `constructor` and `prototype`), so `--set` can never reach
 * anything but the config's own data.
 */
import { parse } from 'yaml';
import { CONFIG_SCHEMAS, RUN_KINDS, type RunKind } from '../shared/config';
import { UsageError } from './registry';

/** Keys that would reach an object's prototype instead of a field of it. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface SchemaDef {
  type?: string;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
}
const defOf = (s: unknown): SchemaDef | undefined => (s as { def?: SchemaDef } | undefined)?.def;

function unwrap(s: unknown): unknown {
  for (let i = 0; i < 20; i++) {
    const def = defOf(s);
    if (def && (def.type === 'default' || def.type === 'optional' || def.type === 'prefault' || def.type === 'nullable' || def.type === 'readonly')) s = def.innerType;
    else if (def?.type === 'pipe') s = def.in;
    else break;
  }
  return s;
}

/**
 * Check `path` against the schema of `kind`: each part must be a field of an object schema or
 * an index into a list; below a map (record) or a value of open type any key is data. Throws
 * a UsageError naming the first part that is not a field, with the fields that are.
 */
export function checkOverridePath(kind: RunKind, path: readonly string[], assignment: string): void {
  let s: unknown = CONFIG_SCHEMAS[kind];
  for (const [i, key] of path.entries()) {
    const where = i === 0 ? `a ${kind} config` : path.slice(0, i).join('.');
    s = unwrap(s);
    const def = defOf(s);
    if (def?.type === 'object') {
      const shape = (s as { shape: Record<string, unknown> }).shape;
      if (!Object.hasOwn(shape, key)) {
        throw new UsageError(`--set ${assignment}: '${key}' is not a field of ${where}; expected one of ${Object.keys(shape).join(', ')}`);
      }
      s = shape[key];
    } else if (def?.type === 'array') {
      if (!/^\d+$/.test(key)) throw new UsageError(`--set ${assignment}: ${where} is a list; expected an index (0, 1, …), got '${key}'`);
      s = def.element;
    } else if (def?.type === 'record') {
      s = def.valueType;
    } else if (def?.type === 'unknown' || def?.type === 'any' || def?.type === 'union') {
      return; // open data from here on (forbidden keys are checked for the whole path)
    } else {
      throw new UsageError(`--set ${assignment}: ${where} is a single value, not an object or list; it has no field '${key}'`);
    }
  }
}

export function applyOverride(config: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${assignment}: expected path=value (e.g. --set training.max_steps=100)`);
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new UsageError(`--set ${assignment}: the path has an empty part`);
  const bad = path.find((p) => FORBIDDEN_KEYS.has(p));
  if (bad) throw new UsageError(`--set ${assignment}: '${bad}' is not a config field`);
  const kind = config.kind;
  if (typeof kind === 'string' && (RUN_KINDS as readonly string[]).includes(kind)) checkOverridePath(kind as RunKind, path, assignment);
  else if (path[0] !== 'kind') throw new UsageError(`--set ${assignment}: the config has no valid 'kind' (expected one of ${RUN_KINDS.join(', ')}), so its fields are unknown; set kind first`);
  const text = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    value = text; // not YAML: take it as a string
  }
  let node: Record<string, unknown> | unknown[] = config;
  for (const [i, key] of path.entries()) {
    const last = i === path.length - 1;
    const index = Array.isArray(node) ? Number(key) : NaN;
    if (Array.isArray(node) && !(Number.isInteger(index) && index >= 0 && index <= node.length)) {
      throw new UsageError(`--set ${assignment}: '${key}' is not an index of the list at ${path.slice(0, i).join('.')} (0–${node.length})`);
    }
    const container = node as Record<string, unknown>;
    const k = Array.isArray(node) ? index : key;
    if (last) {
      (container as Record<string | number, unknown>)[k] = value;
      return;
    }
    // Own properties only: an inherited member (e.g. Object.prototype's) is never walked into.
    let next = Object.hasOwn(container, k) ? (container as Record<string | number, unknown>)[k] : undefined;
    if (next === undefined || next === null) {
      next = /^\d+$/.test(path[i + 1]!) ? [] : {};
      (container as Record<string | number, unknown>)[k] = next;
    }
    if (typeof next !== 'object') throw new UsageError(`--set ${assignment}: ${path.slice(0, i + 1).join('.')} is a ${typeof next}, not an object or list`);
    node = next as Record<string, unknown> | unknown[];
  }
}
