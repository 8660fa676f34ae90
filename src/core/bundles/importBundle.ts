/**
 * Import a run bundle made by exportRunBundle. Order of checks, before anything is written:
 * the zip's central directory (names that could escape the folder, symlinks, duplicates,
 * overlapping or encrypted entries), manifest.json against its schema, the zip's files against
 * the manifest's list (missing, extra, size), and the total size against a cap. Then every file
 * is unpacked into a staging folder while its sha256 is checked, and the run's config is
 * validated against its kind's schema with every path in it cleared or moved into the data
 * folder (importedConfig.ts): an imported run is data, and is resumed only after the user
 * confirms it. Then the run is written hidden (in the trash) in short transactions with pauses
 * between them, so a run training in another process keeps committing its metrics during a
 * long import (millions of rows); the last transaction makes it visible. A failure removes the
 * half-written run and its folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { ArtifactRecord, RunRecord } from '../../shared/records';
import { canTransition, type RunStatus } from '../../shared/status';
import { dataPaths } from '../paths';
import { newRunId } from '../runId';
import type { RunStore } from '../store';
import { checkEntryName } from './entryNames';
import { sanitizeImportedConfig } from './importedConfig';
import { MANIFEST_NAME, MAX_MANIFEST_BYTES, parseManifest, type BundleManifest } from './manifest';
import { EVENTS_JSONL, METRICS_JSONL, parseEventLine, parseMetricLine, parseSampleLine, readLinesSync, SAMPLES_JSONL } from './tables';
import { isSymlinkEntry, ZipReader, type ZipEntry } from './zipReader';

export interface ImportDeps {
  store: RunStore;
  dataDir: string;
}

export interface ImportOptions {
  /** Largest total unpacked size accepted (default 20 GB): a guard against zip bombs. */
  maxTotalBytes?: number;
  /** Longest a single import transaction holds the write lock (ms). Default 200. */
  chunkMs?: number;
  /** Pause between import transactions, leaving the lock to other processes (ms). Default 120
   * (longer than SQLite's longest busy-handler sleep, so a waiting writer gets its turn). */
  pauseMs?: number;
  /** Called after each committed chunk (tests use it to write from another connection). */
  onChunk?: (rowsSoFar: number) => void | Promise<void>;
}

export const DEFAULT_MAX_IMPORT_BYTES = 20e9;
export const IMPORTED_TAG = 'imported';
const REQUIRED_FILES = [METRICS_JSONL, EVENTS_JSONL, SAMPLES_JSONL];
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function gb(n: number): string {
  return `${(n / 1e9).toFixed(n < 1e9 ? 3 : 1)} GB`;
}

/** Match the zip's files to the manifest's list; returns the entry of each listed file. */
function matchEntries(file: string, entries: ZipEntry[], manifest: BundleManifest, maxTotal: number): Map<string, ZipEntry> {
  const byName = new Map<string, ZipEntry>();
  for (const e of entries) if (!e.isDirectory && e.name !== MANIFEST_NAME) byName.set(e.name, e);
  const listed = new Map<string, BundleManifest['files'][number]>();
  let total = 0;
  for (const f of manifest.files) {
    checkEntryName(f.path, `${file}: manifest.json files`);
    if (f.path === MANIFEST_NAME) throw new Error(`${file}: manifest.json lists itself among its files`);
    if (listed.has(f.path)) throw new Error(`${file}: manifest.json lists '${f.path}' twice`);
    listed.set(f.path, f);
    total += f.bytes;
  }
  for (const name of byName.keys()) {
    if (!listed.has(name)) throw new Error(`${file}: '${name}' is in the zip but not listed in manifest.json (refusing an unverifiable file)`);
  }
  for (const f of manifest.files) {
    const e = byName.get(f.path);
    if (!e) throw new Error(`${file}: '${f.path}' is listed in manifest.json but missing from the zip`);
    if (e.bytes !== f.bytes) throw new Error(`${file}: '${f.path}' is ${e.bytes} bytes in the zip but ${f.bytes} in manifest.json`);
  }
  if (total > maxTotal) throw new Error(`${file}: the bundle would unpack to ${gb(total)}, more than the ${gb(maxTotal)} limit`);
  for (const r of REQUIRED_FILES) if (!listed.has(r)) throw new Error(`${file}: the bundle has no ${r}`);
  for (const a of manifest.artifacts) {
    if (!a.path.startsWith('artifacts/')) throw new Error(`${file}: artifact '${a.path}' is not under artifacts/`);
    const f = listed.get(a.path);
    if (!f) throw new Error(`${file}: artifact '${a.path}' is not among manifest.json files`);
    if (f.sha256 !== a.sha256 || f.bytes !== a.bytes) throw new Error(`${file}: artifact '${a.path}' disagrees with its manifest.json files entry`);
  }
  return new Map(manifest.files.map((f) => [f.path, byName.get(f.path)!]));
}

