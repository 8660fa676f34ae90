import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef } from 'vue';
import type { PushEvent } from '@shared/api';
import { isTerminal } from '@shared/status';
import type { ArtifactRecord, MetricPoint, MetricSeries, RunEvent, RunRecord, SampleRecord } from '@shared/records';
import { errorMessage, useApi } from '../api';
import { appendInPlace, PointQueue } from './liveSeries';

/** Points fetched per series (the store down-samples longer ones). */
export const SERIES_MAX_POINTS = 2000;
/** Live appends keep up to twice this many points per series before thinning (LTTB). */
export const LIVE_MAX_POINTS = 50_000;
/** Pushed metric points are applied together at most this often (ms). */
export const METRIC_FLUSH_MS = 250;
const MAX_EVENTS = 5000;
const MAX_SAMPLES = 500;

/** One run opened in the detail page: record, metrics, events, samples, artifacts, live. */
export const useRunDetailStore = defineStore('runDetail', () => {
  const runId = ref<string | null>(null);
  const run = ref<RunRecord | null>(null);
  const metricKeys = ref<string[]>([]);
  /** key → series. A shallow ref: live points are appended in place and it is triggered once
   * per flush; `seriesVersion[key]` changes for exactly the series that gained points. */
  const series = shallowRef<Record<string, MetricSeries>>({});
  const seriesVersion = shallowRef<Record<string, number>>({});
  const queue = new PointQueue(METRIC_FLUSH_MS, applyPoints);
  const events = ref<RunEvent[]>([]);
  const samples = ref<SampleRecord[]>([]);
  const artifacts = ref<ArtifactRecord[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const notFound = ref(false);
  let loadSeq = 0;
  let bufferedPoints: MetricPoint[] | null = null;
  let unsubscribe: (() => void) | null = null;
  /** When a push for this run last arrived; polling fills in when pushes do not come (a run
   * executed by another process, e.g. `benchtop run` next to `benchtop serve`). */
  let lastPushAt = 0;
  let polling = false;

  function applyPoints(points: MetricPoint[]): void {
    const map = series.value;
    // A new versions object per flush, so components that take it as a prop see the change.
    const versions = { ...seriesVersion.value };
    const { changed, added } = appendInPlace(map, versions, points, LIVE_MAX_POINTS);
    if (!changed.length) return;
    if (added.length) metricKeys.value = Object.keys(map).sort();
    triggerRef(series);
    seriesVersion.value = versions;
  }

  async function load(id: string): Promise<void> {
    const seq = ++loadSeq;
    queue.clear();
    if (runId.value !== id) {
      run.value = null;
      metricKeys.value = [];
      series.value = {};
      seriesVersion.value = {};
      events.value = [];
      samples.value = [];
      artifacts.value = [];
    }
    runId.value = id;
    loading.value = true;
    notFound.value = false;
    bufferedPoints = [];
    const api = useApi();
    try {
      const [r, keys, ev, sm, art] = await Promise.all([
        api.getRun(id),
        api.getMetricKeys(id),
        api.getEvents(id, { limit: MAX_EVENTS }),
        api.getSamples(id, { limit: 200 }),
        api.getArtifacts(id),
      ]);
      if (seq !== loadSeq) return;
      if (!r) {
        notFound.value = true;
        error.value = `Run ${id} was not found (it may have been deleted).`;
        return;
      }
      const fetched = await Promise.all(keys.map((k) => api.getMetricSeries(id, k, { maxPoints: SERIES_MAX_POINTS })));
      if (seq !== loadSeq) return;
      const map: Record<string, MetricSeries> = {};
      for (const s of fetched) map[s.key] = s;
      // Points pushed while we were fetching: append what the fetch did not already include.
      const versions: Record<string, number> = {};
      for (const k of Object.keys(map)) versions[k] = (seriesVersion.value[k] ?? 0) + 1;
      appendInPlace(map, versions, bufferedPoints ?? [], LIVE_MAX_POINTS);
      bufferedPoints = null;
      run.value = r;
      metricKeys.value = Object.keys(map).sort();
      series.value = map;
      seriesVersion.value = versions;
      events.value = ev;
      samples.value = sm.slice(-MAX_SAMPLES);
      artifacts.value = art;
      error.value = null;
    } catch (err) {
      if (seq !== loadSeq) return;
      error.value = `Could not load run ${id}: ${errorMessage(err)}`;
    } finally {
      if (seq === loadSeq) {
        loading.value = false;
        bufferedPoints = null;
      }
    }
  }

  function applyEvent(e: PushEvent): void {
    if (e.type === 'runDeleted' || !runId.value) return;
    if (('runId' in e ? e.runId : e.run.id) !== runId.value) return;
    lastPushAt = Date.now();
    switch (e.type) {
      case 'run':
        // Draw every point before the status says the run has ended.
        if (isTerminal(e.run.status)) queue.flush();
        run.value = e.run;
        break;
      case 'progress':
        if (run.value) run.value = { ...run.value, progress: e.progress };
        break;
      case 'metrics': {
        if (bufferedPoints) {
          bufferedPoints.push(...e.points);
          break;
        }
        queue.push(e.points);
        break;
      }
      case 'event':
        events.value.push(e.event);
        if (events.value.length > MAX_EVENTS) events.value.splice(0, events.value.length - MAX_EVENTS);
        break;
      case 'sample':
        samples.value.push(e.sample);
        if (samples.value.length > MAX_SAMPLES) samples.value.splice(0, samples.value.length - MAX_SAMPLES);
        break;
    }
  }

  function subscribe(): void {
    if (!unsubscribe) unsubscribe = useApi().onEvent(applyEvent);
  }

  function unsubscribeAll(): void {
    queue.clear();
    unsubscribe?.();
    unsubscribe = null;
  }

  /**
   * Catch up from the store without pushes: the record, new metric points (from each series'
   * last step), new events. Does nothing when a push arrived within `quietMs` or a load or
   * poll is in flight. Returns true when it polled.
   */
  async function poll(quietMs = 2000): Promise<boolean> {
    const id = runId.value;
    if (!id || polling || loading.value || Date.now() - lastPushAt < quietMs) return false;
    polling = true;
    const seq = loadSeq;
    const api = useApi();
    try {
      const [r, keys] = await Promise.all([api.getRun(id), api.getMetricKeys(id)]);
      const map = series.value;
      const lastEventId = events.value.reduce((m, e) => Math.max(m, e.id ?? 0), 0);
      const [fresh, ev] = await Promise.all([
        Promise.all(
          keys.map((k) => {
            const s = map[k];
            const from = s && s.steps.length ? s.steps[s.steps.length - 1] + 1e-9 : undefined;
            return api.getMetricSeries(id, k, { fromStep: from, maxPoints: SERIES_MAX_POINTS });
          }),
        ),
        api.getEvents(id, { afterId: lastEventId, limit: MAX_EVENTS }),
      ]);
      if (seq !== loadSeq || runId.value !== id) return false;
      if (r) run.value = r;
      const points: MetricPoint[] = [];
      for (const s of fresh) s.steps.forEach((step, i) => points.push({ key: s.key, step, value: s.values[i], time: 0 }));
      const versions = { ...seriesVersion.value };
      const { changed } = appendInPlace(map, versions, points, LIVE_MAX_POINTS);
      for (const k of keys) if (!map[k]) map[k] = { key: k, steps: [], values: [], downsampled: false };
      if (changed.length || keys.some((k) => !metricKeys.value.includes(k))) {
        metricKeys.value = Object.keys(map).sort();
        triggerRef(series);
        seriesVersion.value = versions;
      }
      if (ev.length) {
        const known = new Set(events.value.map((e) => e.id));
        events.value.push(...ev.filter((e) => e.id === undefined || !known.has(e.id)));
      }
      return true;
    } catch {
      // A failed poll is retried on the next tick; the page keeps what it has.
      return false;
    } finally {
      polling = false;
    }
  }

  async function refreshArtifacts(): Promise<void> {
    if (runId.value) artifacts.value = await useApi().getArtifacts(runId.value);
  }

  async function cancel(): Promise<void> {
    if (!runId.value) return;
    const r = await useApi().cancelRun(runId.value);
    if (r) run.value = r;
  }

  /** Replace the run's notes and/or tags (name too); the record comes back updated. */
  async function updateMeta(patch: { name?: string; notes?: string; tags?: string[] }): Promise<void> {
    if (!runId.value) return;
    run.value = await useApi().updateRun(runId.value, patch);
  }

  /** Queue an interrupted/failed/cancelled run again from its latest checkpoint. */
  async function resume(): Promise<void> {
    if (!runId.value) return;
    run.value = await useApi().resumeRun(runId.value);
  }

  return {
    runId, run, metricKeys, series, seriesVersion, events, samples, artifacts, loading, error, notFound,
    load, applyEvent, flushMetrics: () => queue.flush(), subscribe, unsubscribeAll, poll, refreshArtifacts, cancel, resume, updateMeta,
  };
});
