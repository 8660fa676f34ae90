/**
 * The `runs` table: creation, filtered listing, status transitions (always through
 * canTransition), trash, and the bookkeeping a supervisor needs to own runs safely when several
 * processes share one data folder (owner, heartbeat, cancel requests).
 */
import type { RunKind } from '../../shared/config/kinds';
import type { RunSweepRef } from '../../shared/sweeps';
import type { ImportedOrigin, RunFilter, RunProgress, RunRecord } from '../../shared/records';
import { canTransition, StatusTransitionError, type RunStatus } from '../../shared/status';
import { transaction, type Db, type Row } from './sqlite';

export interface NewRun {
  id: string;
  kind: RunKind;
  name: string;
  notes: string;
  config: Record<string, unknown>;
  modelRef: string | null;
  tags: string[];
  parentId: string | null;
  createdAt: number;
  owner: RunOwner | null;
  /** The sweep that made it, with its swept values. */
  sweep?: RunSweepRef | null;
}

/** Which supervisor (process) owns a queued or running run. */
export interface RunOwner {
  ownerId: string;
  pid: number;
  host: string;
  /** When the owner process started, as the OS reports it (tells a live owner from a reused
   * pid); null where the OS does not say. */
  startToken?: string | null;
}

export interface OwnerState extends RunOwner {
  runId: string;
  status: RunStatus;
  heartbeatAt: number | null;
}

/** Decides whether the process that owns a run is still alive. */
export type OwnerLiveness = (o: OwnerState) => boolean;

export interface TransitionPatch {
  startedAt?: number | null;
  endedAt?: number | null;
  exitReason?: string | null;
  owner?: RunOwner | null;
  queuedAt?: number;
}

export type ClaimResult = { outcome: 'started'; run: RunRecord } | { outcome: 'gone' } | { outcome: 'busy' };

export const SELECT_RUN = `SELECT runs.*,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = runs.id ORDER BY tag)) AS tags_json
  FROM runs`;

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function rowToRun(r: Row): RunRecord {
  return {
    id: String(r.id),
    kind: String(r.kind) as RunKind,
    name: String(r.name),
    notes: r.notes === null || r.notes === undefined ? '' : String(r.notes),
    status: String(r.status) as RunStatus,
    config: parseJson<Record<string, unknown>>(r.config, {}),
    modelRef: str(r.model_ref),
    tags: parseJson<string[]>(r.tags_json, []),
    parentId: str(r.parent_id),
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    exitReason: str(r.exit_reason),
    progress: parseJson<RunProgress | null>(r.progress, null),
    device: str(r.device),
    imported: parseOrigin(r.origin, r.resume_trusted),
    sweep: r.sweep_id === null || r.sweep_id === undefined ? null : { sweepId: String(r.sweep_id), point: parseJson(r.sweep_point, {}) },
  };
}

function parseOrigin(origin: unknown, trusted: unknown): ImportedOrigin | null {
  const o = parseJson<Partial<ImportedOrigin> | null>(origin, null);
  if (!o || typeof o !== 'object') return null;
  return {
    bundle: String(o.bundle ?? ''),
    sourceRunId: String(o.sourceRunId ?? ''),
    exportedAt: String(o.exportedAt ?? ''),
    appVersion: String(o.appVersion ?? ''),
    resumeTrusted: Number(trusted ?? 0) === 1,
  };
}

function ownerState(r: Row): OwnerState {
  return {
    runId: String(r.id),
    status: String(r.status) as RunStatus,
    ownerId: String(r.owner_id ?? ''),
    pid: Number(r.owner_pid ?? 0),
    host: String(r.owner_host ?? ''),
    startToken: str(r.owner_start),
    heartbeatAt: num(r.heartbeat_at),
  };
}

