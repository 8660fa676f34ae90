/**
 * What runs produce: metrics, events, samples, artifacts and the latest checkpoint. Written in
 * batches by the supervisor (writer.ts), read by the UI.
 */
import type { CheckpointInfo } from '../../shared/runContext';
import type { ArtifactRecord, EventLevel, MetricPoint, MetricSeries, RunEvent, SampleRecord } from '../../shared/records';
import { downsampleSeries } from './downsample';
import type { Db, Row } from './sqlite';

export interface MetricRow extends MetricPoint {
  runId: string;
}

/** Default cap on points returned for one series, so a plot never pulls millions of rows. */
export const DEFAULT_MAX_POINTS = 10_000;

// SQLite stores NaN as NULL; a NULL metric value reads back as NaN.
const metricValue = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v));

function parseExtra(text: unknown): Record<string, unknown> {
  try {
    const v = JSON.parse(String(text ?? '{}'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

const rowToEvent = (r: Row): RunEvent => ({
  id: Number(r.id),
  runId: String(r.run_id),
  time: Number(r.time),
  level: String(r.level) as EventLevel,
  text: String(r.text),
});

const rowToSample = (r: Row): SampleRecord => ({
  id: Number(r.id),
  runId: String(r.run_id),
  step: Number(r.step),
  prompt: String(r.prompt),
  completion: String(r.completion),
  reward: r.reward === null ? null : Number(r.reward),
  extra: parseExtra(r.extra),
});

const rowToArtifact = (r: Row): ArtifactRecord => ({
  id: Number(r.id),
  runId: String(r.run_id),
  kind: String(r.kind),
  path: String(r.path),
  bytes: Number(r.bytes),
  sha256: String(r.sha256),
  createdAt: Number(r.created_at),
});

export class TelemetryRepo {
  constructor(private readonly db: Db) {}

  /** Insert metric points; a second value for the same (run, key, step) replaces the first
   * (a resumed run re-logs the steps after its checkpoint). */
  insertMetrics(rows: MetricRow[]): void {
    const st = this.db.prepare('INSERT OR REPLACE INTO metrics (run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?)');
    for (const m of rows) st.run(m.runId, m.key, m.step, Number.isNaN(m.value) ? null : m.value, m.time);
  }

  metricKeys(runId: string): string[] {
    return this.db.prepare('SELECT DISTINCT key FROM metrics WHERE run_id = ? ORDER BY key').all(runId).map((r) => String(r.key));
  }

  metricCount(runId: string, key?: string): number {
    const row = key
      ? this.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND key = ?').get(runId, key)
      : this.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ?').get(runId);
    return Number(row?.n ?? 0);
  }

  /** One series in step order, restricted to [fromStep, toStep] and down-sampled to maxPoints
   * (bucketed min/max, first and last kept: downsample.ts). */
  metricSeries(runId: string, key: string, opts: { fromStep?: number; toStep?: number; maxPoints?: number } = {}): MetricSeries {
    const rows = this.db
      .prepare('SELECT step, value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? AND step <= ? ORDER BY step')
      .all(runId, key, opts.fromStep ?? -Number.MAX_VALUE, opts.toStep ?? Number.MAX_VALUE);
    const steps = rows.map((r) => Number(r.step));
    const values = rows.map((r) => metricValue(r.value));
    const ds = downsampleSeries(steps, values, opts.maxPoints ?? DEFAULT_MAX_POINTS);
    return { key, ...ds };
  }

  /** Every point of one series in step order, with its wall time, never down-sampled (run
   * bundles export the full history). */
  metricPoints(runId: string, key: string): MetricPoint[] {
    return this.db
      .prepare('SELECT step, value, time FROM metrics WHERE run_id = ? AND key = ? ORDER BY step')
      .all(runId, key)
      .map((r) => ({ key, step: Number(r.step), value: metricValue(r.value), time: Number(r.time) }));
  }

  /** The value at the highest step of every key. */
  lastMetrics(runId: string): Record<string, { step: number; value: number }> {
    // SQLite returns the bare columns of the row that holds MAX(step).
    const rows = this.db.prepare('SELECT key, MAX(step) AS step, value FROM metrics WHERE run_id = ? GROUP BY key ORDER BY key').all(runId);
    const out: Record<string, { step: number; value: number }> = {};
    for (const r of rows) out[String(r.key)] = { step: Number(r.step), value: metricValue(r.value) };
    return out;
  }

  deleteMetricsAfter(runId: string, step: number): void {
    this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
  }

  insertEvents(events: RunEvent[]): void {
    const st = this.db.prepare('INSERT INTO events (run_id, time, level, text) VALUES (?, ?, ?, ?)');
    for (const e of events) e.id = Number(st.run(e.runId, e.time, e.level, e.text).lastInsertRowid);
  }

  events(runId: string, opts: { afterId?: number; limit?: number } = {}): RunEvent[] {
    return this.db
      .prepare('SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(runId, opts.afterId ?? 0, opts.limit ?? 1000)
      .map(rowToEvent);
  }

  insertSamples(samples: SampleRecord[]): void {
    const st = this.db.prepare('INSERT INTO samples (run_id, step, prompt, completion, reward, extra) VALUES (?, ?, ?, ?, ?, ?)');
    for (const s of samples) {
      s.id = Number(st.run(s.runId, s.step, s.prompt, s.completion, s.reward, JSON.stringify(s.extra ?? {})).lastInsertRowid);
    }
  }

  samples(runId: string, opts: { limit?: number; offset?: number } = {}): SampleRecord[] {
    return this.db
      .prepare('SELECT * FROM samples WHERE run_id = ? ORDER BY id LIMIT ? OFFSET ?')
      .all(runId, opts.limit ?? 100, opts.offset ?? 0)
      .map(rowToSample);
  }

  addArtifact(a: Omit<ArtifactRecord, 'id'>): ArtifactRecord {
    const res = this.db
      .prepare('INSERT INTO artifacts (run_id, kind, path, bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(a.runId, a.kind, a.path, a.bytes, a.sha256, a.createdAt);
    return { ...a, id: Number(res.lastInsertRowid) };
  }

  artifacts(runId: string): ArtifactRecord[] {
    return this.db.prepare('SELECT * FROM artifacts WHERE run_id = ? ORDER BY id').all(runId).map(rowToArtifact);
  }

  /** Keep the latest checkpoint of a run (the one a resume starts from). */
  setCheckpoint(runId: string, cp: CheckpointInfo, time: number): void {
    this.db.prepare('INSERT OR REPLACE INTO checkpoints (run_id, dir, step, time) VALUES (?, ?, ?, ?)').run(runId, cp.dir, cp.step, time);
  }

  checkpoint(runId: string): CheckpointInfo | null {
    const r = this.db.prepare('SELECT dir, step FROM checkpoints WHERE run_id = ?').get(runId);
    return r ? { dir: String(r.dir), step: Number(r.step) } : null;
  }
}
