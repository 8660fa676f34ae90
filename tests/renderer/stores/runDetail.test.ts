import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { BenchtopApi, PushEvent } from '../../../src/shared/api';
import type { MetricSeries, RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { METRIC_FLUSH_MS, useRunDetailStore } from '../../../src/renderer/src/stores/runDetail';
import { appendPoints, strideDownsample } from '../../../src/renderer/src/stores/metricSeries';

const RUN: RunRecord = {
  id: 'r1', kind: 'pretrain', name: 'r1', status: 'running', config: { kind: 'pretrain' }, modelRef: null, tags: [], parentId: null,
  createdAt: 0, startedAt: 0, endedAt: null, exitReason: null, progress: { step: 2, total: 10, etaSeconds: null }, device: 'cpu',
};

function backend(series: Record<string, MetricSeries>) {
  const listeners = new Set<(e: PushEvent) => void>();
  const api = {
    getRun: async (id: string) => (id === 'r1' ? RUN : null),
    getMetricKeys: async () => Object.keys(series),
    getMetricSeries: async (_id: string, key: string) => series[key],
    getEvents: async () => [{ id: 1, runId: 'r1', time: 0, level: 'info', text: 'started' }],
    getSamples: async () => [],
    getArtifacts: async () => [],
    onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  return { emit: (e: PushEvent) => listeners.forEach((l) => l(e)) };
}

describe('runDetail store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('appends pushed metrics of its run only, adding new keys', async () => {
    const be = backend({ 'loss/train': { key: 'loss/train', steps: [0, 1], values: [3, 2.5], downsampled: false } });
    const s = useRunDetailStore();
    s.subscribe();
    await s.load('r1');
    expect(s.metricKeys).toEqual(['loss/train']);
    be.emit({ type: 'metrics', runId: 'r1', points: [{ key: 'loss/train', step: 2, value: 2.1, time: 1 }, { key: 'eval/acc', step: 2, value: 0.4, time: 1 }] });
    be.emit({ type: 'metrics', runId: 'other', points: [{ key: 'loss/train', step: 3, value: 9, time: 1 }] });
    // Pushed points wait for the next flush (one per METRIC_FLUSH_MS), then apply together.
    expect(s.series['loss/train'].steps).toEqual([0, 1]);
    const v0 = s.seriesVersion['loss/train'];
    s.flushMetrics();
    expect(s.series['loss/train'].steps).toEqual([0, 1, 2]);
    expect(s.seriesVersion['loss/train']).toBe(v0 + 1);
    expect(s.seriesVersion['eval/acc']).toBe(1);
    expect(s.series['loss/train'].values).toEqual([3, 2.5, 2.1]);
    expect(s.metricKeys).toEqual(['eval/acc', 'loss/train']);
    be.emit({ type: 'progress', runId: 'r1', progress: { step: 3, total: 10, etaSeconds: 4 } });
    expect(s.run!.progress!.step).toBe(3);
    be.emit({ type: 'event', runId: 'r1', event: { runId: 'r1', time: 1, level: 'warn', text: 'slow step' } });
    expect(s.events.map((e) => e.text)).toEqual(['started', 'slow step']);
    // A run that ends draws its last points at once.
    be.emit({ type: 'metrics', runId: 'r1', points: [{ key: 'loss/train', step: 3, value: 2.0, time: 2 }] });
    be.emit({ type: 'run', run: { ...RUN, status: 'succeeded' } });
    expect(s.run!.status).toBe('succeeded');
    expect(s.series['loss/train'].values).toEqual([3, 2.5, 2.1, 2.0]);
    s.unsubscribeAll();
  });

  it('applies queued points by itself after the flush interval, with one version bump per key', async () => {
    const be = backend({ loss: { key: 'loss', steps: [0], values: [3], downsampled: false } });
    const s = useRunDetailStore();
    s.subscribe();
    await s.load('r1');
    const v0 = s.seriesVersion.loss;
    for (let i = 1; i <= 20; i++) be.emit({ type: 'metrics', runId: 'r1', points: [{ key: 'loss', step: i, value: 3 - i / 10, time: i }] });
    expect(s.series.loss.steps).toHaveLength(1);
    await new Promise((r) => setTimeout(r, METRIC_FLUSH_MS + 100));
    expect(s.series.loss.steps).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(s.seriesVersion.loss).toBe(v0 + 1);
    s.unsubscribeAll();
  });

  it('says when the run does not exist', async () => {
    backend({});
    const s = useRunDetailStore();
    await s.load('missing');
    expect(s.notFound).toBe(true);
    expect(s.error).toMatch(/missing was not found/);
  });
});

