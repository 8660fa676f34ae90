/**
 * `benchtop export-launch` / the run page's "Export for a cluster": write a launch folder for a
 * cluster trainer (TRL or verl) from a recorded sft or grpo run. Everything is checked before
 * anything is written: the run, its kind, its config, its tasks, the target and the out folder
 * (new or empty — a folder with files in it is refused, nothing is overwritten).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assertLaunchKind, buildLaunchFolder, LAUNCH_TARGETS, LaunchError, type LaunchTarget, type MappingRow } from '../../engine/launch';
import { checkTaskNames } from '../../engine/toolkit/taskCheck';
import { resolveModelFolder } from '../../engine/toolkit/modelRef';
import { formatConfigIssues, validateRunConfig } from '../../shared/config';
import type { RunStore } from '../store';
import { launchResourcesDir, readTargetRecords } from './targets';

export interface ExportLaunchDeps {
  store: RunStore;
  dataDir: string;
}

export interface ExportLaunchOptions {
  target: string;
  /** The folder to write (created; must be new or empty). */
  out: string;
}

export interface ExportLaunchResult {
  dir: string;
  files: string[];
  /** Benchtop fields with no counterpart in the target (MAPPING.md's second table). */
  unmapped: string[];
  rows: MappingRow[];
}

/** <dataDir>/launch/<run id>-<target>, or the first of -2, -3 … that is free or empty. */
export function defaultLaunchDir(dataDir: string, runId: string, target: string): string {
  const base = join(dataDir, 'launch', `${runId}-${target}`);
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    if (!existsSync(dir) || readdirSync(dir).length === 0) return dir;
  }
}

export function isLaunchTarget(t: string): t is LaunchTarget {
  return (LAUNCH_TARGETS as readonly string[]).includes(t);
}

export function exportLaunch(deps: ExportLaunchDeps, runId: string, opts: ExportLaunchOptions): ExportLaunchResult {
  if (!isLaunchTarget(opts.target)) throw new LaunchError(`--target: expected one of ${LAUNCH_TARGETS.join(', ')}, got '${opts.target}'`);
  const target = opts.target;
  const run = deps.store.runs.get(runId);
  if (!run) throw new LaunchError(`no run with id '${runId}'`);
  assertLaunchKind(run.kind);
  const checked = validateRunConfig(run.config);
  if (!checked.ok) throw new LaunchError(`run ${run.id}: its config does not validate:\n${formatConfigIssues(checked.issues)}`);
  const config = checked.config as unknown as Record<string, unknown>;
  const tasks = (run.kind === 'grpo' ? config.tasks : (config.data as { tasks: unknown }).tasks) as { task: string }[];
  checkTaskNames(tasks, run.kind === 'grpo' ? 'tasks' : 'data.tasks', deps.dataDir);

  const dir = resolve(opts.out);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new LaunchError(`--out: ${dir} is a file; expected a new or empty folder`);
    if (readdirSync(dir).length > 0) throw new LaunchError(`--out: ${dir} is not empty; expected a new or empty folder (nothing is overwritten)`);
  }
  let model = String(config.model);
  try {
    model = resolveModelFolder(model, deps.dataDir);
  } catch {
    // Not resolvable here (e.g. a model since removed): keep the reference for the user to edit.
  }
  const folder = buildLaunchFolder({
    config,
    target,
    runLabel: `run ${run.id}${run.name ? ` (${run.name})` : ''}`,
    model,
    rewardsModule: readFileSync(join(launchResourcesDir(), 'benchtop_rewards.py'), 'utf8'),
    pins: readTargetRecords(target, run.kind),
  });

  mkdirSync(dir, { recursive: true });
  for (const f of folder.files) {
    const file = join(dir, f.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, f.content);
    if (f.path.endsWith('.sh')) chmodSync(file, 0o755);
  }
  return {
    dir,
    files: folder.files.map((f) => f.path),
    unmapped: folder.rows.filter((r) => r.targets.length === 0).map((r) => r.field),
    rows: folder.rows,
  };
}
