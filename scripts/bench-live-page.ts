/**
 * Frame times of the run page while a run streams metrics into it (issue 13), through the real
 * path: `benchtop serve` → runner process (the test fixture executor) → store and push → the
 * page in headless Chromium. Two scenarios:
 *   one-chart  100k points pushed into one chart (two series: loss, grad_norm)
 *   page       30 series × 2k points into one page
 * Prints, per scenario, the frames measured with requestAnimationFrame while points arrive:
 * count, p50, p95, max and how many took over 50 ms; and the longest main-thread task.
 *
 *   npx electron-vite build   # the renderer the server serves
 *   nice -n 10 npx tsx scripts/bench-live-page.ts
 */
import { openSession } from '../tests/e2e/harness';
import { connectApi } from '../tests/e2e/apiClient';
import type { RunRecord } from '../src/shared/records';

interface Scenario {
  name: string;
  series: number;
  steps: number;
  stepMs: number;
  stepsPerSleep: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'one-chart: 100k points into one chart', series: 2, steps: 100_000, stepMs: 10, stepsPerSleep: 100 },
  { name: 'page: 30 series × 2k points', series: 30, steps: 2000, stepMs: 10, stepsPerSleep: 2 },
];

function pct(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

async function main(): Promise<void> {
  const s = await openSession({ viewport: { width: 1360, height: 900 } });
  const api = await connectApi(s.server.url);
  try {
    for (const sc of SCENARIOS) {
      const run = await api.call<RunRecord>('createRun', {
        kind: 'pretrain',
        name: `bench ${sc.name}`,
        data: { tasks: [{ task: 'arithmetic', options: { step_ms: sc.stepMs, steps_per_sleep: sc.stepsPerSleep, dim: 16, lr: 0.001, series: sc.series } }] },
        training: { max_steps: sc.steps, checkpoint_every: 0 },
      });
      await s.page.goto(`${s.server.url}#/runs/${run.id}`);
      await s.page.locator('[data-metric]').first().waitFor({ timeout: 60_000 });
      // Page scripts as text: tsx's name helpers do not exist in the page.
      await s.page.evaluate(`(() => {
        window.__frames = []; window.__longest = 0; window.__stop = false;
        let last = performance.now();
        const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
        new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask' });
      })()`);
      const started = Date.now();
      await s.page.waitForFunction(() => document.querySelector('.run-head [data-status]')?.getAttribute('data-status') === 'succeeded', null, { timeout: 600_000, polling: 500 });
      const seconds = (Date.now() - started) / 1000;
      const { frames, longest } = (await s.page.evaluate(`(() => { window.__stop = true; return { frames: window.__frames.slice(1), longest: window.__longest }; })()`)) as { frames: number[]; longest: number };
      const points = await s.page.locator('[data-metric="loss"]').getAttribute('data-points');
      const sorted = frames.slice().sort((a, b) => a - b);
      console.log(
        `${sc.name}: ${sc.series} series × ${sc.steps} steps in ${seconds.toFixed(1)} s; ${frames.length} frames: ` +
          `p50 ${pct(sorted, 0.5).toFixed(1)} ms, p95 ${pct(sorted, 0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms, ` +
          `${frames.filter((f) => f > 50).length} over 50 ms; longest task ${longest.toFixed(0)} ms; loss chart draws ${points} points`,
      );
    }
  } finally {
    api.close();
    await s.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
