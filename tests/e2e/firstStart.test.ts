/**
 * First start in a real Chromium against `benchtop serve` with the real engine runner: on a
 * fresh data folder the Runs page offers the built-in model and example runs; "Evaluate the
 * built-in model" opens the editor prefilled, runs for real, and its page draws accuracy per
 * task and per knob — checked against the per-example verdicts the run stored. Then the
 * Datasets page (task previews, JSONL import with a bad row) and the Models page.
 * Accuracy values are whatever the shipped model scores; only their consistency is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Page } from 'playwright-core';
import { BUILTIN_EVAL_TASKS } from '../../src/shared/config/presets';
import { ROOT, SCREENSHOTS, openSession, type E2eSession } from './harness';

const BUILTIN = join(ROOT, 'resources', 'models', 'benchtop-tiny');
const EVAL_TASKS = BUILTIN_EVAL_TASKS.map((t) => t.task);
const PER_TASK = 4;

let s: E2eSession;

beforeAll(async () => {
  s = await openSession({ realRunner: true, viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
}, 60_000);

afterAll(() => s?.close());

/** Categories (top to bottom) and values of a bar chart, read from its ECharts instance. */
async function bars(p: Page, chart: string): Promise<{ category: string; value: number }[]> {
  return p.evaluate((id) => {
    const host = document.querySelector(`[data-eval-chart="${id}"] [_echarts_instance_]`) as HTMLElement | null;
    type Opt = { yAxis: { data: string[] }[]; series: { data: number[] }[] };
    const lookup = (window as unknown as { __benchtopCharts?: { getInstanceByDom(el: HTMLElement): { getOption(): Opt } | undefined } }).__benchtopCharts;
    const inst = host && lookup?.getInstanceByDom(host);
    if (!inst) return [];
    const o = inst.getOption();
    const cats = o.yAxis[0].data;
    return cats.map((c, i) => ({ category: c, value: o.series[0].data[i] })).reverse();
  }, chart);
}

/** The run's stored per-example verdicts (samples table), read straight from SQLite. */
function storedVerdicts(runId: string): { task: string; correct: boolean; metadata: Record<string, unknown> }[] {
  const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
  try {
    return db
      .prepare('SELECT extra FROM samples WHERE run_id = ? ORDER BY id')
      .all(runId)
      .map((r) => JSON.parse(String(r.extra)) as { task: string; correct: boolean; metadata: Record<string, unknown> });
  } finally {
    db.close();
  }
}

const mean = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

