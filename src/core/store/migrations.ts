/**
 * Versioned schema migrations. `PRAGMA user_version` is the schema version; each applied
 * migration is also recorded in `schema_migrations` (version, name, time) for humans. Migrations
 * are append-only: never edit one that has shipped, add the next.
 */
import { transaction, type Db } from './sqlite';

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, metrics, events, samples, artifacts, models, datasets, settings',
    up(db) {
      db.exec(`
        CREATE TABLE runs (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          name TEXT NOT NULL DEFAULT '',
          notes TEXT NOT NULL DEFAULT '',
          status TEXT NOT NULL,
          config TEXT NOT NULL,
          model_ref TEXT,
          parent_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          ended_at INTEGER,
          exit_reason TEXT,
          progress TEXT,
          device TEXT,
          deleted_at INTEGER
        );
        CREATE INDEX runs_created ON runs(created_at);
        CREATE INDEX runs_status ON runs(status, created_at);
        CREATE INDEX runs_kind ON runs(kind, created_at);
        CREATE TABLE run_tags (
          run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          tag TEXT NOT NULL,
          PRIMARY KEY (run_id, tag)
        );
        CREATE INDEX run_tags_by_tag ON run_tags(tag, run_id);
        CREATE TABLE metrics (
          run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          step INTEGER NOT NULL,
          value REAL,
          time INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX metrics_series ON metrics(run_id, key, step);
        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          time INTEGER NOT NULL,
          level TEXT NOT NULL,
          text TEXT NOT NULL
        );
        CREATE INDEX events_by_run ON events(run_id, id);
        CREATE TABLE samples (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step INTEGER NOT NULL,
          prompt TEXT NOT NULL,
          completion TEXT NOT NULL,
          reward REAL,
          extra TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX samples_by_run ON samples(run_id, id);
        CREATE TABLE artifacts (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          kind TEXT NOT NULL,
          path TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX artifacts_by_run ON artifacts(run_id, id);
        CREATE TABLE models (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          path TEXT NOT NULL UNIQUE,
          architecture TEXT NOT NULL,
          parameters INTEGER,
          builtin INTEGER NOT NULL DEFAULT 0,
          added_at INTEGER NOT NULL,
          info TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE datasets (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          source TEXT NOT NULL,
          path TEXT,
          rows INTEGER NOT NULL DEFAULT 0,
          added_at INTEGER NOT NULL,
          info TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'run ownership, cross-process cancel requests, queue order, checkpoints',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN owner_id TEXT;
        ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
        ALTER TABLE runs ADD COLUMN owner_host TEXT;
        ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
        ALTER TABLE runs ADD COLUMN queued_at INTEGER;
        UPDATE runs SET queued_at = created_at;
        CREATE INDEX runs_owner ON runs(owner_id, status);
        CREATE TABLE checkpoints (
          run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
          dir TEXT NOT NULL,
          step INTEGER NOT NULL,
          time INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    name: 'owner process start time (liveness without heartbeats), imported-run origin and resume trust',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN owner_start TEXT;
        ALTER TABLE runs ADD COLUMN origin TEXT;
        ALTER TABLE runs ADD COLUMN resume_trusted INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
  {
    version: 4,
    name: 'sweeps: named groups of runs, each run with its swept values',
    up(db) {
      db.exec(`
        CREATE TABLE sweeps (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          spec TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        ALTER TABLE runs ADD COLUMN sweep_id TEXT REFERENCES sweeps(id) ON DELETE SET NULL;
        ALTER TABLE runs ADD COLUMN sweep_point TEXT;
        CREATE INDEX runs_sweep ON runs(sweep_id, created_at);
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Db): number {
  return Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
}

/** Bring the schema up to `target` (default: latest). Each migration commits on its own, so an
 * interrupted upgrade resumes where it stopped. Returns the versions before and after. */
export function migrate(db: Db, target: number = LATEST_SCHEMA_VERSION): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > LATEST_SCHEMA_VERSION) {
    throw new Error(
      `the run store was written by a newer Benchtop (schema version ${from}, this build knows up to ${LATEST_SCHEMA_VERSION}); update Benchtop or use another data folder`,
    );
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > target) continue;
    transaction(db, () => {
      m.up(db);
      db.prepare('INSERT OR REPLACE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      db.exec(`PRAGMA user_version = ${m.version}`);
    });
  }
  return { from, to: schemaVersion(db) };
}