/** Escape LIKE wildcards so user text matches literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

export class RunsRepo {
  constructor(private readonly db: Db) {}

  create(run: NewRun): RunRecord {
    return transaction(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO runs (id, kind, name, notes, status, config, model_ref, parent_id, created_at, queued_at, owner_id, owner_pid, owner_host, owner_start)
           VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.id, run.kind, run.name, run.notes, JSON.stringify(run.config), run.modelRef, run.parentId,
          run.createdAt, run.createdAt, run.owner?.ownerId ?? null, run.owner?.pid ?? null, run.owner?.host ?? null,
          run.owner?.startToken ?? null,
        );
      this.setTags(run.id, run.tags);
      if (run.sweep) this.db.prepare('UPDATE runs SET sweep_id = ?, sweep_point = ? WHERE id = ?').run(run.sweep.sweepId, JSON.stringify(run.sweep.point), run.id);
      return this.get(run.id)!;
    });
  }

  setTags(id: string, tags: string[]): void {
    transaction(this.db, () => {
      this.db.prepare('DELETE FROM run_tags WHERE run_id = ?').run(id);
      const ins = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
      for (const t of tags) ins.run(id, t);
    });
  }

  /** Rename a run, or replace its notes or tags (what the run page edits). */
  updateMeta(id: string, patch: { name?: string; notes?: string; tags?: string[] }): RunRecord | null {
    return transaction(this.db, () => {
      if (!this.get(id)) return null;
      if (patch.name !== undefined) this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(patch.name, id);
      if (patch.notes !== undefined) this.db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(patch.notes, id);
      if (patch.tags !== undefined) this.setTags(id, [...new Set(patch.tags)]);
      return this.get(id);
    });
  }

  /** A run by id; trashed runs only with `includeDeleted`. */
  get(id: string, opts: { includeDeleted?: boolean } = {}): RunRecord | null {
    const row = this.db.prepare(`${SELECT_RUN} WHERE id = ?${opts.includeDeleted ? '' : ' AND deleted_at IS NULL'}`).get(id);
    return row ? rowToRun(row) : null;
  }

  isDeleted(id: string): boolean {
    const row = this.db.prepare('SELECT deleted_at FROM runs WHERE id = ?').get(id);
    return !!row && row.deleted_at !== null;
  }

  /** Runs not in the trash, newest first. `text` matches name, notes or id (case-insensitive). */
  list(filter: RunFilter = {}): RunRecord[] {
    const where = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    if (filter.kind) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.tag) {
      // Answered from the run_tags primary key (run_id, tag).
      where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = runs.id AND t.tag = ?)');
      params.push(filter.tag);
    }
    if (filter.text && filter.text.trim()) {
      const p = likePattern(filter.text.trim());
      where.push("(name LIKE ? ESCAPE '\\' OR notes LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')");
      params.push(p, p, p);
    }
    params.push(filter.limit ?? 500, filter.offset ?? 0);
    const rows = this.db
      .prepare(`${SELECT_RUN} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`)
      .all(...params);
    return rows.map(rowToRun);
  }

  /** Resolve an id typed by a person: exact, else a unique prefix or suffix. */
  resolveId(fragment: string): string {
    if (this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(fragment)) return fragment;
    const p = fragment.replace(/[\\%_]/g, (c) => '\\' + c);
    const rows = this.db
      .prepare("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\' LIMIT 6")
      .all(p + '%', '%' + p);
    if (rows.length === 1) return String(rows[0].id);
    if (rows.length === 0) throw new Error(`no run with id '${fragment}'`);
    throw new Error(`'${fragment}' matches several runs (${rows.map((r) => r.id).join(', ')}); give more of the id`);
  }

  /** Change status, checked against the lifecycle in shared/status.ts. */
  transition(id: string, to: RunStatus, patch: TransitionPatch = {}): RunRecord {
    return transaction(this.db, () => {
      const row = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(id);
      if (!row) throw new Error(`no run with id '${id}'`);
      const from = String(row.status) as RunStatus;
      if (!canTransition(from, to)) throw new StatusTransitionError(from, to);
      const sets = ['status = ?'];
      const params: unknown[] = [to];
      const put = (col: string, v: unknown) => {
        sets.push(`${col} = ?`);
        params.push(v);
      };
      if ('startedAt' in patch) put('started_at', patch.startedAt);
      if ('endedAt' in patch) put('ended_at', patch.endedAt);
      if ('exitReason' in patch) put('exit_reason', patch.exitReason);
      if ('queuedAt' in patch) put('queued_at', patch.queuedAt);
      if ('owner' in patch) {
        put('owner_id', patch.owner?.ownerId ?? null);
        put('owner_pid', patch.owner?.pid ?? null);
        put('owner_host', patch.owner?.host ?? null);
        put('owner_start', patch.owner?.startToken ?? null);
      }
      if (to !== 'running') put('cancel_requested', 0);
      params.push(id);
      this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...params);
      return this.get(id, { includeDeleted: true })!;
    });
  }

  setProgress(id: string, progress: RunProgress): void {
    this.db.prepare('UPDATE runs SET progress = ? WHERE id = ?').run(JSON.stringify(progress), id);
  }

  setDevice(id: string, device: string): void {
    this.db.prepare('UPDATE runs SET device = ? WHERE id = ?').run(device, id);
  }

  /** Move a finished run to the trash. */
  softDelete(id: string, now: number): void {
    transaction(this.db, () => {
      const run = this.get(id);
      if (!run) throw new Error(`no run with id '${id}' (or it is already in the trash)`);
      if (run.status === 'running' || run.status === 'queued') {
        throw new Error(`run '${id}' is ${run.status}; cancel it before deleting it`);
      }
      this.db.prepare('UPDATE runs SET deleted_at = ? WHERE id = ?').run(now, id);
    });
  }

  restore(id: string): RunRecord | null {
    this.db.prepare('UPDATE runs SET deleted_at = NULL WHERE id = ?').run(id);
    return this.get(id);
  }

  /** Permanently remove trashed runs deleted before `before` (their rows cascade). */
  purgeDeleted(before: number): string[] {
    return transaction(this.db, () => {
      const ids = this.db.prepare('SELECT id FROM runs WHERE deleted_at IS NOT NULL AND deleted_at < ?').all(before).map((r) => String(r.id));
      this.db.prepare('DELETE FROM runs WHERE deleted_at IS NOT NULL AND deleted_at < ?').run(before);
      return ids;
    });
  }

  // ---- supervision -------------------------------------------------------------------------

  /** `running` runs whose owning process is gone (a read: no write lock is taken). */
  staleRunning(self: string, alive: OwnerLiveness): string[] {
    return this.db
      .prepare("SELECT * FROM runs WHERE status = 'running'")
      .all()
      .map(ownerState)
      .filter((o) => !(o.ownerId === self || (o.ownerId && alive(o))))
      .map((o) => o.runId);
  }

  /** Mark `running` runs whose owning process is gone as `interrupted`; returns them. */
  recoverStale(self: string, alive: OwnerLiveness, now: number): RunRecord[] {
    return transaction(this.db, () => {
      const rows = this.db.prepare("SELECT * FROM runs WHERE status = 'running'").all().map(ownerState);
      const out: RunRecord[] = [];
      for (const o of rows) {
        if (o.ownerId === self || (o.ownerId && alive(o))) continue;
        const who = o.pid ? `the process that ran it (pid ${o.pid}${o.host ? ' on ' + o.host : ''})` : 'the process that ran it';
        out.push(
          this.transition(o.runId, 'interrupted', {
            endedAt: now,
            exitReason: `${who} stopped before the run finished (app closed or crashed); resume it from its last checkpoint`,
            owner: null,
          }),
        );
      }
      return out;
    });
  }

  /** Are there `queued` runs whose owner is gone (or that have none)? (A read.) */
  hasOrphanedQueued(self: string, alive: OwnerLiveness): boolean {
    return this.db
      .prepare("SELECT * FROM runs WHERE status = 'queued' AND deleted_at IS NULL")
      .all()
      .map(ownerState)
      .some((o) => o.ownerId !== self && !(o.ownerId && alive(o)));
  }

  /** Take over `queued` runs whose owner is gone (or that have none), oldest first. */
  adoptQueued(owner: RunOwner, alive: OwnerLiveness): string[] {
    return transaction(this.db, () => {
      const rows = this.db
        .prepare("SELECT * FROM runs WHERE status = 'queued' AND deleted_at IS NULL ORDER BY queued_at, rowid")
        .all()
        .map(ownerState);
      const ids: string[] = [];
      const upd = this.db.prepare('UPDATE runs SET owner_id = ?, owner_pid = ?, owner_host = ?, owner_start = ? WHERE id = ?');
      for (const o of rows) {
        if (o.ownerId === owner.ownerId || (o.ownerId && alive(o))) {
          if (o.ownerId === owner.ownerId) ids.push(o.runId);
          continue;
        }
        upd.run(owner.ownerId, owner.pid, owner.host, owner.startToken ?? null, o.runId);
        ids.push(o.runId);
      }
      return ids;
    });
  }

  /** Atomically start a queued run if fewer than `limit` runs are running across every live
   * process sharing this store. Stale running runs are recovered on the way. */
  claim(id: string, owner: RunOwner, limit: number, alive: OwnerLiveness, now: number): ClaimResult {
    return transaction(this.db, () => {
      const row = this.db.prepare('SELECT status, deleted_at FROM runs WHERE id = ?').get(id);
      if (!row || row.status !== 'queued' || row.deleted_at !== null) return { outcome: 'gone' as const };
      this.recoverStale(owner.ownerId, alive, now);
      const running = Number(this.db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'running'").get()?.n ?? 0);
      if (running >= limit) return { outcome: 'busy' as const };
      // First come, first served across processes: a run queued earlier by another live
      // process goes first (its owner claims it on its next poll).
      if (this.queuedAhead(id).some((o) => o.ownerId !== owner.ownerId && o.ownerId && alive(o))) return { outcome: 'busy' as const };
      const run = this.transition(id, 'running', { startedAt: now, endedAt: null, exitReason: null, owner });
      this.db.prepare('UPDATE runs SET heartbeat_at = ?, progress = NULL WHERE id = ?').run(now, id);
      return { outcome: 'started' as const, run };
    });
  }

  /** Queued runs (any owner) that were queued before `id`, oldest first. */
  private queuedAhead(id: string): OwnerState[] {
    return this.db
      .prepare(
        `SELECT r.* FROM runs r, runs me WHERE me.id = ? AND r.status = 'queued' AND r.deleted_at IS NULL AND r.id <> me.id
           AND (r.queued_at < me.queued_at OR (r.queued_at = me.queued_at AND r.rowid < me.rowid))
         ORDER BY r.queued_at, r.rowid`,
      )
      .all(id)
      .map(ownerState);
  }

  /** Where a queued run stands: runs queued before it whose owner is alive (orphans left by a
   * crashed process do not count), and runs running now. */
  queuePosition(id: string, alive: OwnerLiveness): { ahead: number; running: number } {
    const ahead = this.queuedAhead(id).filter((o) => o.ownerId && alive(o)).length;
    const running = Number(this.db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'running'").get()?.n ?? 0);
    return { ahead, running };
  }

  // ---- imported runs -------------------------------------------------------------------------

  /** Record where an imported run came from (Resume then needs the user's confirmation). */
  setOrigin(id: string, origin: Omit<ImportedOrigin, 'resumeTrusted'>): void {
    this.db.prepare('UPDATE runs SET origin = ?, resume_trusted = 0 WHERE id = ?').run(JSON.stringify(origin), id);
  }

  /** The user confirmed an imported run's validated config: it may be resumed here. */
  trustForResume(id: string, config: Record<string, unknown>): void {
    this.db.prepare('UPDATE runs SET resume_trusted = 1, config = ? WHERE id = ?').run(JSON.stringify(config), id);
  }

  /** Hide a run while it is being written in several transactions (an import): it is in the
   * trash until `restore`, so no list shows it half-written, and a crash leaves it to the purge. */
  hideWhileWriting(id: string, now: number): void {
    this.db.prepare('UPDATE runs SET deleted_at = ? WHERE id = ?').run(now, id);
  }

  /** Remove a run and its rows at once (an import that failed half-way). */
  remove(id: string): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  }

  /** Ask whichever process owns a queued/running run to cancel it. */
  requestCancel(id: string): boolean {
    const res = this.db.prepare("UPDATE runs SET cancel_requested = 1 WHERE id = ? AND status IN ('queued', 'running')").run(id);
    return Number(res.changes) > 0;
  }

  /** Runs owned by `ownerId` with a pending cancel request. */
  cancelRequests(ownerId: string): string[] {
    return this.db
      .prepare("SELECT id FROM runs WHERE owner_id = ? AND cancel_requested = 1 AND status IN ('queued', 'running')")
      .all(ownerId)
      .map((r) => String(r.id));
  }

  /** Status of several runs at once (for a supervisor noticing changes made elsewhere). */
  statuses(ids: string[]): Map<string, RunStatus> {
    const out = new Map<string, RunStatus>();
    const st = this.db.prepare('SELECT status FROM runs WHERE id = ?');
    for (const id of ids) {
      const r = st.get(id);
      if (r) out.set(id, String(r.status) as RunStatus);
    }
    return out;
  }

  heartbeat(ownerId: string, now: number): void {
    this.db.prepare("UPDATE runs SET heartbeat_at = ? WHERE owner_id = ? AND status IN ('queued', 'running')").run(now, ownerId);
  }

  /** Put a finished run back in the queue (resume/retry), owned by `owner`. */
  requeue(id: string, owner: RunOwner, now: number): RunRecord {
    return this.transition(id, 'queued', { queuedAt: now, owner, endedAt: null });
  }
}
