/**
 * Comparing runs in a real Chromium against `benchtop serve`: two runs made from the CLI with
 * the fixture runner, ticked on the Runs page (one with the mouse, one with the keyboard, through
 * a filter that hides one), opened with Compare. The loss chart's lines are read from ECharts
 * and checked against the metrics the runs stored in SQLite; the config diff lists exactly the
 * three fields the fixture configs differ in; the lower final loss is the one marked best.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Page } from 'playwright-core';
import { ROOT, SCREENSHOTS, openSession, startCliRun, type E2eSession } from './harness';

let s: E2eSession;

beforeAll(async () => {
  s = await openSession({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
  // After the server has set up the data folder: both runs from the CLI, to completion.
  for (const f of ['compare-a.yaml', 'compare-b.yaml']) {
    const { code, output } = await startCliRun(s.home.dir, join(ROOT, 'tests/e2e/fixtures', f)).done;
    expect(code, output).toBe(0);
  }
}, 90_000);

afterAll(() => s?.close());

/** A run's stored points of `key`, straight from SQLite. */
function stored(runId: string, key: string): [number, number][] {
  const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
  try {
    return db.prepare('SELECT step, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step').all(runId, key).map((r) => [Number(r.step), Number(r.value)]);
  } finally {
    db.close();
  }
}

type Line = { name: string; data: [number, number][]; lineStyle: { color: string } };

/** The lines ECharts holds for a metric's chart (empty until drawn). */
function lines(p: Page, metric: string): Promise<Line[]> {
  return p.evaluate((key) => {
    const host = document.querySelector(`[data-metric="${key}"] [_echarts_instance_]`) as HTMLElement | null;
    const lookup = (window as unknown as { __benchtopCharts?: { getInstanceByDom(el: HTMLElement): { getOption(): { series: Line[] } } | undefined } }).__benchtopCharts;
    const inst = host && lookup?.getInstanceByDom(host);
    return inst ? (JSON.parse(JSON.stringify(inst.getOption().series)) as Line[]) : [];
  }, metric);
}

