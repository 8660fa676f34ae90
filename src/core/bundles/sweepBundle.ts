/**
 * A sweep as one bundle (.zip, format `benchtop-sweep-bundle/1`): every run of the group as its
 * own, unchanged single-run bundle under runs/<id>.zip (stored, not recompressed), plus
 * sweep.json (written last) naming the group, its spec, and each run's file, size, sha256 and
 * swept values. Import verifies sweep.json and every run bundle's digest before importing
 * anything, imports each run bundle through the single-run import (so each is checked exactly as
 * a lone bundle would be), then re-forms the group. A failure part way removes the runs it added.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statfsSync, statSync } from 'node:fs';
import { rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { RunRecord } from '../../shared/records';
import { sweepProgress, sweepSpecSchema, type SweepRecord } from '../../shared/sweeps';
import { verdictLine } from '../../shared/expectedEffect';
import { groupEffectVerdict } from '../expectedEffect';
import { dataPaths } from '../paths';
import { newSweepId } from '../sweeps/createSweep';
import { checkEntryName } from './entryNames';
import { exportRunBundle, type BundleDeps } from './exportRun';
import { DEFAULT_MAX_IMPORT_BYTES, importRunBundle, unpackVerified, type ImportDeps } from './importBundle';
import { isSymlinkEntry, ZipReader } from './zipReader';
import { METHOD_DEFLATE, METHOD_STORE, ZipWriter } from './zipWriter';

export const SWEEP_BUNDLE_FORMAT = 'benchtop-sweep-bundle/1';
export const SWEEP_MANIFEST_NAME = 'sweep.json';
const MAX_SWEEP_MANIFEST_BYTES = 8 << 20;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
export const sweepManifestSchema = z
  .object({
    format: z.literal(SWEEP_BUNDLE_FORMAT),
    app: z.object({ name: z.literal('benchtop'), version: z.string() }).strict(),
    exported_at: z.string(),
    sweep: z.object({ id: z.string().min(1).max(80), name: z.string(), created_at: z.number().int(), spec: sweepSpecSchema }).strict(),
    runs: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64),
            path: z.string().regex(/^runs\/[A-Za-z0-9._-]+\.zip$/, 'expected runs/<id>.zip'),
            bytes: z.number().int().min(0),
            sha256,
            point: z.record(z.string(), z.unknown()),
          })
          .strict(),
      )
      .min(1, 'expected at least one run'),
    /** The group's expected-effect verdict at export (decision 0038); import derives it again from the runs. */
    expected_effect: z
      .object({
        state: z.enum(['observed', 'not_observed', 'pending', 'none']),
        statement: z.string(),
        checks: z.array(z.object({ text: z.string(), holds: z.boolean() }).strict()),
        line: z.string(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SweepManifest = z.infer<typeof sweepManifestSchema>;

export interface SweepExportOptions {
  includeModels?: boolean;
  out?: string;
  defaultDir?: string;
}

function outputPath(deps: BundleDeps, sweep: SweepRecord, opts: SweepExportOptions): string {
  if (opts.out !== undefined) {
    const out = resolve(opts.out);
    if (!/\.zip$/i.test(out)) throw new Error(`export: the bundle file must end in .zip, got '${opts.out}'`);
    if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new Error(`export: folder '${dirname(out)}' does not exist`);
    return out;
  }
  const dir = resolve(opts.defaultDir ?? join(deps.dataDir, 'bundles'));
  mkdirSync(dir, { recursive: true });
  let p = join(dir, `benchtop-${sweep.id}.zip`);
  for (let i = 2; existsSync(p); i++) p = join(dir, `benchtop-${sweep.id}-${i}.zip`);
  return p;
}

export async function exportSweepBundle(deps: BundleDeps, sweepId: string, opts: SweepExportOptions = {}): Promise<{ path: string; bytes: number; manifest: SweepManifest }> {
  const sweep = deps.store.sweeps.get(sweepId);
  if (!sweep) throw new Error(`export: no sweep with id '${sweepId}'`);
  const runs = deps.store.sweeps.runs(sweepId);
  if (runs.length === 0) throw new Error(`export: sweep '${sweep.name}' has no runs left (all in the trash?)`);
  const out = outputPath(deps, sweep, opts);
  const tag = randomBytes(4).toString('hex');
  const tmp = join(dirname(out), `.${basename(out)}.partial-${tag}`);
  const work = join(dirname(out), `.${basename(out)}.runs-${tag}`);
  mkdirSync(work);
  const zip = await ZipWriter.create(tmp);
  try {
    const listed: SweepManifest['runs'] = [];
    for (const run of runs) {
      const inner = await exportRunBundle(deps, run.id, { includeModels: opts.includeModels, out: join(work, `${run.id}.zip`) });
      const w = await zip.addFile(`runs/${run.id}.zip`, inner.path, { method: METHOD_STORE, sizeHint: inner.bytes });
      listed.push({ id: run.id, path: `runs/${run.id}.zip`, bytes: w.bytes, sha256: w.sha256, point: run.sweep?.point ?? {} });
      await unlink(inner.path);
    }
    const manifest: SweepManifest = {
      format: SWEEP_BUNDLE_FORMAT,
      app: { name: 'benchtop', version: deps.appVersion },
      exported_at: new Date().toISOString(),
      sweep: { id: sweep.id, name: sweep.name, created_at: sweep.createdAt, spec: sweepSpecSchema.parse(sweep.spec) },
      runs: listed,
    };
    const effect = groupEffectVerdict(deps.store, runs, sweepProgress(runs).outcome !== 'pending');
    if (effect.state !== 'none') manifest.expected_effect = { ...effect, line: verdictLine(effect) };
    await zip.add(SWEEP_MANIFEST_NAME, JSON.stringify(manifest, null, 2) + '\n', { method: METHOD_DEFLATE });
    const bytes = await zip.close();
    await rename(tmp, out);
    return { path: out, bytes, manifest };
  } catch (err) {
    await zip.abort().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** True when the zip holds a sweep.json (a group bundle) rather than a single run's manifest.json. */
export async function isSweepBundle(file: string): Promise<boolean> {
  const reader = await ZipReader.open(resolve(file));
  try {
    return reader.entries.some((e) => e.name === SWEEP_MANIFEST_NAME);
  } finally {
    await reader.close();
  }
}

export async function importSweepBundle(deps: ImportDeps, file: string): Promise<{ sweep: SweepRecord; runs: RunRecord[] }> {
  const src = resolve(file);
  const reader = await ZipReader.open(src);
  const staging = join(dataPaths(deps.dataDir).runs, `.import-sweep-${randomBytes(6).toString('hex')}`);
  const added: RunRecord[] = [];
  try {
    for (const e of reader.entries) {
      checkEntryName(e.name, src);
      if (isSymlinkEntry(e)) throw new Error(`${src}: '${e.name}' is a symbolic link (refused)`);
    }
    await reader.checkLayout();
    const me = reader.entries.find((e) => e.name === SWEEP_MANIFEST_NAME);
    if (!me) throw new Error(`${src}: no sweep.json (not a Benchtop sweep bundle)`);
    if (me.bytes > MAX_SWEEP_MANIFEST_BYTES) throw new Error(`${src}: sweep.json is ${me.bytes} bytes, larger than a sweep manifest can be`);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(await reader.readAll(me)).toString('utf8'));
    } catch (err) {
      throw new Error(`${src}: sweep.json is not valid JSON (${(err as Error).message})`);
    }
    const parsed = sweepManifestSchema.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new Error(`${src}: sweep.json ${i.path.join('.') || '(top level)'}: ${i.message}`);
    }
    const m = parsed.data;
    const listed = new Map(m.runs.map((r) => [r.path, r]));
    if (listed.size !== m.runs.length) throw new Error(`${src}: sweep.json lists a run file twice`);
    const files = reader.entries.filter((e) => !e.isDirectory && e.name !== SWEEP_MANIFEST_NAME);
    for (const e of files) if (!listed.has(e.name)) throw new Error(`${src}: '${e.name}' is in the zip but not listed in sweep.json (refusing an unverifiable file)`);
    // Twice the inner bundles' size: they are staged, then each is unpacked by its own import.
    const total = m.runs.reduce((a, r) => a + r.bytes, 0);
    if (total > DEFAULT_MAX_IMPORT_BYTES) throw new Error(`${src}: the group's run bundles add up to ${(total / 1e9).toFixed(1)} GB, more than the ${DEFAULT_MAX_IMPORT_BYTES / 1e9} GB import limit`);
    mkdirSync(staging, { recursive: true });
    const free = statfsSync(staging);
    if (free.bavail * free.bsize < 2 * total) throw new Error(`${src}: importing the group needs about ${((2 * total) / 1e9).toFixed(2)} GB but only ${((free.bavail * free.bsize) / 1e9).toFixed(2)} GB is free in ${dirname(staging)}`);
    // Every run bundle is unpacked and its digest checked before any run is imported.
    const inner: string[] = [];
    for (const r of m.runs) {
      const e = files.find((f) => f.name === r.path);
      if (!e) throw new Error(`${src}: '${r.path}' is listed in sweep.json but missing from the zip`);
      if (e.bytes !== r.bytes) throw new Error(`${src}: '${r.path}' is ${e.bytes} bytes in the zip but ${r.bytes} in sweep.json`);
      const dest = join(staging, basename(r.path));
      await unpackVerified(reader, e, r.sha256, dest);
      inner.push(dest);
    }
    for (const f of inner) added.push(await importRunBundle(deps, f));
    const sweepId = deps.store.sweeps.get(m.sweep.id) ? newSweepId() : m.sweep.id;
    const sweep = deps.store.transaction(() => {
      const s = deps.store.sweeps.create({ id: sweepId, name: m.sweep.name, spec: m.sweep.spec, createdAt: m.sweep.created_at });
      added.forEach((run, i) => deps.store.sweeps.attachRun(run.id, sweepId, m.runs[i]!.point));
      return s;
    });
    return { sweep, runs: deps.store.sweeps.runs(sweep.id) };
  } catch (err) {
    for (const run of added) {
      deps.store.runs.remove(run.id);
      await rm(join(dataPaths(deps.dataDir).runs, run.id), { recursive: true, force: true });
    }
    throw err;
  } finally {
    await reader.close();
    await rm(staging, { recursive: true, force: true });
  }
}
