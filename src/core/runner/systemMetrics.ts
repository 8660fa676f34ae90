/**
 * System metrics every run logs next to its own, under `system/` (the run page shows them in
 * the Throughput section): the runner process's CPU use (percent of one core; above 100 when
 * onnxruntime's threads use several), its resident memory, and tokens per second when the run
 * reports a running token count (`num_tokens`, the GRPO/TRL name). Sampled when the run logs
 * metrics, at most once per interval, so a run that logs every 10 ms does not pay for it.
 */

export interface ProcessReadings {
  /** Wall clock, ms. */
  now(): number;
  /** CPU time used by this process so far (user + system), µs. */
  cpuMicros(): number;
  /** Resident set size, bytes. */
  rssBytes(): number;
}

export const NODE_READINGS: ProcessReadings = {
  now: () => Date.now(),
  cpuMicros: () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  },
  rssBytes: () => process.memoryUsage.rss(),
};

/** Default time between two samples (ms). */
export const SYSTEM_SAMPLE_MS = 2000;

export class SystemSampler {
  private lastAt: number;
  private lastCpu: number;
  private lastTokens: { at: number; n: number } | null = null;

  constructor(private readonly r: ProcessReadings = NODE_READINGS, private readonly everyMs = SYSTEM_SAMPLE_MS) {
    this.lastAt = r.now();
    this.lastCpu = r.cpuMicros();
  }

  /**
   * The system metrics to log with `values` (the run's metrics of this step), or null when the
   * last sample is less than the interval old.
   */
  sample(values: Record<string, number>): Record<string, number> | null {
    const now = this.r.now();
    const tokens = values.num_tokens;
    const out: Record<string, number> = {};
    const dt = now - this.lastAt;
    if (dt < this.everyMs) return null;
    const cpu = this.r.cpuMicros();
    out['system/cpu_percent'] = ((cpu - this.lastCpu) / 1000 / dt) * 100;
    out['system/rss_bytes'] = this.r.rssBytes();
    if (typeof tokens === 'number' && Number.isFinite(tokens)) {
      if (this.lastTokens && now > this.lastTokens.at && tokens >= this.lastTokens.n) {
        out['system/tokens_per_s'] = ((tokens - this.lastTokens.n) * 1000) / (now - this.lastTokens.at);
      }
      this.lastTokens = { at: now, n: tokens };
    }
    this.lastAt = now;
    this.lastCpu = cpu;
    return out;
  }
}
