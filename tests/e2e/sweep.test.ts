/**
 * A sweep in a real Chromium against `benchtop serve`: a 2×2 sweep (learning rate × seed) made
 * with `benchtop sweep` and the fixture runner, opened from the Sweeps list. The group page shows
 * every run finished, the parallel-coordinates chart (one line per run, the best on its own
 * series) and the band chart whose mean lines equal the mean of the stored final losses; a run of
 * the group links back to it. A slow sweep is stopped with "Cancel remaining".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { DatabaseSync } from 'node:sqlite';
import type { Page } from 'playwright-core';
import { BIN, ROOT, SCREENSHOTS, cliEnv, openSession, type E2eSession } from './harness';
import { connectApi } from './apiClient';
import type { SweepDetail } from '../../src/shared/sweeps';

let s: E2eSession;
let sweepId: string;

function cli(home: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  return new Promise((r) => child.once('exit', (code) => r({ code, out })));
}

beforeAll(async () => {
  s = await openSession({ viewport: { width: 1360, height: 900 }, colorScheme: 'light', acceptDownloads: true });
  const r = await cli(s.home.dir, [
    'sweep', join(ROOT, 'tests/e2e/fixtures/compare-a.yaml'), '--name', 'e2e sweep',
    '--grid', 'data.tasks.0.options.lr=0.02,0.05', '--grid', 'seed=1,2',
  ]);
  expect(r.code, r.out).toBe(0);
  sweepId = /^sweep (\S+)$/m.exec(r.out)![1]!;
}, 120_000);

afterAll(() => s?.close());

/** The option ECharts holds for a sweep chart (null until drawn). */
function chartOption(p: Page, which: string): Promise<{ series: { type: string; name: string; data: unknown[]; areaStyle?: unknown }[] } | null> {
  return p.evaluate((w) => {
    const host = document.querySelector(`[data-sweep-chart="${w}"] [_echarts_instance_]`) as HTMLElement | null;
    const lookup = (window as unknown as { __benchtopCharts?: { getInstanceByDom(el: HTMLElement): { getOption(): unknown } | undefined } }).__benchtopCharts;
    const inst = host && lookup?.getInstanceByDom(host);
    return inst ? JSON.parse(JSON.stringify(inst.getOption())) : null;
  }, which);
}

