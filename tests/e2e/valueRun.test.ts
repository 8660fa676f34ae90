/**
 * A value run (For-Value, docs/dev/VALUE-CONTRACT.md) of the built-in model, started from the
 * New run editor (preset, small counts) in a real Chromium against `benchtop serve` with the real
 * engine runner. The "Data values" section is checked against what the run stored in SQLite:
 * the histogram holds every stored train example (clean and mislabeled apart, as stored), the
 * first row of the ranked list is the stored sample with the lowest value, and the protocol
 * table shows the stored mislabel AUC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, openSession, type E2eSession, submitAndAwaitRun } from './harness';

const TRAIN = 60;
const VAL = 15;

let s: E2eSession;

beforeAll(async () => {
  s = await openSession({ realRunner: true, viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
}, 60_000);

afterAll(() => s?.close());

interface StoredSample { prompt: string; completion: string; reward: number; extra: Record<string, unknown> }

function stored(runId: string): { samples: StoredSample[]; metrics: Map<string, number> } {
  const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
  try {
    const samples = db.prepare('SELECT prompt, completion, reward, extra FROM samples WHERE run_id = ? ORDER BY id').all(runId)
      .map((r) => ({ prompt: String(r.prompt), completion: String(r.completion), reward: Number(r.reward), extra: JSON.parse(String(r.extra)) as Record<string, unknown> }));
    const metrics = new Map<string, number>();
    for (const r of db.prepare('SELECT key, value FROM metrics WHERE run_id = ?').all(runId)) metrics.set(String(r.key), Number(r.value));
    return { samples, metrics };
  } finally {
    db.close();
  }
}

type ChartOption = { series: { name: string; data: number[] }[] };

function optionOf(p: Page, id: string): Promise<ChartOption | null> {
  return p.evaluate((chart) => {
    const host = document.querySelector(`[data-value-chart="${chart}"] [_echarts_instance_]`) as HTMLElement | null;
    const lookup = (window as unknown as { __benchtopCharts?: { getInstanceByDom(el: HTMLElement): { getOption(): unknown } | undefined } }).__benchtopCharts;
    const inst = host && lookup?.getInstanceByDom(host);
    return inst ? (JSON.parse(JSON.stringify(inst.getOption())) as ChartOption) : null;
  }, id);
}

describe('value run', () => {
  it('values training data from the editor and shows the histogram, protocols and ranked list', async () => {
    const { server, page, pageErrors } = s;
    await page.goto(`${server.url}#/new`);
    await page.locator('[data-kind="value"]').click();
    await page.waitForURL(/#\/new\/value/);
    await page.locator('[data-preset]').selectOption('value-builtin-mislabel');
    expect(await page.locator('[data-field="model"]').inputValue()).toBe('builtin:benchtop-tiny');
    await page.locator('[data-field="train.num_examples"]').fill(String(TRAIN));
    await page.locator('[data-field="val.num_examples"]').fill(String(VAL));
    const runId = await submitAndAwaitRun(page, 'the value run');

    const { samples, metrics } = stored(runId);
    expect(samples).toHaveLength(TRAIN);
    expect(metrics.get('data/train_examples')).toBe(TRAIN);

    // Histogram: every stored train example once, in the series of its stored label.
    await expect.poll(() => optionOf(page, 'histogram').then((o) => (o ? o.series.flatMap((x) => x.data).reduce((a, b) => a + b, 0) : 0)), { timeout: 15_000 }).toBe(TRAIN);
    const hist = (await optionOf(page, 'histogram'))!;
    const total = (name: string) => hist.series.find((x) => x.name === name)!.data.reduce((a, b) => a + b, 0);
    const bad = samples.filter((x) => x.extra.mislabeled === true).length;
    expect(bad).toBe(metrics.get('data/mislabeled'));
    expect(total('mislabeled')).toBe(bad);
    expect(total('clean')).toBe(TRAIN - bad);
    expect(await page.locator('[data-value-chart="histogram"]').getAttribute('data-total')).toBe(String(TRAIN));

    // Ranked list: lowest value first, the same example the store holds as lowest (and last rank).
    const lowest = samples.reduce((m, x) => (x.reward < m.reward ? x : m));
    expect(lowest.extra.rank).toBe(TRAIN);
    const first = page.locator('[data-value-rows] tbody tr').first();
    expect(await first.getAttribute('data-row-id')).toBe(String(lowest.extra.id));
    expect(await first.locator('[data-col="prompt"]').textContent()).toBe(lowest.prompt);
    expect((await first.locator('[data-col="rank"]').textContent())?.trim()).toBe(String(TRAIN));
    expect(await first.locator('[data-badge="mislabeled"]').count()).toBe(lowest.extra.mislabeled === true ? 1 : 0);
    expect(await page.locator('[data-value-rows] [data-badge="selected"]').count()).toBe(0); // the lowest 25 are never selected
    expect(await page.locator('[data-value-rows] tbody tr').count()).toBe(25);

    // Protocol table and per-task bars from the stored metrics; no generic line chart repeats them.
    expect(await page.locator('[data-figure="value/auc_mislabel"] td.num').textContent()).toBe(metrics.get('value/auc_mislabel')!.toFixed(3));
    expect(await page.locator('[data-value-chart="tasks"]').getAttribute('data-tasks')).toBe('arithmetic,brackets_classify,compare');
    expect(await page.locator('[data-metric^="value/"], [data-metric^="data/"], [data-metric^="time/"]').count()).toBe(0);

    await page.setViewportSize({ width: 1360, height: 1500 });
    await page.screenshot({ path: join(SCREENSHOTS, 'value-run.png') });
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
