/**
 * The job supervisor: a FIFO queue of runs, a concurrency limit (settings.concurrency, counted
 * across every live process sharing the store), one runner process per run, and the
 * bookkeeping that turns runner messages into store rows and push events.
 *
 * Failure model: the supervisor, not the runner, writes to SQLite. Whatever a runner has sent
 * is committed within the writer's interval (≤ 1 s) and always before the run's final status,
 * so a runner killed by SIGKILL or the OOM killer loses only what it had not sent yet.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PushEvent } from '../../shared/api';
import type { RunRecord } from '../../shared/records';
import type { Settings } from '../../shared/settings';
import { isTerminal } from '../../shared/status';
import { isBusyError, type RunStore, type RunOwner } from '../store';
import { sanitizeImportedConfig } from '../bundles/importedConfig';
import type { BatchWriter } from '../store/writer';
import type { SupervisorMessage } from '../runner/protocol';
import { RunnerSession } from './runnerSession';
import type { ProcessLauncher } from './launcher';
import { HEARTBEAT_MS, newOwner, ownerAlive } from './owner';
import { withAllocatorEnv } from '../../engine/allocatorEnv';

export interface SupervisorOptions {
  store: RunStore;
  writer: BatchWriter;
  launcher: ProcessLauncher;
  /** Runner entry script and the Node flags it needs (e.g. ['--import', tsxUrl]). */
  runnerEntry: string;
  runnerExecArgv?: string[];
  dataDir: string;
  getSettings(): Settings;
  emit(e: PushEvent): void;
  /** After a cancel, how long a runner may take to stop before it is killed (ms). Default 10 s. */
  cancelTimeoutMs?: number;
  /** How often cross-process cancel requests and queue changes are polled (ms). Default 500. */
  pollMs?: number;
  /** Extra environment for runner processes. */
  env?: NodeJS.ProcessEnv;
  /** False: never start runners (a read-only CLI command). Default true. */
  execute?: boolean;
  /** How often `running` runs of other processes are checked for a dead owner (ms); they are
   * marked interrupted within about this long after their process died. Default 1000. */
  staleCheckMs?: number;
}

export interface ResumeOptions {
  /** The user reviewed an imported run's config and wants it resumed here. */
  trustImported?: boolean;
}

/** Resume refused because the run was imported and its config has not been confirmed. */
export class ImportedRunResumeError extends Error {
  constructor(readonly runId: string, bundle: string) {
    super(
      `run '${runId}' was imported from ${bundle || 'a bundle'}: its config comes from another machine, so Benchtop ` +
        'does not resume it on its own. Review its config, then confirm (CLI: benchtop resume --trust-imported)',
    );
    this.name = 'ImportedRunResumeError';
  }
}

export class Supervisor {
  readonly owner: RunOwner = newOwner();
  private readonly queue: string[] = [];
  private readonly active = new Map<string, RunnerSession>();
  private readonly runWatchers = new Set<(run: RunRecord) => void>();
  private poll: NodeJS.Timeout | null = null;
  private staleWatch: NodeJS.Timeout | null = null;
  private lastHeartbeat = 0;
  /** Take over queued runs whose process died (the app and `serve`; not a `benchtop run`). */
  private adopting = false;
  private closed = false;

  constructor(private readonly opts: SupervisorOptions) {}

  private get execute(): boolean {
    return this.opts.execute !== false;
  }

  /** Recover after a crash: stale `running` runs become `interrupted`; with `adoptQueued`,
   * queued runs nobody owns are queued here again (oldest first). */
  start(opts: { adoptQueued: boolean }): RunRecord[] {
    const recovered = this.opts.store.runs.recoverStale(this.owner.ownerId, (o) => ownerAlive(o), Date.now());
    for (const r of recovered) this.emitRun(r);
    if (opts.adoptQueued && this.execute) {
      for (const id of this.opts.store.runs.adoptQueued(this.owner, (o) => ownerAlive(o))) this.enqueue(id);
    }
    this.adopting = opts.adoptQueued;
    if (this.execute && !this.closed) {
      this.staleWatch = setInterval(() => this.checkStale(), this.opts.staleCheckMs ?? 1000);
      this.staleWatch.unref();
    }
    return recovered;
  }

