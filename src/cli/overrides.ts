/**
 * `--set path=value` overrides for `benchtop run`: a dotted path into the config (numeric parts
 * index lists, e.g. `data.tasks.0.weight=2`) and a YAML value (`3`, `true`, `[a, b]`, `run:abc`).
 * Applied before validation, so a wrong path or value is reported like any config error.
 */
import { parse } from 'yaml';
import { UsageError } from './registry';

export function applyOverride(config: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${assignment}: expected path=value (e.g. --set training.max_steps=100)`);
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new UsageError(`--set ${assignment}: the path has an empty part`);
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
    let next = (container as Record<string | number, unknown>)[k];
    if (next === undefined || next === null) {
      next = /^\d+$/.test(path[i + 1]!) ? [] : {};
      (container as Record<string | number, unknown>)[k] = next;
    }
    if (typeof next !== 'object') throw new UsageError(`--set ${assignment}: ${path.slice(0, i + 1).join('.')} is a ${typeof next}, not an object or list`);
    node = next as Record<string, unknown> | unknown[];
  }
}