describe('compare runs', () => {
  it('selects two runs on the Runs page and compares their stored loss, config and final values', async () => {
    const { server, browser, page, pageErrors } = s;
    await page.goto(server.url);
    const rowA = page.locator('[data-runs-table] tr', { hasText: 'e2e compare A' });
    const rowB = page.locator('[data-runs-table] tr', { hasText: 'e2e compare B' });
    await rowA.waitFor({ timeout: 20_000 });
    await rowB.waitFor({ timeout: 20_000 });
    const idA = (await rowA.getAttribute('data-run-id'))!;
    const idB = (await rowB.getAttribute('data-run-id'))!;
    const compare = page.locator('[data-action="compare"]');
    expect(await compare.isDisabled()).toBe(true);

    // A with the mouse; then filter A away and tick B from the keyboard (Tab from the search box
    // lands on the row, Tab again on its checkbox, Space ticks it).
    await rowA.locator('[data-select-run]').click();
    expect(page.url()).toMatch(/#\/runs$/);
    await page.locator('[data-filter="text"]').fill('compare B');
    await expect.poll(() => page.locator('[data-runs-table] [data-run-id]').count(), { timeout: 10_000 }).toBe(1);
    await rowB.focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-select-run'))).not.toBeNull();
    await page.keyboard.press('Space');
    expect(await rowB.locator('[data-select-run]').isChecked()).toBe(true);
    expect(await page.locator('[data-selection-summary]').textContent()).toContain('2 selected (1 hidden by the filters)');
    expect((await compare.textContent())!.trim()).toBe('Compare (2)');
    await compare.click();
    await page.waitForURL(/#\/compare\?ids=/);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/compare?ids=${idA},${idB}`);

    // Header: both runs, in order, each with its colour and a link to its page.
    const head = page.locator('[data-compare-run]');
    await expect.poll(() => head.count(), { timeout: 15_000 }).toBe(2);
    expect(await head.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-compare-run')))).toEqual([idA, idB]);
    expect(await head.locator('[data-run-link]').allTextContents()).toEqual(['e2e compare A', 'e2e compare B']);
    expect(await head.nth(1).locator('[data-run-link]').getAttribute('href')).toBe(`#/runs/${idB}`);
    const colours = await head.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-color')));

    // The loss chart: one line per run, in the run's colour, points equal to the stored metrics.
    await expect.poll(() => lines(page, 'loss').then((l) => l.length), { timeout: 15_000 }).toBe(2);
    const loss = await lines(page, 'loss');
    expect(loss.map((l) => [l.name, l.lineStyle.color])).toEqual([['e2e compare A', colours[0]], ['e2e compare B', colours[1]]]);
    const storedA = stored(idA, 'loss');
    const storedB = stored(idB, 'loss');
    expect(storedA).toHaveLength(12);
    expect(storedB).toHaveLength(16);
    expect(loss[0].data).toEqual(storedA);
    expect(loss[1].data).toEqual(storedB);
    expect((await lines(page, 'grad_norm')).map((l) => l.data)).toEqual([stored(idA, 'grad_norm'), stored(idB, 'grad_norm')]);

    // Hovering near the right end (step 15, which only B has) still lists both runs: A with its
    // nearest point, step 12. ECharts reacts to pointer movement, so move in a few steps.
    const chart = page.locator('[data-metric="loss"] [_echarts_instance_]');
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 4 });
    const tip = chart.locator('div', { hasText: 'e2e compare B' }).first();
    await expect.poll(() => tip.textContent().catch(() => ''), { timeout: 5000 }).toContain('e2e compare A');
    expect(await tip.textContent()).toMatch(/^step 15e2e compare A[\d.e-]+ @ 12e2e compare B[\d.e-]+$/);

    // Config: exactly the fields the two fixture configs differ in.
    const diff = await page.locator('[data-diff-path]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-diff-path')));
    expect(diff.sort()).toEqual(['data.tasks.0.options.lr', 'name', 'training.max_steps']);
    expect(await page.locator('[data-diff-path="data.tasks.0.options.lr"] td').allTextContents()).toEqual(['data.tasks.0.options.lr', '0.05', '0.15']);

    // Final values: the last stored loss of each, the lower one marked best.
    const last = [storedA.at(-1)![1], storedB.at(-1)![1]];
    const cells = page.locator('[data-final-row="loss"] td[data-run-id]');
    expect(await cells.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('title')!.split(': ')[1])))).toEqual(last);
    const best = await page.locator('[data-final-row="loss"] [data-best]').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-run-id')));
    expect(best).toEqual([last[0] < last[1] ? idA : idB]);

    // The screenshot keeps the pointer on the loss chart, so it shows the all-runs tooltip.
    await page.setViewportSize({ width: 1360, height: 1300 });
    await page.screenshot({ path: join(SCREENSHOTS, 'compare.png') });
    await page.setViewportSize({ width: 1360, height: 860 });

    const dark = await browser.newPage({ viewport: { width: 1360, height: 1300 }, colorScheme: 'dark' });
    try {
      await dark.goto(`${server.url}#/compare?ids=${idA},${idB}`);
      await expect.poll(() => dark.evaluate(() => document.documentElement.dataset.theme), { timeout: 10_000 }).toBe('dark');
      await expect.poll(() => lines(dark, 'loss').then((l) => l.length), { timeout: 15_000 }).toBe(2);
      await dark.screenshot({ path: join(SCREENSHOTS, 'compare-dark.png') });
    } finally {
      await dark.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('explains an address that names no runs or unknown ones', async () => {
    const { server, page } = s;
    await page.goto(`${server.url}#/compare`);
    await expect.poll(() => page.locator('[data-compare-problem]').textContent(), { timeout: 10_000 }).toContain('No runs to compare');
    await page.goto(`${server.url}#/compare?ids=nope-1,nope-2`);
    await expect.poll(() => page.locator('[data-compare-missing]').textContent(), { timeout: 10_000 }).toContain('nope-1, nope-2 were not found');
  });
});
