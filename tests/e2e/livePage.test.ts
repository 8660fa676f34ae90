/**
 * The run page under load (issue 13): a run that logs 30 series at well over 20 steps per
 * second through the real runner process, store and push path (the test fixture executor as
 * the run's work), watched in Chromium; Cancel must show `cancelled` within the budget, also
 * with a CPU-burning process on the other core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RunRecord } from '../../src/shared/records';
import { SCREENSHOTS, openSession, type E2eSession } from './harness';
import { connectApi, type ApiClient } from './apiClient';

/** Cancel → `cancelled` on screen, in ms (issue 13 asks for < 2 s on the project's machine). A
 * heavily shared developer machine may set BENCHTOP_E2E_CANCEL_BUDGET_MS (docs/decisions/0021). */
const CANCEL_BUDGET_MS = Number(process.env.BENCHTOP_E2E_CANCEL_BUDGET_MS ?? 2000);

let s: E2eSession;
let api: ApiClient;

beforeAll(async () => {
  s = await openSession({ viewport: { width: 1360, height: 900 } });
  api = await connectApi(s.server.url);
}, 60_000);

afterAll(async () => {
  api?.close();
  await s?.close();
});

function fastRun(name: string): Record<string, unknown> {
  return {
    kind: 'pretrain',
    name,
    tags: ['e2e', 'load'],
    data: { tasks: [{ task: 'arithmetic', options: { step_ms: 8, dim: 16, lr: 0.001, series: 30, samples_every: 10, rl_samples: 4 } }] },
    training: { max_steps: 1_000_000, checkpoint_every: 0 },
  };
}

/** A process that keeps one core busy until killed. */
function burnCpu(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}

async function watchAndCancel(name: string, screenshot?: string): Promise<{ stepsPerSecond: number; cancelMs: number; longestTaskMs: number; charts: number }> {
  const run = await api.call<RunRecord>('createRun', fastRun(name));
  try {
    return await watchAndCancelRun(run, screenshot);
  } finally {
    // A failed check must not leave the run holding the queue.
    await api.call('cancelRun', run.id).catch(() => {});
  }
}

async function watchAndCancelRun(run: RunRecord, screenshot?: string): Promise<{ stepsPerSecond: number; cancelMs: number; longestTaskMs: number; charts: number }> {
  const { page, server } = s;
  await page.goto(`${server.url}#/runs/${run.id}`);
  await page.locator('.run-head [data-status="running"]').waitFor({ timeout: 30_000 });
  // Long tasks of the page's main thread while it follows the run.
  await page.evaluate(() => {
    const w = window as unknown as { __longest: number };
    w.__longest = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await expect.poll(() => page.locator('[data-metric]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
  const a = (await api.call<RunRecord>('getRun', run.id)).progress?.step ?? 0;
  const t0 = Date.now();
  await page.waitForTimeout(3000);
  const b = (await api.call<RunRecord>('getRun', run.id)).progress?.step ?? 0;
  const stepsPerSecond = ((b - a) * 1000) / (Date.now() - t0);
  // The charts on screen follow: the first chart's drawn version grows while we watch.
  const first = page.locator('[data-metric]').first();
  const before = Number(await first.getAttribute('data-drawn-version'));
  await expect.poll(async () => Number(await first.getAttribute('data-drawn-version')), { timeout: 5000 }).toBeGreaterThan(before);
  if (screenshot) await page.screenshot({ path: join(SCREENSHOTS, screenshot), fullPage: false });

  const clickedAt = Date.now();
  await page.locator('[data-action="cancel"]').click();
  await page.waitForFunction(() => document.querySelector('.run-head [data-status]')?.getAttribute('data-status') === 'cancelled', null, { timeout: 60_000, polling: 'raf' });
  const cancelMs = Date.now() - clickedAt;
  const longestTaskMs = await page.evaluate(() => (window as unknown as { __longest: number }).__longest);
  const charts = await page.locator('[data-metric]').count();
  return { stepsPerSecond, cancelMs, longestTaskMs, charts };
}

describe('run page under load', () => {
  it('follows a 30-series run at ≥ 20 steps/s and shows Cancel within the budget', async () => {
    const m = await watchAndCancel('e2e fast run', 'run-detail-sections.png');
    console.log(`[live page] quiet: ${m.stepsPerSecond.toFixed(1)} steps/s, ${m.charts} charts, cancel → cancelled ${m.cancelMs} ms, longest main-thread task ${m.longestTaskMs.toFixed(0)} ms`);
    expect(m.stepsPerSecond).toBeGreaterThanOrEqual(20);
    expect(m.cancelMs).toBeLessThan(CANCEL_BUDGET_MS);
    expect(s.pageErrors).toEqual([]);
  });

  it('does the same with the other core kept busy', async () => {
    const burner = burnCpu();
    try {
      const m = await watchAndCancel('e2e fast run, busy machine');
      console.log(`[live page] busy core: ${m.stepsPerSecond.toFixed(1)} steps/s, ${m.charts} charts, cancel → cancelled ${m.cancelMs} ms, longest main-thread task ${m.longestTaskMs.toFixed(0)} ms`);
      expect(m.stepsPerSecond).toBeGreaterThanOrEqual(20);
      expect(m.cancelMs).toBeLessThan(CANCEL_BUDGET_MS);
    } finally {
      burner.kill('SIGKILL');
    }
    expect(s.pageErrors).toEqual([]);
  });
});
