/**
 * Sweeps: one run config plus a grid (and/or a seeded random search with a budget) over any of its
 * fields, expanded into a named group of ordinary queued runs. Pure: shared by the CLI, the
 * backend and the New run editor (which previews the expansion before anything is created).
 *
 * Expansion order (users read run lists in it): grid axes in the order given, the first axis
 * outermost; random draws (when asked) are crossed with the grid, the draw outermost, so
 * `--random 4 --range training.learning_rate=1e-5:1e-3:log --grid seed=1,2,3` gives 4 sampled
 * learning rates, each run with seeds 1, 2, 3.
 */
import { z } from 'zod';
import { validateRunConfig, type ConfigIssue } from './config';
import type { RunRecord } from './records';
import type { EffectVerdict } from './expectedEffect';

/** A config value a sweep may assign (what a YAML scalar or list can be). */
export type SweepValue = string | number | boolean | null | SweepValue[] | { [k: string]: SweepValue };

const sweepValueSchema: z.ZodType<SweepValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(sweepValueSchema), z.record(z.string(), sweepValueSchema)]),
);
const pathSchema = z
  .string()
  .min(1, 'expected a dotted config path such as training.learning_rate')
  .max(200)
  .refine((p) => !p.split('.').some((s) => s === ''), 'expected a dotted path without empty parts');

export const gridAxisSchema = z.object({ path: pathSchema, values: z.array(sweepValueSchema).min(1, 'expected at least one value') }).strict();
export type SweepGridAxis = z.infer<typeof gridAxisSchema>;

/** A randomly drawn field: uniform in [min, max] (log-uniform with `log`, whole numbers with `int`), or one of `choices`. */
export const randomAxisSchema = z
  .object({
    path: pathSchema,
    range: z.object({ min: z.number(), max: z.number(), log: z.boolean().default(false), int: z.boolean().default(false) }).strict().optional(),
    choices: z.array(sweepValueSchema).min(1, 'expected at least one choice').optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.range === undefined) === (a.choices === undefined)) ctx.addIssue({ code: 'custom', message: `${a.path}: give either a range or choices` });
    if (a.range) {
      if (!(a.range.max >= a.range.min)) ctx.addIssue({ code: 'custom', path: ['range'], message: `${a.path}: expected max ≥ min, got ${a.range.min}:${a.range.max}` });
      if (a.range.log && !(a.range.min > 0)) ctx.addIssue({ code: 'custom', path: ['range'], message: `${a.path}: a log range needs min > 0, got ${a.range.min}` });
    }
  });
export type SweepRandomAxis = z.infer<typeof randomAxisSchema>;

/** Sweep runs are capped: a typo in a grid should not queue ten thousand runs. */
export const MAX_SWEEP_RUNS = 500;

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1, 'expected a sweep name').max(200),
    /** The run config every run starts from (validated after each assignment). */
    base: z.record(z.string(), z.unknown()),
    grid: z.array(gridAxisSchema).default([]),
    random: z
      .object({
        count: z.number().int().min(1, 'expected --random ≥ 1').max(MAX_SWEEP_RUNS),
        seed: z.number().int().min(0).default(0),
        axes: z.array(randomAxisSchema).min(1, 'random search needs at least one --range or --choice'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SweepSpec = z.input<typeof sweepSpecSchema>;
type ParsedSpec = z.output<typeof sweepSpecSchema>;

/** One expanded run: the swept fields' values (path → value) and the full run config. */
export interface SweepPoint {
  assignments: Record<string, SweepValue>;
  config: Record<string, unknown>;
}

export type SweepExpansion = { ok: true; spec: ParsedSpec; points: SweepPoint[] } | { ok: false; issues: ConfigIssue[] };

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed gives the same draws on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One draw of a random axis from u, v ∈ [0, 1). */
export function drawAxis(axis: SweepRandomAxis, u: number): SweepValue {
  if (axis.choices) return axis.choices[Math.min(axis.choices.length - 1, Math.floor(u * axis.choices.length))];
  const { min, max, log, int } = axis.range!;
  if (int) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    return lo + Math.min(hi - lo, Math.floor(u * (hi - lo + 1)));
  }
  const x = log ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  // Keep 4 significant digits: readable run names, and the same value on every platform.
  return Number(x.toPrecision(4));
}

/** Cartesian product of the grid axes, first axis outermost. */
export function gridPoints(grid: readonly SweepGridAxis[]): Record<string, SweepValue>[] {
  let points: Record<string, SweepValue>[] = [{}];
  for (const axis of grid) points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.path]: v })));
  return points;
}

