/**
 * Shared checks of the malformed-input corpus: what "nothing changed" means. A snapshot holds
 * every file under the given folders (path → sha256; the SQLite files are compared through
 * their tables instead, since opening a database may touch its journal) and the history: every
 * run (deleted ones too) with its events, metrics and artifacts, and the catalog.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import type { RunStore } from '../../src/core/store';

function files(root: string, dir = root, out: Record<string, string> = {}): Record<string, string> {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    const rel = relative(root, p);
    if (/^benchtop\.db(-wal|-shm|-journal)?$/.test(rel)) continue;
    if (st.isDirectory()) {
      out[rel + '/'] = 'dir';
      files(root, p, out);
    } else out[rel] = st.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : `special:${st.mode}`;
  }
  return out;
}

export interface Snapshot {
  files: Record<string, Record<string, string>>;
  history: string;
}

function history(store: RunStore): string {
  const runs = store.runs.list({ limit: 1000 });
  return JSON.stringify({
    runs: runs.map((r) => ({ ...r, events: store.telemetry.events(r.id), metrics: store.telemetry.metricKeys(r.id), artifacts: store.telemetry.artifacts(r.id) })),
    models: store.catalog.listModels(),
    datasets: store.catalog.listDatasets(),
  });
}

export function snapshot(store: RunStore, folders: readonly string[]): Snapshot {
  return { files: Object.fromEntries(folders.map((f) => [f, files(f)])), history: history(store) };
}

/** The history and every file are as they were. */
export function expectUnchanged(store: RunStore, before: Snapshot, label: string): void {
  const after = snapshot(store, Object.keys(before.files));
  expect(after.history, `${label}: history changed`).toBe(before.history);
  expect(after.files, `${label}: files changed`).toEqual(before.files);
}