  /** A process that died without marking its runs (kill -9, a crash, a closed terminal) leaves
   * them `running` (or `queued`): whichever Benchtop process is open notices within a second or
   * so. A read each time; the write lock only when something is to be changed. */
  private checkStale(): void {
    if (this.closed || this.opts.store.isClosed) return;
    try {
      const alive = (o: Parameters<typeof ownerAlive>[0]) => ownerAlive(o);
      const runs = this.opts.store.runs;
      let changed = false;
      if (runs.staleRunning(this.owner.ownerId, alive).length > 0) {
        for (const r of runs.recoverStale(this.owner.ownerId, alive, Date.now())) this.emitRun(r);
        changed = true;
      }
      // A `benchtop run` killed while its run waited leaves it queued: the app or `serve` runs it.
      if (this.adopting && runs.hasOrphanedQueued(this.owner.ownerId, alive)) {
        for (const id of runs.adoptQueued(this.owner, alive)) if (!this.queue.includes(id) && !this.active.has(id)) this.queue.push(id);
        changed = true;
      }
      if (changed) this.pump();
    } catch (err) {
      if (!isBusyError(err)) console.warn(`benchtop: checking for stopped runs failed: ${(err as Error).message}`);
    }
  }

  /** Where a queued run stands across every process sharing the data folder. */
  queuePosition(runId: string): { ahead: number; running: number } {
    return this.opts.store.runs.queuePosition(runId, (o) => ownerAlive(o));
  }

  /** Add a queued run (owned by this supervisor) to the end of the queue. */
  enqueue(runId: string): void {
    if (!this.execute || this.closed) return;
    if (!this.queue.includes(runId) && !this.active.has(runId)) this.queue.push(runId);
    this.pump();
  }

  queuedRunIds(): string[] {
    return [...this.queue];
  }

  activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  /** pid of the runner process of an active run. */
  runnerPid(runId: string): number | undefined {
    return this.active.get(runId)?.pid;
  }

  /** Start queued runs while the concurrency limit allows. */
  pump(): void {
    if (this.closed || !this.execute) return;
    const limit = this.opts.getSettings().concurrency;
    while (this.queue.length > 0 && this.active.size < limit) {
      const id = this.queue[0];
      let res;
      try {
        res = this.opts.store.runs.claim(id, this.owner, limit, (o) => ownerAlive(o), Date.now());
      } catch (err) {
        // The store is locked by another process for longer than busy_timeout: retry on the next poll.
        if (!isBusyError(err)) console.warn(`benchtop: could not start run ${id} yet: ${(err as Error).message}`);
        break;
      }
      if (res.outcome === 'busy') break;
      this.queue.shift();
      if (res.outcome === 'gone') {
        const run = this.opts.store.runs.get(id, { includeDeleted: true });
        if (run) this.emitRun(run);
        continue;
      }
      this.launch(res.run);
    }
    this.armPoll();
  }

  private launch(run: RunRecord): void {
    const runDir = join(this.opts.dataDir, 'runs', run.id);
    mkdirSync(runDir, { recursive: true });
    const session = new RunnerSession({
      run,
      runDir,
      dataDir: this.opts.dataDir,
      store: this.opts.store,
      writer: this.opts.writer,
      emit: (e) => this.emit(e),
      cancelTimeoutMs: this.opts.cancelTimeoutMs ?? 10_000,
      getSettings: this.opts.getSettings,
      onFinished: (final) => {
        this.active.delete(run.id);
        this.emitRun(final);
        this.pump();
      },
    });
    this.active.set(run.id, session);
    this.emitRun(run);
    session.launch(this.opts.launcher, this.opts.runnerEntry, {
      env: withAllocatorEnv({ ...process.env, ...this.opts.env, BENCHTOP_RUN_ID: run.id, BENCHTOP_HOME: this.opts.dataDir }),
      execArgv: this.opts.runnerExecArgv ?? [],
    });
  }

  /**
   * Cancel a run. Active here: the runner is asked to stop (its executor sees the AbortSignal)
   * and is killed if it has not exited after the cancel timeout. Queued: cancelled at once.
   * Running in another process: a cancel request is recorded for its owner to act on.
   * `force`: kill the runner now instead of waiting for the executor to stop.
   */
  cancel(runId: string, opts: { force?: boolean } = {}): RunRecord | null {
    const session = this.active.get(runId);
    if (session) {
      session.cancel(opts.force === true);
      return this.opts.store.runs.get(runId, { includeDeleted: true });
    }
    const qi = this.queue.indexOf(runId);
    if (qi >= 0) this.queue.splice(qi, 1);
    const run = this.opts.store.runs.get(runId, { includeDeleted: true });
    if (!run) return null;
    if (run.status === 'queued') {
      const done = this.opts.store.runs.transition(runId, 'cancelled', { endedAt: Date.now(), exitReason: 'cancelled before it started' });
      this.emitRun(done);
      return done;
    }
    if (run.status === 'running') this.opts.store.runs.requestCancel(runId);
    return run;
  }

