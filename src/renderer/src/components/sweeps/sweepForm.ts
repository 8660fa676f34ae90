/**
 * The New run editor's Sweep section as data: rows of (field, how, text) → a SweepSpec, and the
 * config fields a user may pick (every scalar leaf of the current config, plus `seed`). Pure, so
 * it is tested without a DOM.
 */
import { expandSweep, formatSweepIssues, type SweepRandomAxis, type SweepSpec } from '@shared/sweeps';
import { parseRangeText, parseValueList } from '@shared/sweepText';

export type SweepRowMode = 'grid' | 'range' | 'choices';

export interface SweepRow {
  path: string;
  mode: SweepRowMode;
  /** grid/choices: `v1, v2`; range: `min:max[:log][:int]`. */
  text: string;
}

export interface SweepFormState {
  name: string;
  rows: SweepRow[];
  randomCount: number;
  randomSeed: number;
}

/** Dotted paths of every number/string/boolean in a config (list items by index), `kind` left out. */
export function sweepablePaths(config: unknown, prefix = ''): string[] {
  if (config === null || typeof config !== 'object') return prefix ? [prefix] : [];
  const entries = Array.isArray(config) ? config.map((v, i) => [String(i), v] as const) : Object.entries(config as Record<string, unknown>);
  const out: string[] = [];
  for (const [k, v] of entries) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (p === 'kind' || p === 'name' || p === 'notes' || p === 'tags' || p === 'expected_effect') continue;
    if (v !== null && typeof v === 'object') out.push(...sweepablePaths(v, p));
    else out.push(p);
  }
  return out;
}

/** The spec the form describes, or the first problem with a row (naming the field). */
export function specFromForm(config: Record<string, unknown>, form: SweepFormState): { ok: true; spec: SweepSpec } | { ok: false; error: string } {
  const grid: SweepSpec['grid'] = [];
  const axes: SweepRandomAxis[] = [];
  try {
    for (const r of form.rows) {
      const path = r.path.trim();
      if (!path) return { ok: false, error: 'pick a field for every sweep row' };
      if (r.mode === 'grid') grid.push({ path, values: parseValueList(path, r.text) });
      else if (r.mode === 'choices') axes.push({ path, choices: parseValueList(path, r.text) });
      else axes.push({ path, range: parseRangeText(path, r.text) });
    }
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const name = form.name.trim() || (typeof config.name === 'string' && config.name ? config.name : 'sweep');
  const spec: SweepSpec = { name, base: config, grid, ...(axes.length ? { random: { count: form.randomCount, seed: form.randomSeed, axes } } : {}) };
  return { ok: true, spec };
}

/** What the Start button would create: the run count, or the problems (one per line). */
export function previewSweep(config: Record<string, unknown>, form: SweepFormState): { ok: true; spec: SweepSpec; runs: number } | { ok: false; error: string } {
  const built = specFromForm(config, form);
  if (!built.ok) return built;
  const res = expandSweep(built.spec);
  return res.ok ? { ok: true, spec: built.spec, runs: res.points.length } : { ok: false, error: formatSweepIssues(res.issues) };
}
