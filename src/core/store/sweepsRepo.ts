/**
 * The `sweeps` table: named groups of runs made from one config and a grid/random search. Each
 * run of a group records `sweep_id` and its swept values (runs table, migration 4); the runs
 * themselves are ordinary queued runs (same queue, same recovery after a restart).
 */
import type { RunRecord } from '../../shared/records';
import { sweepFields, type SweepRecord, type SweepSpec } from '../../shared/sweeps';
import { rowToRun, SELECT_RUN } from './runsRepo';
import type { Db, Row } from './sqlite';

function rowToSweep(r: Row): SweepRecord {
  let spec: SweepSpec;
  try {
    spec = JSON.parse(String(r.spec)) as SweepSpec;
  } catch {
    spec = { name: String(r.name), base: {}, grid: [] };
  }
  return { id: String(r.id), name: String(r.name), spec, createdAt: Number(r.created_at), fields: sweepFields(spec) };
}

export class SweepsRepo {
  constructor(private readonly db: Db) {}

  create(s: { id: string; name: string; spec: SweepSpec; createdAt: number }): SweepRecord {
    this.db.prepare('INSERT INTO sweeps (id, name, spec, created_at) VALUES (?, ?, ?, ?)').run(s.id, s.name, JSON.stringify(s.spec), s.createdAt);
    return this.get(s.id)!;
  }

  get(id: string): SweepRecord | null {
    const row = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id);
    return row ? rowToSweep(row) : null;
  }

  /** Make an existing run (e.g. one just imported from a group bundle) a member of a sweep. */
  attachRun(runId: string, sweepId: string, point: Record<string, unknown>): void {
    this.db.prepare('UPDATE runs SET sweep_id = ?, sweep_point = ? WHERE id = ?').run(sweepId, JSON.stringify(point), runId);
  }

  /** Every sweep, newest first. */
  list(): SweepRecord[] {
    return this.db.prepare('SELECT * FROM sweeps ORDER BY created_at DESC, rowid DESC').all().map(rowToSweep);
  }

  /** The runs of a sweep (not in the trash), in the order they were queued. */
  runs(id: string): RunRecord[] {
    return this.db.prepare(`${SELECT_RUN} WHERE sweep_id = ? AND deleted_at IS NULL ORDER BY queued_at, rowid`).all(id).map(rowToRun);
  }

  /** Resolve a sweep id typed by a person: exact, else a unique prefix or suffix, else a unique name. */
  resolveId(ref: string): string {
    if (this.get(ref)) return ref;
    const p = ref.replace(/[\\%_]/g, (c) => '\\' + c);
    const rows = this.db.prepare("SELECT id FROM sweeps WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\' OR name = ? LIMIT 6").all(p + '%', '%' + p, ref);
    if (rows.length === 1) return String(rows[0].id);
    if (rows.length === 0) throw new Error(`no sweep with id or name '${ref}'`);
    throw new Error(`'${ref}' matches several sweeps (${rows.map((r) => r.id).join(', ')}); give more of the id`);
  }
}
