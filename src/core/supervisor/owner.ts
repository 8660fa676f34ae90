/**
 * Who owns a run: this process's supervisor identity, and whether another owner is alive.
 *
 * On the same host an owner is its pid plus the time that process started (from /proc on
 * Linux, `ps` elsewhere): a pid that exists but started at another time is a different process
 * that reused the number, so the owner is gone at once instead of after a heartbeat timeout.
 * Where the start time cannot be read, a fresh heartbeat is required as before.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, platform } from 'node:os';
import type { OwnerState, RunOwner } from '../store';

/** An owner whose heartbeat is older than this is considered gone even if its pid exists
 * (the pid may have been reused). Heartbeats are written every HEARTBEAT_MS. */
export const HEARTBEAT_MS = 5_000;
export const STALE_AFTER_MS = 60_000;

/** The OS's start time of process `pid` as an opaque string, or null when it cannot be read
 * (no such process, or an OS where it is not available). */
export function processStartToken(pid: number): string | null {
  if (!Number.isInteger(pid) || pid < 1) return null;
  if (platform() === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 22 (starttime, clock ticks since boot); the command name (field 2) may contain
      // spaces and parentheses, so count from the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const start = fields[19];
      return start && /^\d+$/.test(start) ? `linux:${start}` : null;
    } catch {
      return null;
    }
  }
  if (platform() === 'darwin' || platform() === 'freebsd') {
    try {
      const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return out ? `ps:${out}` : null;
    } catch {
      return null;
    }
  }
  return null;
}

let selfToken: string | null | undefined;

export function newOwner(): RunOwner {
  selfToken ??= processStartToken(process.pid);
  return { ownerId: randomBytes(8).toString('hex'), pid: process.pid, host: hostname(), startToken: selfToken };
}

function pidExists(pid: number): boolean {
  if (!pid || pid < 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the supervisor that owns a run still there? On this host: its pid exists and, when its
 * start time was recorded, that process is the same one (else its heartbeat must be fresh); on
 * another host (a shared data folder): its heartbeat is fresh. */
export function ownerAlive(o: OwnerState, now: number = Date.now()): boolean {
  const fresh = o.heartbeatAt === null || now - o.heartbeatAt < STALE_AFTER_MS;
  if (o.host === hostname()) {
    if (!pidExists(o.pid)) return false;
    if (o.startToken) {
      const current = processStartToken(o.pid);
      if (current !== null) return current === o.startToken;
    }
    return fresh;
  }
  return o.heartbeatAt !== null && fresh;
}