describe('first start', () => {
  it('shows the Start here panel with the built-in model on a fresh data folder', async () => {
    const { server, page } = s;
    expect(existsSync(join(BUILTIN, 'config.json')), 'resources/models/benchtop-tiny is missing').toBe(true);
    const cfg = JSON.parse(readFileSync(join(BUILTIN, 'config.json'), 'utf8'));
    await page.goto(server.url);
    const panel = page.locator('[data-start-here]');
    await panel.waitFor({ timeout: 15_000 });
    await panel.locator('[data-builtin-arch]').waitFor();
    const arch = await panel.locator('[data-builtin-arch]').textContent();
    expect(arch).toContain(cfg.model_type);
    expect(arch).toContain(`${cfg.num_hidden_layers} layers`);
    expect(arch).toContain(`d ${cfg.hidden_size}`);
    // Tied embeddings: V·d once, per layer 2 norms + attention + SwiGLU MLP, final norm.
    const d = cfg.hidden_size;
    const hd = cfg.head_dim ?? d / cfg.num_attention_heads;
    const q = cfg.num_attention_heads * hd;
    const kv = cfg.num_key_value_heads * hd;
    const perLayer = 2 * d + d * q + 2 * d * kv + q * d + 3 * d * cfg.intermediate_size;
    const params = cfg.vocab_size * d * (cfg.tie_word_embeddings ? 1 : 2) + cfg.num_hidden_layers * perLayer + d;
    expect(await panel.locator('[data-builtin-params]').getAttribute('title')).toBe(`${params} parameters`);
    expect(await panel.locator('[data-builtin-missing]').count()).toBe(0);
    expect(await panel.locator('[data-start-preset]').evaluateAll((els) => els.map((e) => e.getAttribute('data-start-preset')))).toEqual([
      'eval-builtin', 'prune-builtin-bi', 'sft-lora-builtin', 'pretrain-tiny-arithmetic',
      'grpo-accuracy-builtin', 'grpo-failure-prefix-builtin', 'grpo-llds-builtin', 'grpo-thr-builtin', 'value-mislabel-warmup',
    ]);
    expect(await panel.locator('[data-start-preset="eval-builtin"]').textContent()).toContain('Evaluate the built-in model');
    await page.screenshot({ path: join(SCREENSHOTS, 'first-start.png') });
  });

  it('evaluates the built-in model from the panel and draws accuracy per task and per knob', async () => {
    const { server, browser, page } = s;
    await page.locator('[data-start-preset="eval-builtin"]').click();
    await page.waitForURL(/#\/new\/eval\?preset=eval-builtin/);
    expect(await page.locator('[data-preset]').inputValue()).toBe('eval-builtin');
    expect(await page.locator('[data-field="model"]').inputValue()).toBe('builtin:benchtop-tiny');
    const num = page.locator('[data-field="num_examples"]');
    expect(await num.inputValue()).toBe('100');
    await num.fill(String(PER_TASK));
    await page.locator('[data-action="submit"]').click();
    await page.waitForURL(/#\/runs\/[^/]+$/, { timeout: 15_000 });
    const runId = decodeURIComponent(page.url().split('#/runs/')[1]);

    // Watch it: the progress line moves through the tasks until the run succeeds.
    const seen = new Set<string>();
    const status = page.locator('.run-head [data-status]');
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [s, text] = await Promise.all([status.getAttribute('data-status'), page.locator('[data-run-progress]').textContent()]);
      if (text) seen.add(text.trim());
      if (s === 'succeeded' || s === 'failed' || s === 'cancelled') {
        const why = s === 'succeeded' ? '' : await page.locator('[data-exit-reason]').textContent({ timeout: 2000 }).catch(() => '');
        expect(s, why ?? '').toBe('succeeded');
        break;
      }
      if (Date.now() > deadline) throw new Error(`the eval did not finish in time; progress seen: ${[...seen].join(' | ')}`);
      await page.waitForTimeout(100);
    }
    const total = EVAL_TASKS.length * PER_TASK;
    await expect.poll(() => page.locator('[data-run-progress]').textContent()).toContain(`${total}/${total}`);

    // Per-task accuracy chart, equal to the share of correct stored verdicts of each task.
    const accChart = page.locator('[data-eval-chart="accuracy"]');
    await accChart.waitFor({ timeout: 15_000 });
    await expect.poll(() => bars(page, 'accuracy').then((b) => b.length), { timeout: 10_000 }).toBe(EVAL_TASKS.length);
    const acc = await bars(page, 'accuracy');
    expect(acc.map((b) => b.category)).toEqual(EVAL_TASKS);
    const verdicts = storedVerdicts(runId);
    expect(verdicts).toHaveLength(total);
    for (const b of acc) {
      const mine = verdicts.filter((v) => v.task === b.category);
      expect(mine).toHaveLength(PER_TASK);
      expect(b.value).toBeCloseTo(mean(mine.map((v) => v.correct)), 12);
    }

    // One breakdown chart per knob; arithmetic by digit count checked against the verdicts too.
    const digitBars = await bars(page, 'breakdown/arithmetic/digits');
    expect(digitBars.length).toBeGreaterThan(0);
    const arith = verdicts.filter((v) => v.task === 'arithmetic');
    const digits = [...new Set(arith.map((v) => Number(v.metadata.digits)))].sort((a, b) => a - b);
    expect(digitBars.map((b) => b.category)).toEqual(digits.map((d) => `digits=${d}`));
    for (const b of digitBars) {
      const d = Number(b.category.slice('digits='.length));
      expect(b.value).toBeCloseTo(mean(arith.filter((v) => Number(v.metadata.digits) === d).map((v) => v.correct)), 12);
    }
    // Single-point eval values get no line chart on an eval run's page.
    expect(await page.locator('[data-metric^="breakdown/"]').count()).toBe(0);
    // The page scrolls inside the app shell: a taller window shows the charts below the fold.
    await page.setViewportSize({ width: 1360, height: 1500 });
    await page.screenshot({ path: join(SCREENSHOTS, 'eval-run.png') });
    await page.setViewportSize({ width: 1360, height: 900 });

    const dark = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'dark' });
    try {
      await dark.goto(`${server.url}#/runs/${encodeURIComponent(runId)}`);
      await expect.poll(() => dark.evaluate(() => document.documentElement.dataset.theme), { timeout: 10_000 }).toBe('dark');
      await expect.poll(() => bars(dark, 'accuracy').then((b) => b.length), { timeout: 10_000 }).toBe(EVAL_TASKS.length);
      await dark.screenshot({ path: join(SCREENSHOTS, 'eval-run-dark.png') });
    } finally {
      await dark.close();
    }
    // With a run in the history the panel gives way to the list.
    await page.goto(`${server.url}#/runs`);
    await page.locator(`[data-run-id="${runId}"]`).waitFor();
    expect(await page.locator('[data-start-here]').count()).toBe(0);
  });
});

