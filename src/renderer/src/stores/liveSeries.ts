/**
 * Live metric points, cheaply: pushed points wait in a queue and are applied together at most
 * once per flush interval (the run page asks for one flush per 250 ms), appended in place to
 * the series they belong to (no copy of a long series per push), and each touched series gets
 * a new version number so only the charts of changed series redraw. A series that grows past
 * `2 × maxPoints` is thinned back to `maxPoints` by LTTB so memory stays bounded on very long
 * runs; drawing down-samples further to the chart's width.
 */
import type { MetricPoint, MetricSeries } from '@shared/records';
import { lttb } from '../charts/lttb';

export interface FlushResult {
  /** Keys whose series gained points. */
  changed: string[];
  /** Keys seen for the first time. */
  added: string[];
}

/**
 * Append `points` to `series` in place. Points at or before a series' last step are dropped
 * (already in the fetched history, or a resumed run's replay); non-finite steps are ignored.
 * Bumps `versions[key]` for every changed key.
 */
export function appendInPlace(
  series: Record<string, MetricSeries>,
  versions: Record<string, number>,
  points: readonly MetricPoint[],
  maxPoints: number,
): FlushResult {
  const changed = new Set<string>();
  const added: string[] = [];
  // Points of one key usually arrive in step order; sort only a key whose batch is not.
  const byKey = new Map<string, MetricPoint[]>();
  for (const p of points) {
    if (!Number.isFinite(p.step)) continue;
    let list = byKey.get(p.key);
    if (!list) byKey.set(p.key, (list = []));
    list.push(p);
  }
  for (const [key, list] of byKey) {
    for (let i = 1; i < list.length; i++) {
      if (list[i].step < list[i - 1].step) {
        list.sort((a, b) => a.step - b.step);
        break;
      }
    }
    let s = series[key];
    if (!s) {
      s = series[key] = { key, steps: [], values: [], downsampled: false };
      added.push(key);
    }
    let last = s.steps.length ? s.steps[s.steps.length - 1] : -Infinity;
    const before = s.steps.length;
    for (const p of list) {
      if (p.step <= last) continue;
      s.steps.push(p.step);
      s.values.push(p.value);
      last = p.step;
    }
    if (s.steps.length === before && !added.includes(key)) continue;
    if (s.steps.length > 2 * maxPoints) {
      const thin = lttb(s.steps, s.values, maxPoints);
      s.steps = thin.steps;
      s.values = thin.values;
      s.downsampled = true;
    }
    versions[key] = (versions[key] ?? 0) + 1;
    changed.add(key);
  }
  return { changed: [...changed], added };
}

/**
 * A queue of pushed points that applies itself at most once per `intervalMs`: `push` is cheap
 * (no reactivity, no drawing); `onFlush` runs with what the flush changed.
 */
export class PointQueue {
  private pending: MetricPoint[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly apply: (points: MetricPoint[]) => void,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  push(points: readonly MetricPoint[]): void {
    for (const p of points) this.pending.push(p);
    if (!this.timer && this.pending.length) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Apply everything queued now (e.g. before a reload or when the run ends). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.apply(batch);
  }

  /** Drop what is queued (another run was opened). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}