describe('sweep group view', () => {
  it('lists the sweep and shows its runs, parallel coordinates and bands', async () => {
    const { server, page, pageErrors } = s;
    await page.goto(`${server.url}#/sweeps`);
    const row = page.locator(`[data-sweep-id="${sweepId}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('4/4');
    await row.locator('a').click();
    await page.waitForURL(new RegExp(`#/sweeps/${sweepId}$`));
    await expect.poll(() => page.locator('[data-sweep-progress]').getAttribute('data-outcome'), { timeout: 20_000 }).toBe('succeeded');
    expect(await page.locator('[data-sweep-runs] tbody tr').count()).toBe(4);
    expect(await page.locator('[data-sweep-runs] tbody tr.best').count()).toBe(1);

    // Rank by the loss (lowest best), then read both charts from ECharts.
    await page.locator('[data-rank-metric]').selectOption('loss');
    expect(await page.locator('[data-rank-goal]').inputValue()).toBe('min');
    await page.locator('[data-curve-metric]').selectOption('loss');
    await expect.poll(async () => (await chartOption(page, 'parallel'))?.series.length ?? 0, { timeout: 20_000 }).toBe(2);
    const par = (await chartOption(page, 'parallel'))!;
    expect(par.series.every((x) => x.type === 'parallel')).toBe(true);
    expect(par.series[0]!.data.length + par.series[1]!.data.length).toBe(4);
    expect(par.series[1]!.data.length).toBe(1);

    const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
    let expected: Map<number, number>;
    try {
      const runs = db.prepare('SELECT id, sweep_point FROM runs WHERE sweep_id = ?').all(sweepId);
      const lr05 = runs.filter((r) => JSON.parse(String(r.sweep_point))['data.tasks.0.options.lr'] === 0.05).map((r) => String(r.id));
      expect(lr05.length).toBe(2);
      const pts = db.prepare(`SELECT step, AVG(value) AS mean FROM metrics WHERE key = 'loss' AND run_id IN (?, ?) GROUP BY step ORDER BY step`).all(lr05[0]!, lr05[1]!);
      expected = new Map(pts.map((p) => [Number(p.step), Number(p.mean)]));
    } finally {
      db.close();
    }
    await expect.poll(async () => (await chartOption(page, 'bands'))?.series.length ?? 0, { timeout: 20_000 }).toBe(6);
    const bands = (await chartOption(page, 'bands'))! as unknown as { xAxis: { data: string[] }[]; series: { name: string; data: (number | null)[]; areaStyle?: unknown }[] };
    expect(bands.series.filter((x) => x.areaStyle).length).toBe(2);
    const mean = bands.series.find((x) => x.name === 'lr=0.05')!;
    const steps = bands.xAxis[0]!.data.map(Number);
    for (const [i, step] of steps.entries()) if (expected.has(step)) expect(mean.data[i]).toBeCloseTo(expected.get(step)!, 9);

    await page.screenshot({ path: join(SCREENSHOTS, 'sweep.png') });

    // The whole group downloads as one bundle: sweep.json plus each run's own bundle.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.locator('[data-action="export-sweep"]').click()]);
    expect(download.suggestedFilename()).toBe(`benchtop-${sweepId}.zip`);
    const saved = join(s.home.dir, 'downloaded-sweep.zip');
    await download.saveAs(saved);
    const files = unzipSync(readFileSync(saved));
    const m = JSON.parse(strFromU8(files['sweep.json']!));
    expect(m.sweep.id).toBe(sweepId);
    expect(m.runs.length).toBe(4);

    // A run of the group links back to the group page.
    const first = page.locator('[data-sweep-runs] tbody tr').first();
    const runId = await first.getAttribute('data-run-id');
    await first.locator(`a[href$="/runs/${runId}"]`).click();
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    expect(await page.locator('[data-run-sweep]').textContent()).toMatch(/data\.tasks\.0\.options\.lr=0\.0[25], seed=[12]/);
    await page.locator('[data-sweep-link]').click();
    await page.waitForURL(new RegExp(`#/sweeps/${sweepId}$`));
    await page.locator('[data-sweep-runs] tbody tr').first().waitFor();
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('starts a sweep from the Sweep section of the New run editor, with a bad value refused first', async () => {
    const { server, page, pageErrors } = s;
    await page.goto(`${server.url}#/new`);
    await page.locator('[data-kind="pretrain"]').click();
    await page.locator('[data-field="name"]').fill('ui sweep');
    await page.locator('[data-field="training.max_steps"]').fill('6');
    await page.locator('[data-field="data.tasks.0.options"]').fill('{"step_ms": 10, "dim": 8}');
    await page.locator('[data-sweep-section] summary').click();
    await page.locator('[data-action="add-sweep-field"]').click();
    await page.locator('[data-action="add-sweep-field"]').click();
    const rows = page.locator('[data-sweep-row]');
    expect(await rows.nth(0).locator('[data-sweep-path]').inputValue()).toBe('seed');
    await rows.nth(1).locator('[data-sweep-path]').fill('training.learning_rate');
    await rows.nth(1).locator('[data-sweep-values]').fill('0.01, 5');
    await expect.poll(() => page.locator('[data-sweep-problems]').textContent()).toContain('grid training.learning_rate=5:');
    await rows.nth(1).locator('[data-sweep-values]').fill('0.01, 0.05');
    await expect.poll(() => page.locator('[data-sweep-count]').textContent()).toContain('6 runs');
    await page.locator('[data-action="start-sweep"]').click();
    await page.waitForURL(/#\/sweeps\/sweep-/, { timeout: 15_000 });
    await expect.poll(() => page.locator('[data-sweep-progress]').getAttribute('data-outcome'), { timeout: 60_000 }).toBe('succeeded');
    expect(await page.locator('[data-sweep-runs] tbody tr').count()).toBe(6);
    await expect.poll(async () => (await chartOption(page, 'bands'))?.series.filter((x) => x.areaStyle).length ?? 0, { timeout: 20_000 }).toBe(2);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('stops a running sweep with Cancel remaining, after asking', async () => {
    const { server, page, pageErrors } = s;
    const api = await connectApi(server.url);
    let made: SweepDetail;
    try {
      made = await api.call<SweepDetail>('createSweep', {
        name: 'e2e cancel',
        base: { kind: 'pretrain', name: 'slow', data: { tasks: [{ task: 'arithmetic', options: { step_ms: 50, dim: 8 } }] }, training: { max_steps: 2000, checkpoint_every: 0 } },
        grid: [{ path: 'seed', values: [1, 2, 3] }],
      });
    } finally {
      api.close();
    }
    await page.goto(`${server.url}#/sweeps/${made.sweep.id}`);
    await expect.poll(() => page.locator('[data-sweep-runs] [data-status="running"]').count(), { timeout: 20_000 }).toBe(1);
    await page.locator('[data-action="cancel-sweep"]').click();
    expect(await page.locator('[data-cancel-sweep-confirm]').textContent()).toContain('Cancel 2 queued runs and stop 1 running run of this sweep?');
    await page.locator('[data-action="cancel-sweep-confirm"]').click();
    await expect.poll(() => page.locator('[data-sweep-progress]').getAttribute('data-outcome'), { timeout: 30_000 }).toBe('cancelled');
    expect(await page.locator('[data-sweep-runs] [data-status="cancelled"]').count()).toBe(3);
    expect(await page.locator('[data-action="cancel-sweep"]').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
