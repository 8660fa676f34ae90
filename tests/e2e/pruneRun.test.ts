/**
 * A prune run of the built-in model, started from the New run editor (preset) in a real
 * Chromium against `benchtop serve` with the real engine runner, watched until it finishes. The
 * run page's charts are read from their ECharts instances and checked against the metrics the
 * run stored in SQLite: every importance bar equals its `score/*` value, the removed layer is
 * drawn as removed, every heatmap cell equals its `similarity/*` value, and the sweep lines equal
 * `eval/<task>/normalized`. Which layer goes is whatever the shipped model's scores say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Page } from 'playwright-core';
import { BUILTIN_EVAL_TASKS } from '../../src/shared/config/presets';
import { SCREENSHOTS, openSession, type E2eSession } from './harness';

const PER_TASK = 10;
const EVAL_TASKS = BUILTIN_EVAL_TASKS.map((t) => t.task);

let s: E2eSession;

beforeAll(async () => {
  s = await openSession({ realRunner: true, viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
}, 60_000);

afterAll(() => s?.close());

/** A stored series, straight from SQLite: step → value. */
function stored(runId: string): Map<string, Map<number, number>> {
  const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
  try {
    const out = new Map<string, Map<number, number>>();
    for (const r of db.prepare('SELECT key, step, value FROM metrics WHERE run_id = ? ORDER BY key, step').all(runId)) {
      const key = String(r.key);
      if (!out.has(key)) out.set(key, new Map());
      out.get(key)!.set(Number(r.step), Number(r.value));
    }
    return out;
  } finally {
    db.close();
  }
}

type ChartOption = {
  xAxis: { data?: string[] }[];
  yAxis: { data?: string[] }[];
  series: { name: string; data: unknown[] }[];
};

/** The option ECharts holds for the chart inside `[data-prune-chart=id]` (null until drawn). */
function optionOf(p: Page, id: string): Promise<ChartOption | null> {
  return p.evaluate((chart) => {
    const host = document.querySelector(`[data-prune-chart="${chart}"] [_echarts_instance_]`) as HTMLElement | null;
    const lookup = (window as unknown as { __benchtopCharts?: { getInstanceByDom(el: HTMLElement): { getOption(): unknown } | undefined } }).__benchtopCharts;
    const inst = host && lookup?.getInstanceByDom(host);
    return inst ? (JSON.parse(JSON.stringify(inst.getOption())) as ChartOption) : null;
  }, id);
}