describe('datasets and models pages', () => {
  it('previews built-in task examples and imports a JSONL file only when every row is good', async () => {
    const { home, server, page } = s;
    await page.goto(`${server.url}#/datasets`);
    const row = page.locator('[data-dataset="builtin:arithmetic"]');
    await row.waitFor({ timeout: 15_000 });
    await row.locator('[data-action="preview"]').click();
    const examples = page.locator('[data-preview="builtin:arithmetic"] [data-example]');
    await expect.poll(() => examples.count(), { timeout: 10_000 }).toBe(3);
    for (let i = 0; i < 3; i++) {
      const prompt = (await examples.nth(i).locator('[data-example-prompt]').textContent())!.trim();
      const answer = (await examples.nth(i).locator('[data-example-answer]').textContent())!.trim();
      expect(prompt).toMatch(/^\d+([+-]\d+)+=$/);
      expect(Number(answer)).toBe(prompt.slice(0, -1).match(/[+-]?\d+/g)!.map(Number).reduce((a, b) => a + b, 0));
    }

    const dir = join(home.dir, 'to-import');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'capitals.jsonl');
    const rows = ['France', 'Spain', 'Italy', 'Peru', 'Japan', 'Chile', 'Kenya'].map((c, i) => ({ question: `Capital of ${c}?`, answer: ['Paris', 'Madrid', 'Rome', 'Lima', 'Tokyo', 'Santiago', 'Nairobi'][i], level: i % 3 }));
    const write = (rs: Record<string, unknown>[]) => writeFileSync(file, rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    write(rows.map((r, i) => (i === 6 ? { question: r.question, level: r.level } : r)));

    await page.locator('[data-field="jsonlPath"]').fill(file);
    await page.locator('[data-action="read-jsonl"]').click();
    await expect.poll(() => page.locator('[data-map="prompt"]').inputValue(), { timeout: 10_000 }).toBe('question');
    expect(await page.locator('[data-map="answer"]').inputValue()).toBe('answer');
    expect(await page.locator('[data-field="datasetName"]').inputValue()).toBe('capitals');
    // The preview maps the first rows (the bad one is further down).
    await expect.poll(() => page.locator('[data-jsonl-import] [data-example]').count(), { timeout: 10_000 }).toBe(5);
    await page.locator('[data-action="import"]').click();
    const err = page.locator('[data-import-error]');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.textContent()).toContain("capitals.jsonl line 7: field 'answer' missing — nothing was imported");
    expect(await page.locator('[data-datasets]').count()).toBe(0);
    expect(readdirSync(join(home.dir, 'datasets'))).toEqual([]);

    write(rows);
    await page.locator('[data-action="import"]').click();
    const imported = page.locator('[data-datasets] [data-dataset="capitals"]');
    await imported.waitFor({ timeout: 10_000 });
    expect(await imported.textContent()).toContain('7');
    await imported.locator('[data-action="preview"]').click();
    const prev = page.locator('[data-preview="capitals"] [data-example-prompt]');
    await expect.poll(() => prev.allTextContents(), { timeout: 10_000 }).toEqual(['Capital of France?', 'Capital of Spain?', 'Capital of Italy?']);
    await page.screenshot({ path: join(SCREENSHOTS, 'datasets.png') });
  });

  it('lists the built-in model on the Models page and names the file when a folder is refused', async () => {
    const { home, server, page, pageErrors } = s;
    await page.goto(`${server.url}#/models`);
    const row = page.locator('[data-model-id="builtin:benchtop-tiny"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('[data-builtin-tag]').count()).toBe(1);
    expect(await row.textContent()).toContain('(built in)');
    if (existsSync(join(BUILTIN, 'README.md'))) expect(await page.locator('[data-model-card="builtin:benchtop-tiny"]').count()).toBe(1);

    const bad = join(home.dir, 'not-a-model');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'config.json'), '{"model_type": "llama", "hidden_size": 8');
    await page.locator('[data-field="modelPath"]').fill(bad);
    await page.locator('.add-form button[type="submit"]').click();
    const err = page.locator('[data-error-for="modelPath"]');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.textContent()).toContain(`${join(bad, 'config.json')}: not valid JSON`);
    await page.screenshot({ path: join(SCREENSHOTS, 'models.png') });
    expect(pageErrors).toEqual([]);
  });
});
