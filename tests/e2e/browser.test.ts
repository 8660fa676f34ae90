/**
 * The renderer in a real Chromium against the real browser-mode server (`benchtop serve`),
 * with a run started from the CLI in the same data folder and one started from the UI.
 * Screenshots go to docs/screenshots/ with BENCHTOP_UPDATE_SCREENSHOTS=1 (a temporary folder otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, SCREENSHOTS, openSession, startCliRun, stopChild, type E2eSession } from './harness';
import { fixtureLossAt } from '../fixtures/fixtureExecutor';

let s: E2eSession;

beforeAll(async () => {
  s = await openSession({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
}, 60_000);

afterAll(() => s?.close());

/** Points plotted by the ECharts instance of a metric's chart (read from ECharts itself). */
async function chartPoints(p: Page, metric: string): Promise<number> {
  return p.evaluate((key) => {
    const host = document.querySelector(`[data-metric="${key}"] [_echarts_instance_]`) as HTMLElement | null;
    const lookup = (window as unknown as { __benchtopCharts?: { getInstanceByDom(el: HTMLElement): { getOption(): { series: { data: unknown[] }[] } } | undefined } }).__benchtopCharts;
    const chart = host && lookup?.getInstanceByDom(host);
    if (!chart) return -1;
    return chart.getOption().series.reduce((n, s) => n + (s.data?.length ?? 0), 0);
  }, metric);
}

/** The [step, value] pairs an ECharts line holds for a metric's chart. */
async function chartData(p: Page, metric: string): Promise<[number, number][]> {
  return p.evaluate((key) => {
    const host = document.querySelector(`[data-metric="${key}"] [_echarts_instance_]`) as HTMLElement;
    const lookup = (window as unknown as { __benchtopCharts: { getInstanceByDom(el: HTMLElement): { getOption(): { series: { data: [number, number][] }[] } } } }).__benchtopCharts;
    return lookup.getInstanceByDom(host).getOption().series[0].data;
  }, metric);
}

describe('browser mode', () => {
  it('refuses requests without the token', async () => {
    const { server } = s;
    const noToken = await fetch(`${server.origin}/`);
    expect([401, 403]).toContain(noToken.status);
    expect(await noToken.text()).toMatch(/token/);
    const wrong = await fetch(`${server.origin}/?token=not-the-token`);
    expect([401, 403]).toContain(wrong.status);
    const asset = await fetch(`${server.origin}/index.html`);
    expect([401, 403]).toContain(asset.status);
    const ok = await fetch(server.url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<div id="app">');
  });

  it('lists a run started from the CLI and plots it live on its page', async () => {
    const { home, server, page } = s;
    const cli = startCliRun(home.dir, join(ROOT, 'tests/e2e/fixtures/live-run.yaml'));
    try {
      await page.goto(server.url);
      // The CLI's run is executed by the CLI's own process; the page finds it by itself.
      const row = page.locator('[data-runs-table] tr', { hasText: 'e2e live quadratic' });
      await row.waitFor({ timeout: 20_000 });
      await expect.poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('running');
      await page.screenshot({ path: join(SCREENSHOTS, 'runs-list.png') });

      await row.click();
      await page.waitForURL(/#\/runs\//);
      const chart = page.locator('[data-metric="loss"]');
      await chart.waitFor({ timeout: 15_000 });
      await expect.poll(() => chartPoints(page, 'loss'), { timeout: 15_000 }).toBeGreaterThan(1);
      const first = await chartPoints(page, 'loss');
      const firstAttr = Number(await chart.getAttribute('data-points'));
      // Still running: the same chart gains points without a reload.
      await expect.poll(() => chartPoints(page, 'loss'), { timeout: 15_000 }).toBeGreaterThan(first + 2);
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(firstAttr);
      expect(await page.locator('[data-status]').first().getAttribute('data-status')).toBe('running');
      await page.screenshot({ path: join(SCREENSHOTS, 'run-detail.png') });

      const { code, output } = await cli.done;
      expect(code, output).toBe(0);
      await expect.poll(() => page.locator('.run-head [data-status]').getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded');
      await expect.poll(() => chartPoints(page, 'loss'), { timeout: 10_000 }).toBe(60);
      // What is drawn is what the runner computed: the fixture's loss has a closed form.
      const data = await chartData(page, 'loss');
      for (const k of [1, 30, 60]) {
        const [step, value] = data[k - 1];
        expect(step).toBe(k);
        expect(Math.abs(value - fixtureLossAt(k, 16, 0.05)) / fixtureLossAt(k, 16, 0.05)).toBeLessThan(1e-9);
      }
    } finally {
      await stopChild(cli.child);
    }
  });

  it('rejects an invalid value in the New run editor, then starts a valid run', async () => {
    const { server, page, pageErrors } = s;
    await page.goto(`${server.url}#/new`);
    await page.locator('[data-kind="pretrain"]').click();
    const lr = page.locator('[data-field="training.learning_rate"]');
    await lr.fill('5');
    const err = page.locator('[data-error-for="training.learning_rate"]');
    await expect.poll(() => err.isVisible()).toBe(true);
    expect(await err.textContent()).toContain('≤ 1');
    await page.locator('[data-action="submit"]').click();
    await expect.poll(() => page.locator('[data-problem-count]').isVisible()).toBe(true);
    expect(page.url()).toContain('#/new/pretrain');
    // The blocked submit scrolls the first message into view.
    await expect.poll(() => err.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top > 0 && r.bottom < window.innerHeight;
    })).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'new-run-error.png') });

    // Fix it and start a short run on the server's own supervisor (its updates are pushed).
    await lr.fill('0.01');
    await expect.poll(() => err.count()).toBe(0);
    await page.locator('[data-field="name"]').fill('e2e from the editor');
    await page.locator('[data-field="training.max_steps"]').fill('12');
    await page.locator('[data-field="data.tasks.0.options"]').fill('{"step_ms": 50, "dim": 8}');
    await page.locator('[data-action="submit"]').click();
    await page.waitForURL(/#\/runs\//, { timeout: 15_000 });
    await expect.poll(() => page.locator('.run-head [data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    await expect.poll(() => chartPoints(page, 'loss'), { timeout: 10_000 }).toBe(12);
    expect(pageErrors).toEqual([]);
  });

  it('switches to the dark theme and keeps it through the settings API', async () => {
    const { home, server, browser, page } = s;
    await page.goto(`${server.url}#/settings`);
    await page.locator('[data-theme-option="dark"]').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await expect.poll(() => page.locator('[data-app-info]').textContent()).toContain(home.dir);
    // A fresh browser context has no local storage: the theme comes back from the server.
    const other = await browser.newPage({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
    try {
      await other.goto(`${server.url}#/runs`);
      await expect.poll(() => other.evaluate(() => document.documentElement.dataset.theme), { timeout: 10_000 }).toBe('dark');
      await other.locator('[data-runs-table]').waitFor();
      await other.screenshot({ path: join(SCREENSHOTS, 'runs-list-dark.png') });
    } finally {
      await other.close();
    }
  });
});
