/**
 * A Qwen-style model folder (byte-level BPE without BOS, ChatML template, two EOS ids in
 * generation_config.json; tiny random weights stored as BF16) added on the Models page in a real
 * Chromium against `benchtop serve`: its checks are shown; then an SFT run on it — the kind that
 * refused Qwen tokenizers before — is started from the New run editor and succeeds with the real
 * engine.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { initModelFolder, loadTokenizer } from '../../src/engine/model/folder';
import { writeTokenizerFolder } from '../engine/model/tokenizerStyles';
import { SCREENSHOTS, openSession, tempHome, type E2eSession, submitAndAwaitRun } from './harness';

let s: E2eSession;
const models = tempHome();
const dir = join(models.dir, 'qwen-tiny');

beforeAll(async () => {
  const files = writeTokenizerFolder(dir, 'qwen');
  await initModelFolder({
    config: { model_type: 'qwen2', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 128 },
    outDir: dir,
    seed: 1,
    tokenizer: await loadTokenizer(dir),
    checkpoint: { dtype: 'BF16' },
  });
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify(files.generation));
  // Browser mode reads model folders only inside the data folder and the folders it was allowed
  // (`serve --allow-dir`, BENCHTOP_ALLOW_DIRS): this one lives in a temporary folder of its own.
  process.env.BENCHTOP_ALLOW_DIRS = models.dir;
  s = await openSession({ realRunner: true, viewport: { width: 1360, height: 900 } });
}, 90_000);

afterAll(async () => {
  await s?.close();
  models.remove();
});

describe('a Qwen-style folder from the Models page to a run', () => {
  it('shows the checks on add, and an SFT run on it succeeds', async () => {
    const { server, page, pageErrors } = s;
    await page.goto(`${server.url}#/models`);
    await page.locator('[data-field="modelPath"]').fill(dir);
    await page.locator('.add-form button[type="submit"]').click();
    const checks = page.locator('[data-model-checks="qwen-tiny"]');
    await checks.waitFor({ timeout: 30_000 });
    expect(await checks.getAttribute('open')).not.toBeNull();
    expect(await checks.locator('[data-check="architecture"]').textContent()).toBe('qwen2 — supported');
    expect(await checks.locator('[data-check="tokenizer-style"]').textContent()).toMatch(/^byte-level BPE, /);
    expect(await checks.locator('[data-check="bos"]').textContent()).toBe('none — sequences start with the first text token');
    expect(await checks.locator('[data-check="eos"] .eos-token').allTextContents()).toEqual(['<|im_end|>', '<|endoftext|>']);
    expect((await checks.locator('[data-check="chat-template"]').textContent())?.trim()).toBe('found — prompts default to chat');
    expect(await checks.locator('[data-check="dtype"]').textContent()).toContain('BF16');
    expect(await checks.locator('[data-memory-kind]').count()).toBe(7);
    expect(await checks.locator('[data-check-warnings]').textContent()).toContain('stored as BF16');
    await page.screenshot({ path: join(SCREENSHOTS, 'models-checks.png'), fullPage: true });

    await page.goto(`${server.url}#/new`);
    await page.locator('[data-kind="sft"]').click();
    await page.waitForURL(/#\/new\/sft/);
    await page.locator('[data-format="json"]').click();
    const config = {
      kind: 'sft',
      model: dir,
      data: { tasks: [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }], seq_len: 64 },
      training: { max_steps: 3, batch_size: 4, log_every: 1 },
    };
    await page.locator('[data-config-text]').fill(JSON.stringify(config, null, 2));
    await page.locator('[data-config-text]').blur();
    const runId = await submitAndAwaitRun(page, 'the SFT run');
    const db = new DatabaseSync(join(s.home.dir, 'benchtop.db'), { readOnly: true });
    try {
      const losses = db.prepare("SELECT step, value FROM metrics WHERE run_id = ? AND key = 'train/loss' ORDER BY step").all(runId).map((r) => Number(r.value));
      expect(losses).toHaveLength(3);
      expect(losses.every(Number.isFinite)).toBe(true);
    } finally {
      db.close();
    }
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