describe('runDetail polling (runs executed by another process push nothing here)', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('catches up on the record, new metric points and new events', async () => {
    // A store that grows between calls, answering like the core's queries (fromStep inclusive).
    const rows: { step: number; value: number }[] = [{ step: 1, value: 5 }, { step: 2, value: 4 }];
    const evs = [{ id: 1, runId: 'r1', time: 0, level: 'info', text: 'started' }];
    let status: RunRecord['status'] = 'running';
    const fromSteps: (number | undefined)[] = [];
    const api = {
      getRun: async () => ({ ...RUN, status }),
      getMetricKeys: async () => ['loss'],
      getMetricSeries: async (_id: string, key: string, o?: { fromStep?: number }) => {
        fromSteps.push(o?.fromStep);
        const r = rows.filter((x) => x.step >= (o?.fromStep ?? -Infinity));
        return { key, steps: r.map((x) => x.step), values: r.map((x) => x.value), downsampled: false };
      },
      getEvents: async (_id: string, o?: { afterId?: number }) => evs.filter((e) => e.id > (o?.afterId ?? 0)),
      getSamples: async () => [],
      getArtifacts: async () => [],
      onEvent: () => () => {},
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const s = useRunDetailStore();
    await s.load('r1');
    rows.push({ step: 3, value: 3 }, { step: 4, value: 2 });
    evs.push({ id: 2, runId: 'r1', time: 1, level: 'info', text: 'step 4' });
    status = 'succeeded';
    expect(await s.poll(0)).toBe(true);
    expect(s.series.loss.steps).toEqual([1, 2, 3, 4]);
    expect(s.series.loss.values).toEqual([5, 4, 3, 2]);
    expect(fromSteps.at(-1)).toBeGreaterThan(2);
    expect(fromSteps.at(-1)).toBeLessThanOrEqual(3);
    expect(s.events.map((e) => e.text)).toEqual(['started', 'step 4']);
    expect(s.run!.status).toBe('succeeded');
    // Nothing new: nothing changes.
    await s.poll(0);
    expect(s.series.loss.steps).toEqual([1, 2, 3, 4]);
    expect(s.events).toHaveLength(2);
  });
});

describe('appendPoints', () => {
  it('drops points at or before the last step and sorts new ones', () => {
    const map: Record<string, MetricSeries> = { a: { key: 'a', steps: [1, 2], values: [10, 20], downsampled: false } };
    const changed = appendPoints(map, [
      { key: 'a', step: 4, value: 40, time: 0 },
      { key: 'a', step: 2, value: 99, time: 0 },
      { key: 'a', step: 3, value: 30, time: 0 },
    ], 100);
    expect(changed).toEqual(['a']);
    expect(map.a.steps).toEqual([1, 2, 3, 4]);
    expect(map.a.values).toEqual([10, 20, 30, 40]);
    expect(appendPoints(map, [{ key: 'a', step: 4, value: 1, time: 0 }], 100)).toEqual([]);
  });

  it('thins a series that grew past twice the budget, keeping the newest point', () => {
    const map: Record<string, MetricSeries> = {};
    const pts = Array.from({ length: 25 }, (_, i) => ({ key: 'k', step: i, value: i * i, time: 0 }));
    appendPoints(map, pts, 10);
    expect(map.k.downsampled).toBe(true);
    expect(map.k.steps).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24]);
    expect(map.k.values).toEqual(map.k.steps.map((s) => s * s));
  });

  it('strideDownsample is a no-op under the budget', () => {
    expect(strideDownsample([1, 2], [3, 4], 5)).toEqual({ steps: [1, 2], values: [3, 4] });
    expect(strideDownsample([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], 2)).toEqual({ steps: [0, 3, 4], values: [0, 3, 4] });
  });
});
