/**
 * Which config fields differ between runs, by dotted path ("training.learning_rate",
 * "data.tasks.0.options.lr" — the same paths the config editor uses, config/paths.ts).
 * Pure functions of the configs.
 */

/** Marks a field one run's config does not have (distinct from an explicit null). */
export const MISSING: unique symbol = Symbol('missing');
export type CellValue = unknown | typeof MISSING;

export interface DiffRow {
  path: string;
  /** One value per config, MISSING where that config has no such field. */
  values: CellValue[];
  /** True unless every config has the field with the same value. */
  differs: boolean;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Leaves of a config by dotted path, in document order. Objects and lists of objects are
 * walked (list items by index); a list of plain values (tags, target modules, task names) is one
 * leaf, so ['q', 'v'] vs ['q'] reads as one changed field rather than a missing index. Empty
 * objects and lists are leaves too, so they are not silently dropped.
 */
export function flattenConfig(value: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  const at = (k: string | number) => (prefix ? `${prefix}.${k}` : String(k));
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (!entries.length && prefix) out.set(prefix, {});
    for (const [k, v] of entries) flattenConfig(v, at(k), out);
  } else if (Array.isArray(value) && value.some((x) => x !== null && typeof x === 'object')) {
    value.forEach((v, i) => flattenConfig(v, at(i), out));
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}

/** A canonical text of a leaf for equality (leaves are plain values, value lists or empties). */
function canonical(v: CellValue): string {
  if (v === MISSING) return '\u0000missing';
  if (v === undefined) return '\u0000undefined';
  return JSON.stringify(v);
}

/** Every path of every config (in first-seen order), with each config's value. */
export function configDiff(configs: readonly unknown[]): DiffRow[] {
  const flat = configs.map((c) => flattenConfig(c));
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of flat) for (const p of f.keys()) if (!seen.has(p)) (seen.add(p), paths.push(p));
  return paths.map((path) => {
    const values = flat.map((f) => (f.has(path) ? f.get(path) : MISSING));
    const first = canonical(values[0]);
    return { path, values, differs: values.some((v) => canonical(v) !== first) };
  });
}

/** How a config value is written in the table (MISSING as an em dash). */
export function formatConfigValue(v: CellValue): string {
  if (v === MISSING) return '—';
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}