describe('prune run', () => {
  it('prunes the built-in model from the editor and charts scores, removal, similarity and the sweep', async () => {
    const { server, browser, page, pageErrors } = s;
    await page.goto(`${server.url}#/new`);
    await page.locator('[data-kind="prune"]').click();
    await page.waitForURL(/#\/new\/prune/);
    await page.locator('[data-preset]').selectOption('prune-builtin-bi');
    expect(await page.locator('[data-field="model"]').inputValue()).toBe('builtin:benchtop-tiny');
    expect(await page.locator('[data-field="method"]').inputValue()).toBe('block_influence');
    const num = page.locator('[data-field="eval.num_examples"]');
    await num.fill(String(PER_TASK));
    await page.locator('[data-action="submit"]').click();
    await page.waitForURL(/#\/runs\/[^/]+$/, { timeout: 15_000 });
    const runId = decodeURIComponent(page.url().split('#/runs/')[1]);

    // Watch it through its phases; the importance chart appears while the sweep is still running.
    const seen = new Set<string>();
    let chartsBeforeEnd = false;
    const status = page.locator('.run-head [data-status]');
    const deadline = Date.now() + 300_000;
    for (;;) {
      const [s, text] = await Promise.all([status.getAttribute('data-status'), page.locator('[data-run-progress]').textContent()]);
      if (text) seen.add(text.trim().split(' ')[0]);
      if (s === 'succeeded' || s === 'failed' || s === 'cancelled') {
        const why = s === 'succeeded' ? '' : await page.locator('[data-exit-reason]').textContent({ timeout: 2000 }).catch(() => '');
        expect(s, why ?? '').toBe('succeeded');
        break;
      }
      if (s === 'running' && (await page.locator('[data-prune-chart="score/block_influence"]').count())) chartsBeforeEnd = true;
      if (Date.now() > deadline) throw new Error(`the prune run did not finish in time; progress seen: ${[...seen].join(' | ')}`);
      await page.waitForTimeout(100);
    }
    expect(chartsBeforeEnd, `importance bars should appear while the run is running (phases seen: ${[...seen].join(', ')})`).toBe(true);

    const m = stored(runId);
    const removed = [...(m.get('prune/removed') ?? new Map()).keys()];
    expect(removed).toHaveLength(1);
    const layers = m.get('score/block_influence')!;
    expect(layers.size).toBeGreaterThan(1);

    // Importance: one chart per stored score metric; every bar equals its stored score, and the
    // removed layer (and only it) is in the "removed" series.
    const scoreKeys = [...m.keys()].filter((k) => k.startsWith('score/')).sort();
    await expect.poll(async () => (await page.locator('[data-prune-chart^="score/"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-prune-chart')))).sort(), { timeout: 10_000 }).toEqual(scoreKeys);
    for (const key of scoreKeys) {
      await expect.poll(() => optionOf(page, key).then((o) => o?.xAxis[0].data?.length ?? 0), { timeout: 10_000 }).toBe(m.get(key)!.size);
      const o = (await optionOf(page, key))!;
      const [kept, gone] = o.series;
      expect([kept.name, gone.name]).toEqual(['kept', 'removed']);
      const cats = o.xAxis[0].data!;
      expect(cats.map(Number)).toEqual([...m.get(key)!.keys()]);
      cats.forEach((c, i) => {
        const want = m.get(key)!.get(Number(c))!;
        const isRemoved = removed.includes(Number(c));
        expect(isRemoved ? gone.data[i] : kept.data[i], `${key} bar ${c}`).toBeCloseTo(want, 12);
        expect(isRemoved ? kept.data[i] : gone.data[i], `${key} bar ${c} in one series only`).toBeNull();
      });
    }
    expect(await page.locator('[data-prune-chart="score/block_influence"]').getAttribute('data-highlighted')).toBe(String(removed[0]));
    expect(await page.locator('[data-removal-text]').textContent()).toBe(`removed layer ${removed[0]}`);
    // Block influence picks the lowest score among the unprotected layers (protect_first 1).
    const candidates = [...layers.entries()].filter(([l]) => l >= 1);
    expect(removed[0]).toBe(candidates.reduce((best, cur) => (cur[1] < best[1] ? cur : best))[0]);

    // Similarity heatmap: every stored cos(h_a, h_b) in its cell.
    const sim = [...m.keys()].filter((k) => k.startsWith('similarity/'));
    const heat = (await optionOf(page, 'similarity'))!;
    const cells = heat.series[0].data as { value: [number, number, number] }[];
    const idx = heat.xAxis[0].data!.map((c) => (c === 'emb' ? 0 : Number(c)));
    expect(cells).toHaveLength(sim.reduce((n, k) => n + m.get(k)!.size, 0));
    for (const { value: [bi, ai, v] } of cells) expect(v).toBeCloseTo(m.get(`similarity/${idx[ai]}`)!.get(idx[bi])!, 12);

    // Sweep: normalized accuracy per task at k = 0, 1, in the chart of its task kind.
    const cls = (await optionOf(page, 'sweep/classification'))!;
    const gen = (await optionOf(page, 'sweep/generative'))!;
    const drawn = new Map([...cls.series, ...gen.series].map((s) => [s.name, s.data as number[][]]));
    for (const task of EVAL_TASKS) {
      const norm = m.get(`eval/${task}/normalized`);
      if (!norm) continue; // dense accuracy 0: no normalized curve
      expect(drawn.get(task), task).toEqual([...norm.entries()].map(([k, v]) => [k, expect.closeTo(v, 12)]));
    }
    expect(cls.series.map((s) => s.name)).toContain('brackets_classify');
    expect(gen.series.map((s) => s.name)).toContain('arithmetic');
    // No generic line chart repeats any of these series.
    expect(await page.locator('[data-metric^="score/"], [data-metric^="similarity/"], [data-metric^="prune/"], [data-metric^="eval/"]').count()).toBe(0);

    await page.setViewportSize({ width: 1360, height: 1700 });
    await page.screenshot({ path: join(SCREENSHOTS, 'prune-run.png') });
    await page.setViewportSize({ width: 1360, height: 900 });

    const dark = await browser.newPage({ viewport: { width: 1360, height: 1700 }, colorScheme: 'dark' });
    try {
      await dark.goto(`${server.url}#/runs/${encodeURIComponent(runId)}`);
      await expect.poll(() => dark.evaluate(() => document.documentElement.dataset.theme), { timeout: 10_000 }).toBe('dark');
      await expect.poll(() => optionOf(dark, 'similarity').then((o) => (o ? (o.series[0].data as unknown[]).length : 0)), { timeout: 10_000 }).toBe(cells.length);
      await dark.screenshot({ path: join(SCREENSHOTS, 'prune-run-dark.png') });
    } finally {
      await dark.close();
    }
    expect(pageErrors).toEqual([]);
  }, 420_000);
});