/** `count` seeded draws of the random axes (each draw takes one number per axis, in axis order). */
export function randomPoints(random: { count: number; seed: number; axes: readonly SweepRandomAxis[] }): Record<string, SweepValue>[] {
  const rand = seededRandom(random.seed);
  return Array.from({ length: random.count }, () => Object.fromEntries(random.axes.map((a) => [a.path, drawAxis(a, rand())])));
}

/** Set a dotted path in a (deep-copied) config; numeric parts index lists. Throws naming the path. */
export function setConfigPath(config: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Record<string | number, unknown> = config;
  for (const [i, part] of parts.entries()) {
    const key: string | number = Array.isArray(node) ? Number(part) : part;
    if (Array.isArray(node) && !(Number.isInteger(key) && (key as number) >= 0 && (key as number) <= node.length)) {
      throw new Error(`'${part}' is not an index of the list at ${parts.slice(0, i).join('.')} (0–${node.length})`);
    }
    if (i === parts.length - 1) {
      node[key] = jsonCopy(value);
      return;
    }
    let next = node[key];
    if (next === undefined || next === null) {
      next = /^\d+$/.test(parts[i + 1]!) ? [] : {};
      node[key] = next;
    }
    if (typeof next !== 'object') throw new Error(`${parts.slice(0, i + 1).join('.')} is a ${typeof next}, not an object or list`);
    node = next as Record<string | number, unknown>;
  }
}

/** A deep copy of JSON data (configs are JSON; works on the editor's reactive proxies, which structuredClone refuses). */
function jsonCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

/** Which swept assignment an issue at `issuePath` is about (the assignment's path or a parent of it). */
function assignmentFor(issuePath: string, assignments: Record<string, SweepValue>): string | null {
  for (const p of Object.keys(assignments)) if (issuePath === p || issuePath.startsWith(p + '.') || p.startsWith(issuePath + '.')) return p;
  return null;
}

/**
 * Validate a sweep and expand it into run configs. Nothing is created here: every expanded config
 * must pass the kind's schema, and every issue names the swept field and the value that failed
 * (`grid training.learning_rate=-1: expected a number > 0, got -1`).
 */
export function expandSweep(input: unknown): SweepExpansion {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.length ? `sweep.${i.path.join('.')}` : 'sweep', message: i.message })) };
  }
  const spec = parsed.data;
  const issues: ConfigIssue[] = [];
  const base = validateRunConfig(spec.base);
  if (!base.ok) return { ok: false, issues: base.issues.map((i) => ({ path: i.path, message: `(base config) ${i.message}` })) };

  const swept = [...spec.grid.map((a) => a.path), ...(spec.random?.axes.map((a) => a.path) ?? [])];
  const dup = swept.find((p, i) => swept.indexOf(p) !== i);
  if (dup) return { ok: false, issues: [{ path: dup, message: 'swept twice: give each field one --grid or one random axis' }] };
  if (swept.length === 0) return { ok: false, issues: [{ path: 'sweep', message: 'nothing to sweep: give at least one --grid field=v1,v2 or --random N with --range/--choice' }] };
  if (swept.includes('kind')) return { ok: false, issues: [{ path: 'kind', message: 'the run kind cannot be swept: a sweep is one kind of run' }] };

  const grid = gridPoints(spec.grid);
  const random = spec.random ? randomPoints(spec.random) : [{}];
  const total = grid.length * random.length;
  if (total > MAX_SWEEP_RUNS) return { ok: false, issues: [{ path: 'sweep', message: `expands to ${total} runs; at most ${MAX_SWEEP_RUNS} per sweep` }] };

  const points: SweepPoint[] = [];
  const reported = new Set<string>();
  for (const r of random) {
    for (const g of grid) {
      const assignments = { ...r, ...g };
      const config = jsonCopy(spec.base) as Record<string, unknown>;
      for (const [path, value] of Object.entries(assignments)) {
        try {
          setConfigPath(config, path, value);
        } catch (err) {
          issues.push({ path, message: `cannot set ${path}=${describeValue(value)}: ${(err as Error).message}` });
        }
      }
      const checked = validateRunConfig(config);
      if (!checked.ok) {
        for (const iss of checked.issues) {
          const field = assignmentFor(iss.path, assignments);
          const where = field ? `${spec.grid.some((a) => a.path === field) ? 'grid' : 'random'} ${field}=${describeValue(assignments[field])}` : iss.path;
          const line = `${where}: ${iss.path === field ? '' : iss.path + ': '}${iss.message}`;
          if (!reported.has(line)) issues.push({ path: field ?? iss.path, message: line });
          reported.add(line);
        }
        continue;
      }
      points.push({ assignments, config: checked.config as unknown as Record<string, unknown> });
    }
  }
  if (issues.length) return { ok: false, issues };
  // Run names say what differs; the base name (if any) becomes the sweep's prefix.
  for (const p of points) p.config.name = `${spec.name} · ${pointLabel(p.assignments)}`;
  return { ok: true, spec, points };
}