/** Every name in the central directory is checked, directories included, before anything else. */
function checkNames(file: string, entries: ZipEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const name = e.isDirectory ? e.name.replace(/\/+$/, '') : e.name;
    checkEntryName(name, file);
    if (isSymlinkEntry(e)) throw new Error(`${file}: refused path ${JSON.stringify(e.name)}: it is a symbolic link`);
    const lower = e.name.toLowerCase();
    if (seen.has(lower)) throw new Error(`${file}: '${e.name}' appears twice (names may differ only in case)`);
    seen.add(lower);
  }
}

export async function unpackVerified(reader: ZipReader, e: ZipEntry, expected: string, dest: string): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true });
  // 'wx': fail rather than follow or overwrite anything already there.
  const fh = await open(dest, 'wx');
  const hash = createHash('sha256');
  try {
    await reader.extract(e, async (chunk) => {
      hash.update(chunk);
      let off = 0;
      while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
    });
  } finally {
    await fh.close();
  }
  const got = hash.digest('hex');
  if (got !== expected) {
    throw new Error(`${reader.file}: '${e.name}' fails verification: sha256 ${got} differs from ${expected} in manifest.json (the bundle was damaged or modified)`);
  }
}

/** The text of the event an import records; it identifies the bundle (source run + export time). */
function importMarker(m: BundleManifest): string {
  return `(run ${m.run.id}, exported ${m.exported_at} by Benchtop`;
}

/** A run (not in the trash) already imported from this bundle, or null. */
export function findImportOf(store: RunStore, m: BundleManifest): RunRecord | null {
  const marker = importMarker(m);
  for (const r of store.runs.list({ tag: IMPORTED_TAG, limit: 1000 })) {
    if (r.createdAt !== m.run.created_at) continue;
    if (store.telemetry.events(r.id, { limit: 100_000 }).some((e) => e.text.startsWith('imported from ') && e.text.includes(marker))) return r;
  }
  return null;
}

function freeRunId(store: RunStore, runsDir: string, wanted: string): string {
  const taken = (id: string) => store.runs.get(id, { includeDeleted: true }) !== null || existsSync(join(runsDir, id));
  if (RUN_ID.test(wanted) && !taken(wanted)) return wanted;
  let id = newRunId();
  while (taken(id)) id = newRunId();
  return id;
}

/** Walk a fresh (queued) run to the recorded status through the allowed transitions. */
function settleStatus(store: RunStore, id: string, m: BundleManifest['run'], status: RunStatus, exitReason: string | null, endedAt: number | null): void {
  if (status === 'queued') return;
  if (!canTransition('queued', status)) store.runs.transition(id, 'running', { startedAt: m.started_at, endedAt: null, exitReason: null, owner: null });
  if (status !== 'running') store.runs.transition(id, status, { startedAt: m.started_at, endedAt, exitReason, owner: null });
}

type Row = { table: 'metric' | 'event' | 'sample'; n: number; text: string };

