/**
 * Batched writes: metric, event and sample rows and the latest progress of each run are
 * buffered and committed in one transaction every `flushMs` (≤ 1 s) or as soon as `maxRows`
 * rows wait, so a busy runner costs a few commits per second, and a crash of the supervisor
 * loses at most the last interval.
 *
 * When another process holds the write lock (a long import, a stuck tool), a flush fails and
 * everything stays buffered, in order, for the next attempt: nothing a runner sent is dropped,
 * and single-row writes (checkpoint, device, artifact) queued with `addWrite` commit in the same
 * transaction as the rows sent before them.
 */
import type { RunEvent, RunProgress, SampleRecord } from '../../shared/records';
import type { RunStore } from './index';
import { isBusyError, retryWhileBusy, type RetryOptions } from './retry';
import type { MetricRow } from './telemetryRepo';

export interface BatchWriterOptions {
  /** Longest time a row waits in memory (ms). Default 250. */
  flushMs?: number;
  /** Flush as soon as this many rows wait. Default 500. */
  maxRows?: number;
  /** Called when a flush fails (the rows stay buffered and are retried). A store locked by
   * another process is reported once per episode. */
  onError?: (err: unknown) => void;
}

export class BatchWriter {
  private metrics: MetricRow[] = [];
  private events: RunEvent[] = [];
  private samples: SampleRecord[] = [];
  private progress = new Map<string, RunProgress>();
  private writes: (() => void)[] = [];
  private lockedSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxRows: number;

  constructor(private readonly store: RunStore, private readonly opts: BatchWriterOptions = {}) {
    this.flushMs = Math.min(opts.flushMs ?? 250, 1000);
    this.maxRows = opts.maxRows ?? 500;
  }

  get pendingRows(): number {
    return this.metrics.length + this.events.length + this.samples.length + this.writes.length;
  }

  /** Since when flushes have been failing because another process holds the lock (ms), or null. */
  get lockedSinceMs(): number | null {
    return this.lockedSince;
  }

  /** A store write that must commit after every row queued before it (e.g. a checkpoint
   * record after the metrics it covers), in the same transaction. */
  addWrite(write: () => void): void {
    this.writes.push(write);
    this.schedule();
  }

  addMetrics(rows: MetricRow[]): void {
    for (const r of rows) this.metrics.push(r);
    this.schedule();
  }

  addEvent(e: RunEvent): void {
    this.events.push(e);
    this.schedule();
  }

  addSample(s: SampleRecord): void {
    this.samples.push(s);
    this.schedule();
  }

  setProgress(runId: string, p: RunProgress): void {
    this.progress.set(runId, p);
    this.schedule();
  }

  private schedule(): void {
    if (this.pendingRows >= this.maxRows) {
      this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.flushMs);
    }
  }

  /** Commit everything buffered now, in one transaction. Returns false when it failed (the rows
   * stay buffered). */
  flush(): boolean {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pendingRows === 0 && this.progress.size === 0) return true;
    if (this.store.isClosed) return false;
    const metrics = this.metrics;
    const events = this.events;
    const samples = this.samples;
    const progress = this.progress;
    const writes = this.writes;
    try {
      this.store.transaction(() => {
        this.store.telemetry.insertMetrics(metrics);
        this.store.telemetry.insertEvents(events);
        this.store.telemetry.insertSamples(samples);
        for (const [id, p] of progress) this.store.runs.setProgress(id, p);
        for (const w of writes) w();
      });
    } catch (err) {
      const busy = isBusyError(err);
      if (!busy || this.lockedSince === null) this.opts.onError?.(err);
      if (busy) this.lockedSince ??= Date.now();
      if (!this.timer) this.timer = setTimeout(() => ((this.timer = null), this.flush()), this.flushMs);
      return false;
    }
    this.lockedSince = null;
    this.metrics = [];
    this.events = [];
    this.samples = [];
    this.progress = new Map();
    this.writes = [];
    return true;
  }

  /** Flush, retrying while the store is locked by another process (bounded: a
   * StoreLockedError after `maxWaitMs`). Resolves when everything buffered is committed. */
  async drain(opts: Omit<RetryOptions, 'what' | 'file'> = {}): Promise<void> {
    await retryWhileBusy(
      () => {
        if (this.flush()) return;
        // Surface the cause to the retry loop: busy → wait and retry; anything else → throw.
        const probe = new Error('database is locked');
        if (this.lockedSince !== null) throw probe;
        throw new Error(`writing buffered run data to ${this.store.file} failed`);
      },
      { ...opts, what: 'writing run data', file: this.store.file },
    );
  }

  /** Flush and stop the timer. */
  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
