/**
 * A score run (the smallest run kind, docs/dev/ADD-A-RUN-KIND.md) of the built-in model, started
 * from the New run page in a real Chromium against `benchtop serve` with the real engine runner.
 * The histogram on the run page is checked against the per-example log-probs the run stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, openSession, type E2eSession, submitAndAwaitRun } from './harness';

const PER_TASK = 8;
const TASKS = 7; // the preset scores every held-out task of the built-in model

let s: E2eSession;

beforeAll(async () => {
  s = await openSession({ realRunner: true, viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
}, 60_000);

afterAll(() => s?.close());

function stored(runId: string): { rewards: number[]; metrics: { key: string; step: number; value: number }[] } {
  const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
  try {
    const rewards = db.prepare('SELECT reward FROM samples WHERE run_id = ? ORDER BY id').all(runId).map((r) => Number(r.reward));
    const metrics = db.prepare('SELECT key, step, value FROM metrics WHERE run_id = ?').all(runId).map((r) => ({ key: String(r.key), step: Number(r.step), value: Number(r.value) }));
    return { rewards, metrics };
  } finally {
    db.close();
  }
}

function histogramOption(p: Page): Promise<{ series: { data: number[] }[] } | null> {
  return p.evaluate(() => {
    const host = document.querySelector('[data-score-histogram] [_echarts_instance_]') as HTMLElement | null;
    const lookup = (window as unknown as { __benchtopCharts?: { getInstanceByDom(el: HTMLElement): { getOption(): unknown } | undefined } }).__benchtopCharts;
    const inst = host && lookup?.getInstanceByDom(host);
    return inst ? (JSON.parse(JSON.stringify(inst.getOption())) as { series: { data: number[] }[] }) : null;
  });
}

describe('score run', () => {
  it('is offered on the New run page, runs on the built-in model and shows the histogram of its log-probs', async () => {
    const { server, page, pageErrors } = s;
    await page.goto(`${server.url}#/new`);
    await page.locator('[data-kind="score"]').click();
    await page.waitForURL(/#\/new\/score/);
    await page.locator('[data-preset]').selectOption('score-builtin');
    expect(await page.locator('[data-field="model"]').inputValue()).toBe('builtin:benchtop-tiny');
    expect(await page.locator('[data-doc-for="bins"]').textContent()).toContain('Equal-width histogram bins');
    await page.locator('[data-field="num_examples"]').fill(String(PER_TASK));
    const runId = await submitAndAwaitRun(page, 'the score run');

    const { rewards, metrics } = stored(runId);
    expect(rewards).toHaveLength(PER_TASK * TASKS);
    const bins = metrics.filter((m) => m.key === 'histogram/lower').sort((a, b) => a.step - b.step).map((m) => m.value);
    const width = metrics.find((m) => m.key === 'histogram/width')!.value;
    // The bars the page draws are the stored examples counted into the stored bins.
    const want = bins.map((lo, i) => rewards.filter((r) => r >= lo - 1e-9 && (i === bins.length - 1 ? r <= lo + width + 1e-9 : r < lo + width - 1e-9)).length);
    await expect.poll(() => histogramOption(page).then((o) => o?.series[0]?.data ?? null), { timeout: 15_000 }).toEqual(want);
    expect(want.reduce((a, b) => a + b, 0)).toBe(PER_TASK * TASKS);
    expect(await page.locator('[data-score-tasks] tbody tr').count()).toBe(TASKS);
    // Its metrics are results, not line charts.
    expect(await page.locator('[data-metric^="logprob/"], [data-metric^="histogram/"]').count()).toBe(0);

    await page.setViewportSize({ width: 1360, height: 1100 });
    await page.screenshot({ path: join(SCREENSHOTS, 'score-run.png') });
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
