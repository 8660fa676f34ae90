/**
 * The run page under load (issue 13): a run that logs 30 series at well over 20 steps per
 * second through the real runner process, store and push path (the test fixture executor as
 * the run's work), watched in Chromium; Cancel must show `cancelled` within the budget, also
 * with a CPU-burning process on the other core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { RunRecord } from '../../src/shared/records';
import { SCREENSHOTS, openSession, type E2eSession } from './harness';
import { connectApi, type ApiClient } from './apiClient';

/** Cancel → `cancelled` on screen, in ms (issue 13 asks for < 2 s on the project's machine). A
 * heavily shared developer machine may set BENCHTOP_E2E_CANCEL_BUDGET_MS (docs/decisions/0021). */
const CANCEL_BUDGET_MS = Number(process.env.BENCHTOP_E2E_CANCEL_BUDGET_MS ?? 2000);

/**
 * The budget is the figure for this machine with at most one extra busy core. When the
 * machine is far busier than that (other jobs: load average above 3 per core before the test's
 * own burner), the latency is printed but not held to the budget — it would measure the other
 * jobs, not the page (docs/decisions/0021).
 */
function assertWithinBudget(ms: number, label: string): void {
  const perCore = loadavg()[0] / cpus().length;
  if (perCore > 3 && !process.env.BENCHTOP_E2E_CANCEL_BUDGET_MS) {
    console.log(`[live page] ${label}: machine load ${perCore.toFixed(1)} per core; ${ms} ms not held to the ${CANCEL_BUDGET_MS} ms budget`);
    return;
  }
  expect(ms, `${label}: Cancel → cancelled`).toBeLessThan(CANCEL_BUDGET_MS);
}

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
  await expect.poll(() => page.locator('[data-metric]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
  // Long tasks of the page's main thread while it follows the run (after the first drawing of
  // the page, which creates every chart once).
  await page.waitForTimeout(1000);
  await page.evaluate(() => {
    const w = window as unknown as { __longest: number };
    w.__longest = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
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
    assertWithinBudget(m.cancelMs, 'quiet');
    expect(s.pageErrors).toEqual([]);
  });

  it('does the same with the other core kept busy', async () => {
    const burner = burnCpu();
    try {
      const m = await watchAndCancel('e2e fast run, busy machine');
      console.log(`[live page] busy core: ${m.stepsPerSecond.toFixed(1)} steps/s, ${m.charts} charts, cancel → cancelled ${m.cancelMs} ms, longest main-thread task ${m.longestTaskMs.toFixed(0)} ms`);
      expect(m.stepsPerSecond).toBeGreaterThanOrEqual(20);
      assertWithinBudget(m.cancelMs, 'busy core');
    } finally {
      burner.kill('SIGKILL');
    }
    expect(s.pageErrors).toEqual([]);
  });
});