  /** Queue an interrupted, failed or cancelled run again; its runner gets the latest
   * checkpoint as `resumeFrom`, and metrics logged after that checkpoint are dropped (the
   * resumed run logs those steps again). An imported run is resumed only once the user
   * confirmed it (`trustImported`), and only with a config that validates, paths re-rooted. */
  resume(runId: string, opts: ResumeOptions = {}): RunRecord {
    const run = this.opts.store.runs.get(runId);
    if (!run) throw new Error(`no run with id '${runId}'`);
    if (!['interrupted', 'failed', 'cancelled'].includes(run.status)) {
      throw new Error(`run '${runId}' is ${run.status}; only interrupted, failed or cancelled runs can be resumed`);
    }
    if (run.imported && !run.imported.resumeTrusted) {
      if (!opts.trustImported) throw new ImportedRunResumeError(runId, run.imported.bundle);
      const clean = sanitizeImportedConfig(run.config, this.opts.dataDir, `run '${runId}'`);
      if (!clean.ok) throw new Error(clean.message);
      this.opts.store.runs.trustForResume(runId, clean.config);
    }
    const cp = this.opts.store.telemetry.checkpoint(runId);
    const queued = this.opts.store.transaction(() => {
      if (cp) this.opts.store.telemetry.deleteMetricsAfter(runId, cp.step);
      return this.opts.store.runs.requeue(runId, this.owner, Date.now());
    });
    const text = cp ? `resume requested: continues from the checkpoint at step ${cp.step}` : 'resume requested: no checkpoint, so the run starts over';
    this.opts.writer.addEvent({ runId, time: Date.now(), level: 'info', text });
    this.emitRun(queued);
    this.enqueue(runId);
    return queued;
  }

  /** Resolves with the run once it reaches a final status (for runs this supervisor owns). */
  waitFor(runId: string): Promise<RunRecord> {
    return new Promise((resolve, reject) => {
      const now = this.opts.store.runs.get(runId, { includeDeleted: true });
      if (!now) return reject(new Error(`no run with id '${runId}'`));
      if (isTerminal(now.status) && !this.active.has(runId)) return resolve(now);
      const watch = (run: RunRecord) => {
        if (run.id === runId && isTerminal(run.status)) {
          this.runWatchers.delete(watch);
          resolve(run);
        }
      };
      this.runWatchers.add(watch);
    });
  }

  private emitRun(run: RunRecord): void {
    this.emit({ type: 'run', run });
    for (const w of [...this.runWatchers]) w(run);
  }

  private emit(e: PushEvent): void {
    try {
      this.opts.emit(e);
    } catch (err) {
      console.warn(`benchtop: a push listener failed: ${(err as Error).message}`);
    }
  }

  private armPoll(): void {
    const busy = this.active.size > 0 || this.queue.length > 0;
    if (busy && !this.poll && !this.closed) {
      this.poll = setInterval(() => this.tick(), this.opts.pollMs ?? 500);
      this.poll.unref();
    } else if (!busy && this.poll) {
      clearInterval(this.poll);
      this.poll = null;
    }
  }

  /** Notice what other processes did: cancel requests, queued runs cancelled elsewhere,
   * capacity freed by runs finishing elsewhere; keep this owner's heartbeat fresh. */
  private tick(): void {
    if (this.closed || this.opts.store.isClosed) return;
    try {
      for (const id of this.opts.store.runs.cancelRequests(this.owner.ownerId)) this.cancel(id);
      const statuses = this.opts.store.runs.statuses(this.queue);
      for (const id of [...this.queue]) {
        const st = statuses.get(id);
        if (st === 'queued') continue;
        this.queue.splice(this.queue.indexOf(id), 1);
        const run = this.opts.store.runs.get(id, { includeDeleted: true });
        if (run) this.emitRun(run);
      }
      const now = Date.now();
      if (now - this.lastHeartbeat >= HEARTBEAT_MS) {
        this.opts.store.runs.heartbeat(this.owner.ownerId, now);
        this.lastHeartbeat = now;
      }
    } catch (err) {
      if (!isBusyError(err)) console.warn(`benchtop: supervisor poll failed: ${(err as Error).message}`);
    }
    this.pump();
  }

  /** Stop: runners still active are stopped and their runs marked `interrupted` (resumable);
   * queued runs stay queued for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (this.staleWatch) clearInterval(this.staleWatch);
    this.staleWatch = null;
    await Promise.all([...this.active.values()].map((s) => s.shutdown()));
  }
}

export type { SupervisorMessage };