/** Short label of a point: `learning_rate=1e-05 seed=2` (last path part; the full path when two would clash). */
export function pointLabel(assignments: Record<string, SweepValue>): string {
  const paths = Object.keys(assignments);
  const short = (p: string) => p.split('.').pop()!;
  return paths
    .map((p) => `${paths.filter((q) => short(q) === short(p)).length > 1 ? p : short(p)}=${formatSweepValue(assignments[p])}`)
    .join(' ');
}

export function formatSweepValue(v: SweepValue | undefined): string {
  if (typeof v === 'number') return Math.abs(v) > 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential() : String(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One line per issue; a swept field's issue already starts with `grid path=value:`. */
export function formatSweepIssues(issues: ConfigIssue[]): string {
  return issues.map((i) => (/^(grid|random) /.test(i.message) ? i.message : `${i.path}: ${i.message}`)).join('\n');
}

// ---- groups as stored ------------------------------------------------------------------------

/** A sweep as stored: its spec and creation time; its runs carry `sweep` on their records. */
export interface SweepRecord {
  id: string;
  name: string;
  spec: SweepSpec;
  createdAt: number;
  /** Swept field paths in spec order (grid then random). */
  fields: string[];
}

/** A run's place in a sweep. */
export interface RunSweepRef {
  sweepId: string;
  /** This run's swept values (path → value). */
  point: Record<string, SweepValue>;
}

export type SweepOutcome = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export interface SweepProgress {
  total: number;
  counts: Partial<Record<RunRecord['status'], number>>;
  done: number;
  outcome: SweepOutcome;
}

/** Group progress and outcome: pending while any run is not finished; then failed if any run
 * failed or was interrupted, cancelled if any was cancelled, else succeeded. */
export function sweepProgress(runs: readonly Pick<RunRecord, 'status'>[]): SweepProgress {
  const counts: SweepProgress['counts'] = {};
  for (const r of runs) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const done = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0) + (counts.interrupted ?? 0);
  const outcome: SweepOutcome =
    done < runs.length ? 'pending' : (counts.failed ?? 0) + (counts.interrupted ?? 0) > 0 ? 'failed' : (counts.cancelled ?? 0) > 0 ? 'cancelled' : 'succeeded';
  return { total: runs.length, counts, done, outcome };
}

export function sweepFields(spec: SweepSpec): string[] {
  return [...(spec.grid ?? []).map((a) => a.path), ...(spec.random?.axes.map((a) => a.path) ?? [])];
}

/** A sweep with its runs, group progress and each run's final metrics (what the group page shows). */
export interface SweepDetail {
  sweep: SweepRecord;
  runs: RunRecord[];
  progress: SweepProgress;
  /** runId → metric key → the value at the run's last logged step. */
  finals: Record<string, Record<string, number>>;
  /** The group's expected effect (decision 0038), checked once every run has ended; absent when its runs carry none. */
  expectedEffect?: EffectVerdict;
}

/** What cancelling a group did: queued runs cancelled at once, running runs asked to stop. */
export interface SweepCancelResult {
  cancelled: string[];
  stopping: string[];
  detail: SweepDetail;
}

/** A sweep in a list: its record and group progress. */
export interface SweepSummary {
  sweep: SweepRecord;
  progress: SweepProgress;
}
