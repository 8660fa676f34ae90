import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import type { PushEvent } from '@shared/api';
import type { MetricPoint, MetricSeries, RunRecord } from '@shared/records';
import { isTerminal } from '@shared/status';
import { errorMessage, useApi } from '../api';
import { appendPoints } from './metricSeries';

/** Points fetched per series (up to eight runs side by side); live appends are thinned back. */
export const COMPARE_MAX_POINTS = 1500;

/**
 * The runs of the compare page: records and metric series of each, kept current the way the
 * run page is (stores/runDetail.ts): pushed points are appended, and while a run is active and
 * no push arrives (a run executed by another process) `poll` catches up from the store.
 */
export const useCompareStore = defineStore('compare', () => {
  const ids = ref<string[]>([]);
  /** Records of the runs found, by id. */
  const runs = ref<Record<string, RunRecord>>({});
  /** Ids the store does not know (deleted, mistyped). */
  const missing = ref<string[]>([]);
  /** run id → key → series. Shallow: appends replace series objects and trigger once. */
  const series = shallowRef<Record<string, Record<string, MetricSeries>>>({});
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  let loadSeq = 0;
  /** Points pushed while a load is fetching, per run; replayed over the fetched series. */
  let buffered: Map<string, MetricPoint[]> | null = null;
  let unsubscribe: (() => void) | null = null;
  const lastPushAt = new Map<string, number>();
  let polling = false;

  /** The runs found, in the order of `ids`. */
  const found = computed(() => ids.value.map((id) => runs.value[id]).filter((r): r is RunRecord => !!r));
  const anyActive = computed(() => found.value.some((r) => !isTerminal(r.status)));

  async function load(list: readonly string[]): Promise<void> {
    const seq = ++loadSeq;
    const same = list.length === ids.value.length && list.every((id, i) => id === ids.value[i]);
    if (!same) {
      runs.value = {};
      series.value = {};
      missing.value = [];
      loaded.value = false;
    }
    ids.value = list.slice();
    loading.value = true;
    buffered = new Map();
    const api = useApi();
    try {
      const heads = await Promise.all(list.map(async (id) => {
        const [r, keys] = await Promise.all([api.getRun(id), api.getMetricKeys(id)]);
        return { id, r, keys };
      }));
      if (seq !== loadSeq) return;
      const present = heads.filter((h) => h.r);
      const fetched = await Promise.all(present.map(async (h) => {
        const all = await Promise.all(h.keys.map((k) => api.getMetricSeries(h.id, k, { maxPoints: COMPARE_MAX_POINTS })));
        const map: Record<string, MetricSeries> = {};
        for (const s of all) map[s.key] = s;
        return [h.id, map] as const;
      }));
      if (seq !== loadSeq) return;
      const next: Record<string, Record<string, MetricSeries>> = {};
      for (const [id, map] of fetched) {
        appendPoints(map, buffered?.get(id) ?? [], COMPARE_MAX_POINTS);
        next[id] = map;
      }
      buffered = null;
      runs.value = Object.fromEntries(present.map((h) => [h.id, h.r!]));
      missing.value = heads.filter((h) => !h.r).map((h) => h.id);
      series.value = next;
      error.value = null;
      loaded.value = true;
    } catch (err) {
      if (seq !== loadSeq) return;
      error.value = `Could not load the runs to compare: ${errorMessage(err)}`;
    } finally {
      if (seq === loadSeq) {
        loading.value = false;
        buffered = null;
      }
    }
  }

  function applyEvent(e: PushEvent): void {
    if (e.type === 'runDeleted') return;
    const id = e.type === 'run' ? e.run.id : e.runId;
    if (!ids.value.includes(id)) return;
    lastPushAt.set(id, Date.now());
    switch (e.type) {
      case 'run':
        if (runs.value[id]) runs.value[id] = e.run;
        break;
      case 'progress': {
        const r = runs.value[id];
        if (r) runs.value[id] = { ...r, progress: e.progress };
        break;
      }
      case 'metrics': {
        if (buffered) {
          if (!buffered.has(id)) buffered.set(id, []);
          buffered.get(id)!.push(...e.points);
          break;
        }
        const map = series.value[id];
        if (map && appendPoints(map, e.points, COMPARE_MAX_POINTS).length) triggerRef(series);
        break;
      }
      default:
        break;
    }
  }

  function subscribe(): void {
    if (!unsubscribe) unsubscribe = useApi().onEvent(applyEvent);
  }

  function unsubscribeAll(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  /**
   * Catch up every active run that had no push within `quietMs`: its record, then the points
   * after each series' last step (the record first, so a run seen finished has all its points).
   * Returns the ids polled.
   */
  async function poll(quietMs = 2000): Promise<string[]> {
    if (polling || loading.value) return [];
    const now = Date.now();
    const due = found.value.filter((r) => !isTerminal(r.status) && now - (lastPushAt.get(r.id) ?? 0) >= quietMs).map((r) => r.id);
    if (!due.length) return [];
    polling = true;
    const seq = loadSeq;
    const api = useApi();
    try {
      const results = await Promise.all(due.map(async (id) => {
        const [r, keys] = await Promise.all([api.getRun(id), api.getMetricKeys(id)]);
        const map = series.value[id] ?? {};
        const fresh = await Promise.all(keys.map((k) => {
          const s = map[k];
          const from = s && s.steps.length ? s.steps[s.steps.length - 1] + 1e-9 : undefined;
          return api.getMetricSeries(id, k, { fromStep: from, maxPoints: COMPARE_MAX_POINTS });
        }));
        return { id, r, fresh };
      }));
      if (seq !== loadSeq) return [];
      let changed = false;
      for (const { id, r, fresh } of results) {
        if (r) runs.value[id] = r;
        const map = series.value[id] ?? (series.value[id] = {});
        const points: MetricPoint[] = [];
        for (const s of fresh) s.steps.forEach((step, i) => points.push({ key: s.key, step, value: s.values[i], time: 0 }));
        if (appendPoints(map, points, COMPARE_MAX_POINTS).length) changed = true;
      }
      if (changed) triggerRef(series);
      return due;
    } catch {
      // A failed poll is retried on the next tick; the page keeps what it has.
      return [];
    } finally {
      polling = false;
    }
  }

  return { ids, runs, missing, series, loading, loaded, error, found, anyActive, load, applyEvent, subscribe, unsubscribeAll, poll };
});
