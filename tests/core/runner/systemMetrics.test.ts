import { describe, expect, it } from 'vitest';
import { NODE_READINGS, SystemSampler, type ProcessReadings } from '../../../src/core/runner/systemMetrics';

/** Readings a test sets by hand. */
function manual(): ProcessReadings & { t: number; cpu: number; rss: number } {
  const r = { t: 1000, cpu: 5_000_000, rss: 300 * 2 ** 20, now: () => r.t, cpuMicros: () => r.cpu, rssBytes: () => r.rss };
  return r;
}

describe('system metrics of a run', () => {
  it('reports CPU percent of one core, RSS and tokens per second, at most once per interval', () => {
    const r = manual();
    const s = new SystemSampler(r, 2000);
    r.t += 500;
    expect(s.sample({ loss: 1, num_tokens: 100 })).toBeNull();
    // 4 s later, 6 s of CPU time used: 150% of one core (two threads busy 3/4 of the time).
    r.t += 3500;
    r.cpu += 6_000_000;
    expect(s.sample({ loss: 1, num_tokens: 1000 })).toEqual({ 'system/cpu_percent': 150, 'system/rss_bytes': 300 * 2 ** 20 });
    // Tokens per second need two readings of num_tokens: 3000 more tokens in 2.5 s.
    r.t += 2500;
    r.cpu += 1_250_000;
    r.rss = 310 * 2 ** 20;
    expect(s.sample({ num_tokens: 4000 })).toEqual({ 'system/cpu_percent': 50, 'system/rss_bytes': 310 * 2 ** 20, 'system/tokens_per_s': 1200 });
    // Without num_tokens only CPU and memory.
    r.t += 2000;
    expect(Object.keys(s.sample({ loss: 0.5 })!)).toEqual(['system/cpu_percent', 'system/rss_bytes']);
  });

  it('reads this process on Node', () => {
    const rss = process.memoryUsage().rss;
    expect(NODE_READINGS.rssBytes()).toBeGreaterThan(rss * 0.5);
    expect(NODE_READINGS.rssBytes()).toBeLessThan(rss * 2);
    const a = NODE_READINGS.cpuMicros();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    expect(NODE_READINGS.cpuMicros()).toBeGreaterThan(a);
  });
});
