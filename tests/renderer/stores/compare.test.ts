import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { BenchtopApi, PushEvent } from '../../../src/shared/api';
import type { MetricSeries, RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { useCompareStore } from '../../../src/renderer/src/stores/compare';

const run = (id: string, status: RunRecord['status']): RunRecord => ({
  id, kind: 'pretrain', name: id, status, config: {}, modelRef: null, tags: [], parentId: null,
  createdAt: 0, startedAt: 0, endedAt: null, exitReason: null, progress: null, device: null,
});

/** A fake store whose runs grow between calls, like a run executed by another process. */
function backend() {
  const stored: Record<string, { run: RunRecord; points: Record<string, [number, number][]> }> = {
    live: { run: run('live', 'running'), points: { loss: [[1, 3], [2, 2]] } },
    done: { run: run('done', 'succeeded'), points: { loss: [[1, 4], [2, 3], [3, 2]] } },
  };
  const calls: string[] = [];
  const listeners = new Set<(e: PushEvent) => void>();
  const api = {
    getRun: async (id: string) => (calls.push(`getRun ${id}`), stored[id]?.run ?? null),
    getMetricKeys: async (id: string) => Object.keys(stored[id]?.points ?? {}),
    getMetricSeries: async (id: string, key: string, o: { fromStep?: number } = {}): Promise<MetricSeries> => {
      calls.push(`series ${id} ${key} from ${o.fromStep ?? '-'}`);
      const pts = stored[id].points[key].filter(([st]) => o.fromStep === undefined || st >= o.fromStep);
      return { key, steps: pts.map((p) => p[0]), values: pts.map((p) => p[1]), downsampled: false };
    },
    onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  return { stored, calls, emit: (e: PushEvent) => listeners.forEach((l) => l(e)) };
}

describe('compare store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('polls only active runs without recent pushes, from each series\' last step', async () => {
    const be = backend();
    const s = useCompareStore();
    s.subscribe();
    await s.load(['live', 'done', 'gone']);
    expect(s.found.map((r) => r.id)).toEqual(['live', 'done']);
    expect(s.missing).toEqual(['gone']);
    expect(s.anyActive).toBe(true);

    // A push just arrived for the live run: nothing to poll yet.
    be.emit({ type: 'progress', runId: 'live', progress: { step: 2, total: 4, etaSeconds: null } });
    expect(await s.poll(60_000)).toEqual([]);

    be.stored.live.points.loss.push([3, 1.5], [4, 1.25]);
    be.stored.live.run = { ...be.stored.live.run, status: 'succeeded' };
    be.calls.length = 0;
    expect(await s.poll(0)).toEqual(['live']);
    expect(be.calls).toEqual(['getRun live', 'series live loss from 2.000000001']);
    expect(s.series.live.loss.steps).toEqual([1, 2, 3, 4]);
    expect(s.series.live.loss.values).toEqual([3, 2, 1.5, 1.25]);
    expect(s.runs.live.status).toBe('succeeded');
    expect(s.anyActive).toBe(false);
    expect(await s.poll(0)).toEqual([]);
    s.unsubscribeAll();
  });
});
