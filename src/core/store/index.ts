/**
 * The run store: the one repository module the rest of Benchtop uses for persistence. Nothing
 * outside src/core/store writes SQL or imports the SQLite engine, so the engine can be swapped
 * (docs/decisions/0001).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CatalogRepo } from './catalogRepo';
import { migrate } from './migrations';
import { RunsRepo } from './runsRepo';
import { SamplesRepo } from './samplesRepo';
import { FinalMetricsRepo } from './finalMetricsRepo';
import { SweepsRepo } from './sweepsRepo';
import { retryWhileBusy, type RetryOptions } from './retry';
import { openDatabase, transaction, type Db } from './sqlite';
import { TelemetryRepo } from './telemetryRepo';

export class RunStore {
  readonly runs: RunsRepo;
  readonly telemetry: TelemetryRepo;
  readonly catalog: CatalogRepo;
  /** Paged, filtered sample reads (the samples viewer). */
  readonly samples: SamplesRepo;
  /** Last metric values of many runs (the Runs table's metric columns). */
  readonly finals: FinalMetricsRepo;
  readonly sweeps: SweepsRepo;
  private closed = false;

  private constructor(private readonly db: Db, readonly file: string) {
    this.runs = new RunsRepo(db);
    this.telemetry = new TelemetryRepo(db);
    this.catalog = new CatalogRepo(db);
    this.samples = new SamplesRepo(db);
    this.finals = new FinalMetricsRepo(db);
    this.sweeps = new SweepsRepo(db);
  }

  /** Open (creating and migrating as needed) the store in `file`. */
  static open(file: string): RunStore {
    mkdirSync(dirname(file), { recursive: true });
    const db = openDatabase(file);
    try {
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new RunStore(db, file);
  }

  /** Run `fn` as one transaction (all its writes commit together or not at all). */
  transaction<T>(fn: () => T): T {
    return transaction(this.db, fn);
  }

  /** `transaction(fn)`, retried (on the event loop, without blocking it between attempts) while
   * another process holds the write lock; a StoreLockedError after `maxWaitMs`. */
  writeWithRetry<T>(what: string, fn: () => T, opts: Omit<RetryOptions, 'what' | 'file'> = {}): Promise<T> {
    return retryWhileBusy(() => {
      if (this.closed) throw new Error(`the run store ${this.file} is closed (while ${what})`);
      return transaction(this.db, fn);
    }, { ...opts, what, file: this.file });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

export { DEFAULT_MAX_POINTS, type MetricRow } from './telemetryRepo';
export type { NewRun, RunOwner, OwnerState, OwnerLiveness, ClaimResult } from './runsRepo';
export { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
export { isBusyError, StoreLockedError, WRITE_RETRY_MAX_MS } from './retry';
