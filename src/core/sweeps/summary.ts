/** A sweep as the group page and `benchtop sweep` show it: its runs, progress, and each run's final metrics. */
import { sweepProgress, type SweepDetail } from '../../shared/sweeps';
import type { RunStore } from '../store';
import { groupEffectVerdict } from '../expectedEffect';

export function sweepDetail(store: RunStore, id: string): SweepDetail | null {
  const sweep = store.sweeps.get(id);
  if (!sweep) return null;
  const runs = store.sweeps.runs(id);
  const finals: SweepDetail['finals'] = {};
  for (const r of runs) finals[r.id] = Object.fromEntries(Object.entries(store.telemetry.lastMetrics(r.id)).map(([k, v]) => [k, v.value]));
  const progress = sweepProgress(runs);
  const effect = groupEffectVerdict(store, runs, progress.outcome !== 'pending');
  return { sweep, runs, progress, finals, ...(effect.state !== 'none' ? { expectedEffect: effect } : {}) };
}
