/**
 * Checking a run's (or a sweep group's) expected effect from the store (decision 0038).
 *
 * A run's run checks are evaluated once, as it ends `succeeded`, and recorded with it: the metric
 * `expected_effect/observed` (1 or 0) at its last step and an info event with the verdict line,
 * so the run page, `benchtop show`, Compare and the run's bundle all carry it. A group's arm
 * checks are derived from its runs' stored metrics whenever the group is read, like its progress
 * and outcome (decision 0028): the runs' metrics do not change once they have ended.
 */
import { effectMetrics, effectOf, evaluateGroupEffect, evaluateRunEffect, EXPECTED_EFFECT_METRIC, verdictLine, type EffectVerdict, type SeriesPoints } from '../shared/expectedEffect';
import type { RunRecord } from '../shared/records';
import type { RunStore } from './store';

function seriesOf(store: RunStore, runId: string, keys: readonly string[]): Record<string, SeriesPoints> {
  const out: Record<string, SeriesPoints> = {};
  for (const k of keys) {
    const pts = store.telemetry.metricPoints(runId, k);
    if (pts.length) out[k] = { steps: pts.map((p) => p.step), values: pts.map((p) => p.value) };
  }
  return out;
}

/** The verdict of a finished run's own checks (null when its config has no expected effect). */
export function runEffectVerdict(store: RunStore, run: Pick<RunRecord, 'id' | 'config'>): EffectVerdict | null {
  const effect = effectOf(run.config);
  if (!effect) return null;
  return evaluateRunEffect(effect, seriesOf(store, run.id, effectMetrics(effect)));
}

/**
 * Record the verdict of a run that just succeeded (no-op without run checks). Called by the
 * supervisor (inside one write transaction) before the run's final status is written, so a
 * reader that sees `succeeded` also sees the verdict.
 */
export function recordRunEffect(store: RunStore, run: Pick<RunRecord, 'id' | 'config'>, now: number = Date.now()): EffectVerdict | null {
  const v = runEffectVerdict(store, run);
  if (!v) return null;
  if (v.state === 'none') {
    store.telemetry.insertEvents([{ runId: run.id, time: now, level: 'info', text: `expected effect: checked on the sweep group — ${v.statement}` }]);
    return v;
  }
  const last = Object.values(store.telemetry.lastMetrics(run.id)).reduce((m, x) => Math.max(m, x.step), 0);
  store.telemetry.insertMetrics([{ runId: run.id, key: EXPECTED_EFFECT_METRIC, step: last, value: v.state === 'observed' ? 1 : 0, time: now }]);
  store.telemetry.insertEvents([{ runId: run.id, time: now, level: v.state === 'observed' ? 'info' : 'warn', text: verdictLine(v) }]);
  return v;
}

/** A sweep group's verdict from its runs' stored metrics (state 'none' when its runs carry no expected effect). */
export function groupEffectVerdict(store: RunStore, runs: readonly RunRecord[], finished: boolean): EffectVerdict {
  const effect = runs.map((r) => effectOf(r.config)).find((e) => e !== null) ?? null;
  const keys = effect ? effectMetrics(effect) : [];
  const members = runs.map((r) => ({ status: r.status, point: (r.sweep?.point ?? {}) as Record<string, unknown>, series: effect && finished ? seriesOf(store, r.id, keys) : {} }));
  return evaluateGroupEffect(effect, members, finished);
}
