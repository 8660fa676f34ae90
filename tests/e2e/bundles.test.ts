/**
 * Run bundles in a real Chromium against `benchtop serve`: export a finished run from its page
 * (the .zip arrives as a browser download, served by GET /api/bundles/<name>), check its
 * manifest, then import that file on the Runs page (uploaded to POST /api/bundles/import) and
 * land on the imported run, tagged 'imported', with the same metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { strFromU8, unzipSync } from 'fflate';
import { startServer } from '../../src/core/server/server';
import { openTestBackend } from '../core/support/backend';
import { ROOT, openSession, startCliRun, tempHome, type E2eSession } from './harness';

let s: E2eSession;
let downloads: ReturnType<typeof tempHome>;

beforeAll(async () => {
  downloads = tempHome();
  s = await openSession({ viewport: { width: 1360, height: 860 }, colorScheme: 'light', acceptDownloads: true });
  // After the server has set up the data folder: the run from the CLI, to completion.
  const { code, output } = await startCliRun(s.home.dir, join(ROOT, 'tests/e2e/fixtures/bundle-run.yaml')).done;
  expect(code, output).toBe(0);
}, 90_000);

afterAll(async () => {
  await s?.close();
  downloads?.remove();
});

/** Stored loss points of a run, straight from SQLite. */
function loss(runId: string): [number, number][] {
  const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
  try {
    return db.prepare("SELECT step, value FROM metrics WHERE run_id = ? AND key = 'loss' ORDER BY step").all(runId).map((r) => [Number(r.step), Number(r.value)]);
  } finally {
    db.close();
  }
}

describe('run bundles in the browser', () => {
  it('exports a run as a download, then imports it on the Runs page', async () => {
    const { server, page, pageErrors } = s;
    await page.goto(server.url);
    const row = page.locator('[data-runs-table] tr', { hasText: 'e2e bundle source' });
    await row.waitFor({ timeout: 20_000 });
    const sourceId = (await row.getAttribute('data-run-id'))!;
    await row.click();
    await page.waitForURL(new RegExp(`#/runs/${sourceId}$`));

    await page.locator('[data-action="export-bundle"]').click();
    expect(await page.locator('[data-export-models]').isChecked()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.locator('[data-action="export-confirm"]').click()]);
    expect(download.suggestedFilename()).toBe(`benchtop-run-${sourceId}.zip`);
    expect(await download.failure()).toBeNull();
    // Keep the browser's name for it (the chooser sends the file name along with the upload).
    const file = join(downloads.dir, download.suggestedFilename());
    await download.saveAs(file);
    const files = unzipSync(readFileSync(file));
    const manifest = JSON.parse(strFromU8(files['manifest.json'])) as { run: { id: string; name: string }; files: { path: string }[] };
    expect(manifest.run).toMatchObject({ id: sourceId, name: 'e2e bundle source' });
    expect(manifest.files.map((f) => f.path)).toContain('config.yaml');
    expect(strFromU8(files['config.yaml'])).toContain('name: e2e bundle source');
    await expect.poll(() => page.locator('[data-toast]').first().textContent()).toContain(`benchtop-run-${sourceId}.zip is downloading`);

    // Import the downloaded file on the Runs page (same data folder: it gets a new id).
    await page.goto(`${server.url}#/runs`);
    await page.locator('[data-runs-table]').waitFor();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('[data-action="import-bundle"]').click()]);
    await chooser.setFiles(file);
    const landed = async () => {
      const err = page.locator('[data-import-error]');
      if (await err.count()) return `import error: ${await err.textContent()}`;
      const hash = new URL(page.url()).hash;
      return /^#\/runs\/[^/]+$/.test(hash) && hash !== `#/runs/${sourceId}` ? 'landed' : hash;
    };
    await expect.poll(landed, { timeout: 30_000 }).toBe('landed');
    const importedId = new URL(page.url()).hash.split('/').pop()!;
    const head = page.locator('.run-head');
    await expect.poll(() => head.locator('h1').textContent(), { timeout: 15_000 }).toBe('e2e bundle source');
    await expect.poll(() => head.locator('.tag').allTextContents()).toEqual(expect.arrayContaining(['imported', 'e2e']));
    expect(await head.locator('[data-status]').getAttribute('data-status')).toBe('succeeded');
    expect(loss(importedId)).toEqual(loss(sourceId));
    expect(loss(importedId)).toHaveLength(10);

    // The list shows both, the copy tagged imported.
    await page.goto(`${server.url}#/runs`);
    await expect.poll(() => page.locator('[data-runs-table] [data-run-id]').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator(`[data-run-id="${importedId}"] .tag`).allTextContents()).toContain('imported');

    // The same bundle again is recognised: refused, naming the run it became; no third row.
    const [again] = await Promise.all([page.waitForEvent('filechooser'), page.locator('[data-action="import-bundle"]').click()]);
    await again.setFiles(file);
    await expect.poll(() => page.locator('[data-import-error]').textContent(), { timeout: 30_000 }).toContain(`already imported as run ${importedId}`);
    expect(await page.locator('[data-runs-table] [data-run-id]').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  });

  it('shows the server\'s refusal of a file that is not a bundle', async () => {
    const { server, page } = s;
    await page.goto(`${server.url}#/runs`);
    await page.locator('[data-runs-table]').waitFor();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('[data-action="import-bundle"]').click()]);
    await chooser.setFiles({ name: 'fake.zip', mimeType: 'application/zip', buffer: Buffer.from('this is not a zip file at all') });
    const err = page.locator('[data-import-error] [data-error-text]');
    await err.waitFor({ timeout: 15_000 });
    expect(await err.textContent()).toBe('the upload is not a .zip file (it does not start with a zip header)');
    expect(new URL(page.url()).hash).toBe('#/runs');
  });

  it('shows the size refusal of an upload over the cap', async () => {
    const { browser } = s;
    // An in-process server with a 1 MB cap (`benchtop serve` has the 20 GB default).
    const tb = await openTestBackend();
    const small = await startServer(tb.backend, { maxUploadBytes: 1e6 });
    const other = await browser.newPage();
    try {
      await other.goto(`${small.url}#/runs`);
      const big = join(downloads.dir, 'big.zip');
      const bytes = Buffer.alloc(20e6, 7);
      bytes.write('PK\x03\x04');
      writeFileSync(big, bytes);
      const [chooser] = await Promise.all([other.waitForEvent('filechooser'), other.locator('[data-action="import-bundle"]').click()]);
      await chooser.setFiles(big);
      const err = other.locator('[data-import-error] [data-error-text]');
      await err.waitFor({ timeout: 30_000 });
      expect(await err.textContent()).toBe('the bundle is 20000000 bytes, more than this server accepts (1000000 bytes)');
      expect(tb.backend.store.runs.list()).toEqual([]);
    } finally {
      await other.close();
      await small.close();
      await tb.close();
    }
  });
});