describe('analysing an RL run', () => {
  it('sections, samples filtered with token heat and one prompt across steps, notes edited', async () => {
    const { page, server } = s;
    const cfg = fastRun('e2e rl analysis');
    (cfg.data as { tasks: { options: Record<string, unknown> }[] }).tasks[0].options = { step_ms: 20, dim: 16, lr: 0.01, series: 30, samples_every: 5, rl_samples: 6 };
    cfg.training = { max_steps: 120, checkpoint_every: 0 };
    const run = await api.call<RunRecord>('createRun', cfg);
    await page.goto(`${server.url}#/runs/${run.id}`);
    await expect.poll(() => page.locator('.run-head [data-status]').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');

    // Sections in TRL/verl naming; constant series in the summary table.
    const sections = await page.locator('[data-section]').evaluateAll((els) => els.map((e) => e.getAttribute('data-section')));
    expect(sections).toEqual(expect.arrayContaining(['reward', 'policy', 'lengths', 'likelihood', 'throughput', 'evaluation', 'summary']));
    expect(sections.indexOf('reward')).toBeLessThan(sections.indexOf('policy'));
    expect(await page.locator('[data-section="likelihood"] [data-metric]').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')))).toEqual(['llds/gated_fraction', 'llds/loss', 'logprob/neg_mean', 'logprob/pos_mean']);
    expect(await page.locator('[data-summary-key="learning_rate"]').count()).toBe(1);

    // The wheel over a chart scrolls the page (the .content pane); Ctrl + wheel zooms it, and a
    // reset appears.
    const scrolled = () => page.evaluate(() => document.querySelector('.content')!.scrollTop);
    await page.evaluate(() => document.querySelector('.content')!.scrollTo(0, 0));
    const chart = page.locator('[data-section="reward"] [data-metric]').first();
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 400);
    await expect.poll(scrolled).toBeGreaterThan(100);
    await page.evaluate(() => document.querySelector('.content')!.scrollTo(0, 0));
    const box2 = (await chart.boundingBox())!;
    await page.mouse.move(box2.x + box2.width / 2, box2.y + box2.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    await expect.poll(() => chart.locator('[data-action="reset-zoom"]').count()).toBe(1);
    expect(await scrolled()).toBe(0);
    await chart.locator('[data-action="reset-zoom"]').click();
    await expect.poll(() => chart.locator('[data-action="reset-zoom"]').count()).toBe(0);

    // Samples: 24 logging steps × (6 RL rows + the fixture's plain one), paged by the store.
    await page.locator('[data-tab="samples"]').click();
    await expect.poll(() => page.locator('[data-samples-range]').textContent()).toBe('1–25 of 168');
    await page.locator('[data-filter="correct"]').selectOption('no');
    await page.locator('[data-filter="fromStep"]').fill('50');
    await page.locator('[data-filter="toStep"]').fill('80');
    // Steps 50, 55, …, 80 (7 logging steps) × 3 wrong answers each.
    await expect.poll(() => page.locator('[data-samples-range]').textContent()).toBe('1–21 of 21');
    expect(await page.locator('[data-correct]').evaluateAll((els) => els.every((e) => e.getAttribute('data-correct') === 'false'))).toBe(true);
    await page.locator('[data-sample-id]').first().click();
    await expect.poll(() => page.locator('[data-token-heat] .heat-token').count()).toBeGreaterThan(2);
    await page.locator('[data-action="across-steps"]').click();
    // The newest wrong answer is j = 5 at step 80 (prompt of problem 5 % 3 = 2, shared with j = 2):
    // two completions of it at each of the 24 logging steps, in step order.
    await expect.poll(() => page.locator('[data-across-step]').count()).toBe(48);
    const acrossSteps = await page.locator('[data-across-step]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-across-step'))));
    expect(acrossSteps).toEqual(Array.from({ length: 24 }, (_, i) => [5 * (i + 1), 5 * (i + 1)]).flat());
    await page.locator('[data-sample-id]').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'samples-viewer.png') });

    // Notes and tags edited on the run page, kept by the store.
    await page.locator('[data-action="edit-notes"]').click();
    await page.locator('[data-field="notes"]').fill('wrong answers cluster on problem p1');
    await page.locator('[data-field="tags"]').fill('e2e, analysed');
    await page.locator('[data-action="save-notes"]').click();
    await expect.poll(() => page.locator('[data-notes-text]').textContent()).toBe('wrong answers cluster on problem p1');
    const stored = await api.call<RunRecord>('getRun', run.id);
    expect(stored.notes).toBe('wrong answers cluster on problem p1');
    expect(stored.tags).toEqual(['analysed', 'e2e']);
    expect(s.pageErrors).toEqual([]);
  });
});

describe('comparing seeds', () => {
  it('groups four runs by learning rate and draws each group as mean ± std', async () => {
    const { page, server } = s;
    const ids: string[] = [];
    for (const [seed, lr] of [[1, 0.05], [2, 0.05], [3, 0.1], [4, 0.1]] as const) {
      const r = await api.call<RunRecord>('createRun', {
        kind: 'pretrain', name: `e2e seed ${seed} lr ${lr}`, seed,
        data: { tasks: [{ task: 'arithmetic', options: { step_ms: 5, dim: 8 + seed, lr } }] },
        training: { max_steps: 30, checkpoint_every: 0 },
      });
      ids.push(r.id);
    }
    await expect.poll(async () => (await Promise.all(ids.map((id) => api.call<RunRecord>('getRun', id)))).every((r) => r.status === 'succeeded'), { timeout: 90_000 }).toBe(true);
    await page.goto(`${server.url}#/compare?ids=${ids.join(',')}`);
    const select = page.locator('[data-control="group-by"]');
    await select.waitFor({ timeout: 20_000 });
    await select.selectOption('data.tasks.0.options.lr');
    const loss = page.locator('[data-grouped] [data-metric="loss"]');
    await expect.poll(() => loss.getAttribute('data-groups'), { timeout: 10_000 }).toBe('2');
    // What ECharts draws: per group a mean line over the band's two stacked edges.
    const names = await page.evaluate(() => {
      const host = document.querySelector('[data-grouped] [data-metric="loss"] [_echarts_instance_]') as HTMLElement;
      const lookup = (window as unknown as { __benchtopCharts: { getInstanceByDom(el: HTMLElement): { getOption(): { series: { name: string }[] } } } }).__benchtopCharts;
      return lookup.getInstanceByDom(host).getOption().series.map((x) => x.name);
    });
    expect(names).toEqual(expect.arrayContaining([
      'data.tasks.0.options.lr=0.05 (2 runs)', 'data.tasks.0.options.lr=0.05 (2 runs) ±std',
      'data.tasks.0.options.lr=0.1 (2 runs)', 'data.tasks.0.options.lr=0.1 (2 runs) ±std',
    ]));
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-grouped.png') });
    expect(s.pageErrors).toEqual([]);
  });
});