function* bundleRows(staging: string): Generator<Row> {
  for (const { n, text } of readLinesSync(join(staging, METRICS_JSONL))) yield { table: 'metric', n, text };
  for (const { n, text } of readLinesSync(join(staging, EVENTS_JSONL))) yield { table: 'event', n, text };
  for (const { n, text } of readLinesSync(join(staging, SAMPLES_JSONL))) yield { table: 'sample', n, text };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Insert the bundle's rows in transactions of at most ~chunkMs each, pausing between them. */
async function insertRowsInChunks(store: RunStore, id: string, staging: string, opts: ImportOptions): Promise<void> {
  const chunkMs = opts.chunkMs ?? 200;
  const pauseMs = opts.pauseMs ?? 120;
  const rows = bundleRows(staging);
  let done = false;
  let total = 0;
  while (!done) {
    await store.writeWithRetry('importing a bundle', () => {
      const t0 = Date.now();
      let k = 0;
      for (;;) {
        const next = rows.next();
        if (next.done) {
          done = true;
          return;
        }
        const { table, n, text } = next.value;
        if (table === 'metric') store.telemetry.insertMetrics([{ runId: id, ...parseMetricLine(METRICS_JSONL, n, text) }]);
        else if (table === 'event') store.telemetry.insertEvents([{ runId: id, ...parseEventLine(EVENTS_JSONL, n, text) }]);
        else store.telemetry.insertSamples([{ runId: id, ...parseSampleLine(SAMPLES_JSONL, n, text) }]);
        total++;
        if (++k % 500 === 0 && Date.now() - t0 >= chunkMs) return;
      }
    });
    await opts.onChunk?.(total);
    if (!done) await sleep(pauseMs);
  }
}

export async function importRunBundle(deps: ImportDeps, file: string, opts: ImportOptions = {}): Promise<RunRecord> {
  const src = resolve(file);
  const reader = await ZipReader.open(src);
  const paths = dataPaths(deps.dataDir);
  const staging = join(paths.runs, `.import-${randomBytes(6).toString('hex')}`);
  let runDir: string | null = null;
  let created: string | null = null;
  try {
    checkNames(src, reader.entries);
    await reader.checkLayout();
    const manifestEntry = reader.entries.find((e) => e.name === MANIFEST_NAME);
    if (!manifestEntry) throw new Error(`${src}: no manifest.json (not a Benchtop run bundle)`);
    if (manifestEntry.bytes > MAX_MANIFEST_BYTES) throw new Error(`${src}: manifest.json is ${manifestEntry.bytes} bytes, larger than a bundle manifest can be`);
    const m = parseManifest(Buffer.from(await reader.readAll(manifestEntry)).toString('utf8'));
    const earlier = findImportOf(deps.store, m);
    if (earlier) {
      throw new Error(`${src}: this bundle was already imported as run ${earlier.id} ('${earlier.name}'); move that run to the trash first to import it again`);
    }
    const clean = sanitizeImportedConfig(m.run.config, paths.root, `${src}: manifest.json run.config`);
    if (!clean.ok) throw new Error(clean.message);
    if (clean.config.kind !== m.run.kind) throw new Error(`${src}: manifest.json says the run is a ${m.run.kind} run but its config is a ${String(clean.config.kind)} config`);
    const maxTotal = opts.maxTotalBytes ?? DEFAULT_MAX_IMPORT_BYTES;
    const entries = matchEntries(src, reader.entries, m, maxTotal);
    const total = m.files.reduce((s, f) => s + f.bytes, 0);
    mkdirSync(paths.runs, { recursive: true });
    const free = statfsSync(paths.runs);
    if (free.bavail * free.bsize < total) throw new Error(`${src}: the bundle needs ${gb(total)} but only ${gb(free.bavail * free.bsize)} is free in ${paths.runs}`);

    mkdirSync(staging);
    for (const f of m.files) {
      const dest = resolve(staging, ...f.path.split('/'));
      if (!dest.startsWith(staging + sep)) throw new Error(`${src}: refused path ${JSON.stringify(f.path)}: it resolves outside the bundle folder`);
      await unpackVerified(reader, entries.get(f.path)!, f.sha256, dest);
    }

    const id = freeRunId(deps.store, paths.runs, m.run.id);
    runDir = join(paths.runs, id);
    const newRunDir = runDir;
    // Artifacts keep their place relative to the run folder (artifacts/x → <runDir>/x).
    await rename(join(staging, 'artifacts'), newRunDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') mkdirSync(newRunDir);
      else throw err;
    });
    const wasLive = m.run.status === 'running' || m.run.status === 'queued';
    const status: RunStatus = wasLive ? 'interrupted' : m.run.status;
    const exitReason = wasLive ? `the run was ${m.run.status} when it was exported (${m.exported_at}); imported as interrupted` : m.run.exit_reason;
    const endedAt = wasLive ? (m.run.ended_at ?? Date.parse(m.exported_at)) || Date.now() : m.run.ended_at;
    const now = Date.now();
    // 1. The run, hidden until complete.
    await deps.store.writeWithRetry('importing a bundle', () => {
      deps.store.runs.create({
        id,
        kind: m.run.kind,
        name: m.run.name,
        notes: typeof m.run.config.notes === 'string' ? m.run.config.notes : '',
        config: clean.config,
        modelRef: m.run.model_ref,
        tags: [...new Set([...m.run.tags, IMPORTED_TAG])],
        parentId: null,
        createdAt: m.run.created_at,
        owner: null,
      });
      deps.store.runs.hideWhileWriting(id, now);
      deps.store.runs.setOrigin(id, { bundle: basename(src), sourceRunId: m.run.id, exportedAt: m.exported_at, appVersion: m.app.version });
      settleStatus(deps.store, id, m.run, status, exitReason, endedAt);
      if (m.run.device) deps.store.runs.setDevice(id, m.run.device);
      if (m.run.progress) deps.store.runs.setProgress(id, { ...m.run.progress, etaSeconds: m.run.progress.etaSeconds ?? null });
    });
    created = id;
    // 2. Its rows, in short transactions.
    await insertRowsInChunks(deps.store, id, staging, opts);
    // 3. Artifacts and the import note; the run becomes visible.
    await deps.store.writeWithRetry('importing a bundle', () => {
      for (const a of m.artifacts) {
        const rel = a.path.slice('artifacts/'.length).split('/');
        const art: Omit<ArtifactRecord, 'id'> = { runId: id, kind: a.kind, path: join(newRunDir, ...rel), bytes: a.bytes, sha256: a.sha256, createdAt: a.created_at };
        deps.store.telemetry.addArtifact(art);
      }
      const left = m.omitted.length ? `; ${m.omitted.length} file(s) were not in the bundle: ${m.omitted.map((o) => `${o.original_path} (${o.reason})`).join(', ')}` : '';
      const moved = clean.changes.length
        ? `; paths in its config were moved into this data folder or cleared: ${clean.changes.map((c) => `${c.field} ${JSON.stringify(c.from)} → ${c.to ? JSON.stringify(c.to) : '(default)'}`).join(', ')}`
        : '';
      deps.store.telemetry.insertEvents([
        {
          runId: id,
          time: now,
          level: m.omitted.length ? 'warn' : 'info',
          text: `imported from ${src} ${importMarker(m)} ${m.app.version})${left}${moved}`,
        },
      ]);
      deps.store.runs.restore(id);
    });
    created = null;
    runDir = null; // committed: the folder belongs to the run now
    return deps.store.runs.get(id)!;
  } catch (err) {
    if (created) {
      const id = created;
      await deps.store.writeWithRetry('removing a half-imported run', () => deps.store.runs.remove(id)).catch(() => undefined);
    }
    throw err;
  } finally {
    await reader.close();
    await rm(staging, { recursive: true, force: true });
    if (runDir) await rm(runDir, { recursive: true, force: true });
  }
}
