/**
 * An imported run's config is data from another machine, not a program to execute here. Before
 * it is stored (and again before an imported run may be resumed) it is validated against its
 * kind's schema, and every path in it is made harmless:
 *  - places a run writes to (`output_dir`, any `*_dir`, `*_output`) are cleared, so a resumed
 *    run writes to its own run folder;
 *  - any other string that names a file outside the data folder (absolute, `~`, or climbing with
 *    `..`) is re-rooted into the data folder (models/ for model references, the data folder
 *    itself otherwise), keeping only its last name: a missing file then gives a named error.
 */
import { isAbsolute, join, relative, resolve, win32 } from 'node:path';
import { formatConfigIssues, validateRunConfig } from '../../shared/config';
import { dataPaths } from '../paths';

export interface PathChange {
  /** Dotted field path, e.g. `output_dir` or `data.tasks.0.options.file`. */
  field: string;
  from: string;
  to: string;
}

export type SanitizeResult =
  | { ok: true; config: Record<string, unknown>; changes: PathChange[] }
  | { ok: false; message: string };

const WRITE_KEY = /(^|_)(dir|output|out)$/i;
const MODEL_KEYS = new Set(['model', 'teacher', 'base_model', 'reference_model']);
/** Free text, never a path. */
const TEXT_KEYS = new Set(['name', 'notes', 'tags']);

function looksLikePath(v: string): boolean {
  return isAbsolute(v) || win32.isAbsolute(v) || v.startsWith('~') || /[/\\]/.test(v);
}

/** Inside `root` once resolved against it (relative paths resolve against `root`). */
function staysInside(root: string, v: string): boolean {
  if (win32.isAbsolute(v) && !isAbsolute(v)) return false; // a Windows path on another OS
  if (v.startsWith('~')) return false;
  const rel = relative(root, resolve(root, v));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function lastName(v: string): string {
  const parts = v.split(/[/\\]+/).filter((p) => p && p !== '.' && p !== '..' && p !== '~' && !/^[A-Za-z]:$/.test(p));
  return parts[parts.length - 1] ?? '';
}

function walk(value: unknown, path: string[], dataDir: string, changes: PathChange[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)], dataDir, changes));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = path.length === 0 && TEXT_KEYS.has(k) ? v : walk(v, [...path, k], dataDir, changes);
    }
    return out;
  }
  if (typeof value !== 'string' || value === '') return value;
  const key = path[path.length - 1] ?? '';
  const field = path.join('.');
  if (WRITE_KEY.test(key)) {
    changes.push({ field, from: value, to: '' });
    return '';
  }
  if (!looksLikePath(value) || staysInside(dataDir, value)) return value;
  const name = lastName(value);
  const to = MODEL_KEYS.has(key) ? join(dataPaths(dataDir).models, name) : join(dataDir, name || 'missing');
  changes.push({ field, from: value, to });
  return to;
}

/** Validate an imported config and make its paths harmless (see the module comment). */
export function sanitizeImportedConfig(config: unknown, dataDir: string, where: string): SanitizeResult {
  const checked = validateRunConfig(config);
  if (!checked.ok) {
    return { ok: false, message: `${where}: the run's config is not a valid run config:\n${formatConfigIssues(checked.issues)}` };
  }
  const changes: PathChange[] = [];
  const root = resolve(dataDir);
  const cleaned = walk(config, [], root, changes) as Record<string, unknown>;
  // The cleaned config must still be valid (clearing a write path falls back to its default).
  const again = validateRunConfig(cleaned);
  if (!again.ok) {
    return { ok: false, message: `${where}: the run's config is not valid once its paths are moved into the data folder:\n${formatConfigIssues(again.issues)}` };
  }
  // Stored as validated (defaults filled in), as a run made here is.
  return { ok: true, config: again.config as unknown as Record<string, unknown>, changes };
}

/** Every string in `config` that names a place outside `dataDir` (for tests and checks). */
export function pathsOutside(config: unknown, dataDir: string): string[] {
  const out: string[] = [];
  const root = resolve(dataDir);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
    else if (typeof v === 'string' && v && looksLikePath(v) && !staysInside(root, v)) out.push(v);
  };
  visit(config);
  return out;
}

