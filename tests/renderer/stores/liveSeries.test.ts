import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../src/shared/records';
import { appendInPlace, PointQueue } from '../../../src/renderer/src/stores/liveSeries';

describe('appendInPlace', () => {
  it('appends to the same arrays, drops replays, sorts an unordered batch and bumps versions once', () => {
    const loss: MetricSeries = { key: 'loss', steps: [1, 2], values: [5, 4], downsampled: false };
    const stepsArray = loss.steps;
    const series: Record<string, MetricSeries> = { loss };
    const versions: Record<string, number> = { loss: 3 };
    const r = appendInPlace(series, versions, [
      { key: 'loss', step: 4, value: 2, time: 0 },
      { key: 'loss', step: 2, value: 9, time: 0 },
      { key: 'loss', step: 3, value: 3, time: 0 },
      { key: 'kl', step: 1, value: 0.1, time: 0 },
      { key: 'kl', step: NaN, value: 0.2, time: 0 },
    ], 100);
    expect(series.loss).toBe(loss);
    expect(series.loss.steps).toBe(stepsArray);
    expect(loss.steps).toEqual([1, 2, 3, 4]);
    expect(loss.values).toEqual([5, 4, 3, 2]);
    expect(series.kl.steps).toEqual([1]);
    expect(r.changed.sort()).toEqual(['kl', 'loss']);
    expect(r.added).toEqual(['kl']);
    expect(versions).toEqual({ loss: 4, kl: 1 });
    // Nothing new: no change, no version bump.
    expect(appendInPlace(series, versions, [{ key: 'loss', step: 4, value: 1, time: 0 }], 100).changed).toEqual([]);
    expect(versions.loss).toBe(4);
  });

  it('thins a series that outgrows twice the limit, keeping its ends', () => {
    const series: Record<string, MetricSeries> = {};
    const versions: Record<string, number> = {};
    const pts = Array.from({ length: 250 }, (_, i) => ({ key: 'x', step: i, value: Math.sin(i), time: 0 }));
    appendInPlace(series, versions, pts, 100);
    expect(series.x.steps).toHaveLength(100);
    expect(series.x.downsampled).toBe(true);
    expect(series.x.steps[0]).toBe(0);
    expect(series.x.steps[99]).toBe(249);
  });
});

describe('PointQueue', () => {
  it('hands everything pushed before a flush to one apply call, in order', () => {
    const calls: number[][] = [];
    const q = new PointQueue(10_000, (pts) => calls.push(pts.map((p) => p.step)));
    q.push([{ key: 'a', step: 1, value: 0, time: 0 }]);
    q.push([{ key: 'a', step: 2, value: 0, time: 0 }, { key: 'b', step: 2, value: 0, time: 0 }]);
    expect(calls).toEqual([]);
    expect(q.size).toBe(3);
    q.flush();
    q.flush();
    expect(calls).toEqual([[1, 2, 2]]);
    q.push([{ key: 'a', step: 3, value: 0, time: 0 }]);
    q.clear();
    q.flush();
    expect(calls).toHaveLength(1);
  });
});

describe('RedrawQueue', () => {
  it('runs at most perFrame jobs per frame, each once, and skips cancelled ones', async () => {
    const { RedrawQueue } = await import('../../../src/renderer/src/charts/redrawQueue');
    const q = new RedrawQueue(2);
    const ran: string[] = [];
    const job = (name: string) => () => ran.push(name);
    const a = job('a');
    const b = job('b');
    const c = job('c');
    const d = job('d');
    q.request(a);
    q.request(b);
    q.request(a);
    q.request(c);
    q.request(d);
    q.cancel(d);
    expect(q.size).toBe(3);
    await new Promise((r) => setTimeout(r, 25));
    expect(ran).toEqual(['a', 'b']);
    await new Promise((r) => setTimeout(r, 25));
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(q.size).toBe(0);
  });
});
