/**
 * Bounded retry for writes that meet another process's write lock. SQLite's busy timeout
 * (sqlite.ts, BUSY_TIMEOUT_MS) already waits inside each attempt; this adds attempts spaced out
 * on the event loop, so a writer outlasts a long lock (a bundle import, a `VACUUM`, a stuck
 * process) without blocking its process for the whole wait, and gives up with a named error
 * after `maxWaitMs`.
 */

/** How long a writer keeps retrying a locked store before it gives up (ms). */
export const WRITE_RETRY_MAX_MS = 10 * 60_000;

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/** Did this error come from the store being locked by another connection? */
export function isBusyError(err: unknown): boolean {
  const e = err as { errcode?: unknown; message?: unknown } | null;
  if (e && typeof e.errcode === 'number') {
    const primary = e.errcode & 0xff; // extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT…) keep the primary in the low byte
    return primary === SQLITE_BUSY || primary === SQLITE_LOCKED;
  }
  return typeof e?.message === 'string' && /database (table )?is locked|SQLITE_BUSY/i.test(e.message);
}

export class StoreLockedError extends Error {
  constructor(readonly file: string, readonly waitedMs: number, what: string) {
    super(
      `the run store ${file} stayed locked by another process for ${Math.round(waitedMs / 1000)} s while ${what}; ` +
        'close the other Benchtop window or command that is writing to this data folder and try again',
    );
    this.name = 'StoreLockedError';
  }
}

export interface RetryOptions {
  /** Give up after this long (ms). Default WRITE_RETRY_MAX_MS. */
  maxWaitMs?: number;
  /** First pause between attempts (ms), doubled up to `maxPauseMs`. Default 50. */
  firstPauseMs?: number;
  maxPauseMs?: number;
  /** For the error message: what was being written. */
  what: string;
  file: string;
  /** Called once when the first attempt met the lock (e.g. to tell the user why it waits). */
  onWait?: () => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run `attempt` until it succeeds; a busy/locked error is retried, any other error is thrown. */
export async function retryWhileBusy<T>(attempt: () => T, opts: RetryOptions): Promise<T> {
  const t0 = Date.now();
  const maxWait = opts.maxWaitMs ?? WRITE_RETRY_MAX_MS;
  let pause = opts.firstPauseMs ?? 50;
  let waited = false;
  for (;;) {
    try {
      return attempt();
    } catch (err) {
      if (!isBusyError(err)) throw err;
      const elapsed = Date.now() - t0;
      if (elapsed >= maxWait) throw new StoreLockedError(opts.file, elapsed, opts.what);
      if (!waited) {
        waited = true;
        opts.onWait?.();
      }
      await sleep(Math.min(pause, maxWait - elapsed));
      pause = Math.min(pause * 2, opts.maxPauseMs ?? 1000);
    }
  }
}
