/** A sweep as the group page and `benchtop sweep` show it: its runs, progress, and each run's final metrics. */
import { sweepProgress, type SweepDetail } from '../../shared/sweeps';
import type { RunStore } from '../store';

export function sweepDetail(store: RunStore, id: string): SweepDetail | null {
  const sweep = store.sweeps.get(id);
  if (!sweep) return null;
  const runs = store.sweeps.runs(id);
  const finals: SweepDetail['finals'] = {};
  for (const r of runs) finals[r.id] = Object.fromEntries(Object.entries(store.telemetry.lastMetrics(r.id)).map(([k, v]) => [k, v.value]));
  return { sweep, runs, progress: sweepProgress(runs), finals };
}
