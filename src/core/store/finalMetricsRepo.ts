/**
 * Last values of chosen metrics for a set of runs (the Runs table's metric columns), and which
 * metric keys those runs have, in two queries whatever the number of runs.
 */
import type { Db } from './sqlite';

export interface FinalMetrics {
  /** Every metric key any of the runs recorded, sorted. */
  keys: string[];
  /** run id → key → value at the run's last step of that key (null: not finite / absent). */
  values: Record<string, Record<string, number | null>>;
}

export class FinalMetricsRepo {
  constructor(private readonly db: Db) {}

  query(runIds: readonly string[], keys: readonly string[]): FinalMetrics {
    const out: FinalMetrics = { keys: [], values: {} };
    if (!runIds.length) return out;
    const ids = runIds.map(() => '?').join(', ');
    out.keys = this.db
      .prepare(`SELECT DISTINCT key FROM metrics WHERE run_id IN (${ids}) ORDER BY key`)
      .all(...runIds)
      .map((r) => String(r.key));
    for (const id of runIds) out.values[id] = {};
    if (!keys.length) return out;
    const ks = keys.map(() => '?').join(', ');
    const rows = this.db
      .prepare(
        `SELECT m.run_id, m.key, m.value FROM metrics m
         JOIN (SELECT run_id, key, MAX(step) AS step FROM metrics WHERE run_id IN (${ids}) AND key IN (${ks}) GROUP BY run_id, key) last
         ON m.run_id = last.run_id AND m.key = last.key AND m.step = last.step`,
      )
      .all(...runIds, ...keys);
    for (const r of rows) {
      const v = r.value === null ? null : Number(r.value);
      out.values[String(r.run_id)][String(r.key)] = v !== null && Number.isFinite(v) ? v : null;
    }
    return out;
  }
}
