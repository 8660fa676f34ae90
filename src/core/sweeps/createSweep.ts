/**
 * Creating a sweep: validate and expand the spec (every run config must pass its kind's schema
 * before anything is written), then store the group and all its runs as `queued` in one
 * transaction and hand them to the supervisor in order. From there they are ordinary runs: the
 * shared queue runs them one after another (or side by side up to the concurrency setting,
 * decision 0006), and a restart adopts or recovers them like any other run.
 */
import type { PushEvent } from '../../shared/api';
import type { RunRecord } from '../../shared/records';
import { expandSweep, formatSweepIssues, type SweepRecord } from '../../shared/sweeps';
import { newRunId } from '../runId';
import type { RunStore } from '../store';
import type { Supervisor } from '../supervisor/supervisor';

export interface SweepDeps {
  store: RunStore;
  supervisor: Pick<Supervisor, 'owner' | 'enqueue'>;
  emit(e: PushEvent): void;
}

export class SweepSpecError extends Error {}

/** Sweep ids read like run ids with a `sweep-` prefix (no run id starts with a letter). */
export function newSweepId(now: number = Date.now()): string {
  return `sweep-${newRunId(now)}`;
}

export function createSweep(d: SweepDeps, spec: unknown): { sweep: SweepRecord; runs: RunRecord[] } {
  const expanded = expandSweep(spec);
  if (!expanded.ok) throw new SweepSpecError(`invalid sweep:\n${formatSweepIssues(expanded.issues)}`);
  const now = Date.now();
  const sweepId = newSweepId(now);
  const { sweep, runs } = d.store.transaction(() => {
    const sweep = d.store.sweeps.create({ id: sweepId, name: expanded.spec.name, spec: expanded.spec, createdAt: now });
    const runs = expanded.points.map((p, i) => {
      const config = p.config as Record<string, unknown> & { kind: RunRecord['kind']; name: string; notes?: string; tags?: string[] };
      const id = newRunId(now);
      return d.store.runs.create({
        id,
        kind: config.kind,
        name: config.name,
        notes: config.notes ?? '',
        config,
        modelRef: typeof config.model === 'string' ? config.model : null,
        tags: config.tags ?? [],
        parentId: null,
        // One millisecond apart: the queue runs them in expansion order.
        createdAt: now + i,
        owner: d.supervisor.owner,
        sweep: { sweepId, point: p.assignments },
      });
    });
    return { sweep, runs };
  });
  for (const run of runs) d.emit({ type: 'run', run });
  for (const run of runs) d.supervisor.enqueue(run.id);
  return { sweep, runs: runs.map((r) => d.store.runs.get(r.id) ?? r) };
}
