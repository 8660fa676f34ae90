import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RunStore, LATEST_SCHEMA_VERSION } from '../../../src/core/store';
import { migrate, schemaVersion } from '../../../src/core/store/migrations';
import { openDatabase } from '../../../src/core/store/sqlite';
import { tempDir } from '../support/backend';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('schema migrations', () => {
  it('upgrades a file created with migration 1 only, keeping its rows', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = join(t.dir, 'old.db');
    const db = openDatabase(file);
    expect(migrate(db, 1)).toEqual({ from: 0, to: 1 });
    db.prepare(`INSERT INTO runs (id, kind, name, status, config, created_at) VALUES ('old-run', 'pretrain', 'from v1', 'succeeded', '{"kind":"pretrain"}', 1000)`).run();
    db.prepare(`INSERT INTO metrics (run_id, key, step, value, time) VALUES ('old-run', 'loss', 1, 0.5, 1001)`).run();
    const cols1 = db.prepare('PRAGMA table_info(runs)').all().map((r) => r.name);
    expect(cols1).not.toContain('cancel_requested');
    db.close();

    const store = RunStore.open(file);
    try {
      const db2 = openDatabase(file);
      expect(schemaVersion(db2)).toBe(LATEST_SCHEMA_VERSION);
      const cols = db2.prepare('PRAGMA table_info(runs)').all().map((r) => r.name);
      expect(cols).toEqual(expect.arrayContaining(['cancel_requested', 'owner_id', 'owner_pid', 'heartbeat_at', 'queued_at', 'owner_start', 'origin', 'resume_trusted', 'sweep_id', 'sweep_point']));
      const applied = db2.prepare('SELECT version FROM schema_migrations ORDER BY version').all().map((r) => Number(r.version));
      expect(applied).toEqual([1, 2, 3, 4]);
      // The v1 row survived and got the new columns' values.
      const row = db2.prepare("SELECT queued_at, cancel_requested FROM runs WHERE id = 'old-run'").get();
      expect(row).toMatchObject({ queued_at: 1000, cancel_requested: 0 });
      db2.close();
      const run = store.runs.get('old-run');
      expect(run).toMatchObject({ name: 'from v1', status: 'succeeded', tags: [], imported: null, sweep: null });
      expect(store.telemetry.metricSeries('old-run', 'loss')).toMatchObject({ steps: [1], values: [0.5] });
      // The v2 table works.
      store.telemetry.setCheckpoint('old-run', { dir: '/tmp/ck', step: 1 }, 5);
      expect(store.telemetry.checkpoint('old-run')).toEqual({ dir: '/tmp/ck', step: 1 });
    } finally {
      store.close();
    }
  });

  it('is idempotent and refuses a schema newer than the build', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = join(t.dir, 'b.db');
    RunStore.open(file).close();
    const db = openDatabase(file);
    expect(migrate(db)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
    db.exec(`PRAGMA user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => RunStore.open(file)).toThrow(/newer Benchtop/);
  });

  it('opens in WAL mode with a busy timeout', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = join(t.dir, 'c.db');
    const db = openDatabase(file);
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    expect(Number(db.prepare('PRAGMA busy_timeout').get()?.timeout)).toBeGreaterThan(0);
    db.close();
  });
});
