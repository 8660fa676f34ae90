/**
 * What the run page's expected-effect badge shows (decision 0038). The recorded value
 * (`expected_effect/observed`, written by the supervisor as the run ended) decides observed / not
 * observed; the per-check lines are re-derived from the loaded series for display.
 */
import { effectOf, evaluateRunEffect, EXPECTED_EFFECT_METRIC, type EffectVerdict, type SeriesPoints } from '@shared/expectedEffect';
import type { RunRecord } from '@shared/records';
import { isTerminal } from '@shared/status';

export type BadgeVerdict = EffectVerdict & {
  /** Why there is no observed / not observed: the run is still going, did not succeed, or is judged on its group. */
  note?: string;
};

export function runBadgeVerdict(run: Pick<RunRecord, 'status' | 'config' | 'sweep'>, series: Record<string, SeriesPoints | undefined>): BadgeVerdict | null {
  const effect = effectOf(run.config);
  if (!effect) return null;
  if (!isTerminal(run.status)) return { state: 'pending', statement: effect.statement, checks: [], note: 'checked when the run ends' };
  if (run.status !== 'succeeded') return { state: 'pending', statement: effect.statement, checks: [], note: `not checked: the run ${run.status}` };
  const v = evaluateRunEffect(effect, series);
  if (v.state === 'none') return { ...v, note: run.sweep ? 'compared across the arms of its sweep group' : 'its checks compare sweep arms; this run is not in a sweep' };
  const recorded = series[EXPECTED_EFFECT_METRIC];
  const last = recorded?.values[recorded.values.length - 1];
  if (last === 1 || last === 0) return { ...v, state: last === 1 ? 'observed' : 'not_observed' };
  return v;
}
