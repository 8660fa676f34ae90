/**
 * Imported runs are data, not programs. A crafted bundle whose run config points output_dir at
 * a folder outside the data folder cannot make Resume write there: import clears/re-roots every
 * path (and says so in the run's events), Resume refuses until the user confirms, and the
 * confirmed resume — a real pretrain run through the real runner — writes only inside the data
 * folder. A bundle whose config does not validate is refused, naming the field, with nothing
 * created.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportRunBundle, importRunBundle } from '../../../src/core/bundles';
import { pathsOutside, sanitizeImportedConfig } from '../../../src/core/bundles/importedConfig';
import { RunStore } from '../../../src/core/store';
import { openTestBackend, tempDir, type TestBackend } from '../support/backend';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const REAL_RUNNER = join(ROOT, 'src', 'core', 'runner', 'entry.ts');

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tinyPretrain(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'pretrain',
    name: 'crafted',
    model: { architecture: 'llama', hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 32, max_position_embeddings: 64 },
    data: { seq_len: 32, tasks: [{ task: 'arithmetic' }] },
    training: { max_steps: 2, batch_size: 2, log_every: 1, eval_every: 0, checkpoint_every: 0 },
    ...extra,
  };
}

/** A bundle of a failed run with `config`, made by another "machine" (its own data folder). */
async function craftedBundle(root: string, config: Record<string, unknown>): Promise<string> {
  const srcDir = join(root, 'elsewhere');
  const src = RunStore.open(join(srcDir, 'benchtop.db'));
  try {
    src.runs.create({ id: 'crafted-run', kind: 'pretrain', name: 'crafted', notes: '', config, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
    src.runs.transition('crafted-run', 'running', { startedAt: 2 });
    src.runs.transition('crafted-run', 'failed', { endedAt: 3, exitReason: 'crashed' });
    src.telemetry.insertMetrics([{ runId: 'crafted-run', key: 'train/loss', step: 1, value: 4.2, time: 2 }]);
    return (await exportRunBundle({ store: src, dataDir: srcDir, appVersion: 'other' }, 'crafted-run', { out: join(root, 'crafted.zip') })).path;
  } finally {
    src.close();
  }
}

describe('imported runs are data, not programs', () => {
  it('a crafted bundle cannot make Resume write outside the data folder', async () => {
    const t = tempDir('benchtop-trust-');
    cleanups.push(t.cleanup);
    const outside = join(t.dir, 'outside');
    const zip = await craftedBundle(t.dir, tinyPretrain({ output_dir: join(outside, 'evil-model') }));
    const tb: TestBackend = await openTestBackend({ runnerEntry: REAL_RUNNER, runnerExecArgv: undefined }, join(t.dir, 'data'));
    cleanups.push(() => tb.close());
    const { backend } = tb;

    const run = await importRunBundle({ store: backend.store, dataDir: backend.dataDir }, zip);
    expect(run.config.output_dir).toBe('');
    expect(pathsOutside(run.config, backend.dataDir)).toEqual([]);
    expect(run.imported).toMatchObject({ bundle: 'crafted.zip', sourceRunId: 'crafted-run', resumeTrusted: false });
    const note = backend.store.telemetry.events(run.id).map((e) => e.text).join('\n');
    expect(note).toContain(`output_dir ${JSON.stringify(join(outside, 'evil-model'))} → (default)`);

    // Resume is not offered on its own…
    await expect(backend.handlers.resumeRun(run.id)).rejects.toThrow(/was imported from crafted\.zip.*--trust-imported/s);
    expect(backend.store.runs.get(run.id)!.status).toBe('failed');

    // …and once confirmed, the real run writes only inside the data folder.
    backend.supervisor.resume(run.id, { trustImported: true });
    const final = await backend.supervisor.waitFor(run.id);
    expect(final.status, final.exitReason ?? '').toBe('succeeded');
    expect(existsSync(outside)).toBe(false);
    const modelDir = join(backend.dataDir, 'runs', run.id, 'model');
    expect(readdirSync(modelDir)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors']));
    const artifacts = backend.store.telemetry.artifacts(run.id);
    expect(artifacts.length).toBeGreaterThan(0);
    for (const a of artifacts) expect(relative(backend.dataDir, a.path).startsWith('..')).toBe(false);
    expect(backend.store.runs.get(run.id)!.imported?.resumeTrusted).toBe(true);
  }, 120_000);

  it('relative escapes, home paths and Windows paths are re-rooted too; a config that does not validate is refused with nothing created', async () => {
    const t = tempDir('benchtop-trust-');
    cleanups.push(t.cleanup);
    const data = join(t.dir, 'data');
    const clean = sanitizeImportedConfig(
      { kind: 'eval', model: '../../../../etc/models/m', tasks: [{ task: 'arithmetic', options: { file: '~/secrets.jsonl', win: 'C:\\\\Users\\\\x\\\\y.jsonl' } }] },
      data,
      'test',
    );
    expect(clean.ok).toBe(true);
    if (!clean.ok) return;
    expect(clean.config.model).toBe(join(data, 'models', 'm'));
    expect(pathsOutside(clean.config, data)).toEqual([]);
    expect(clean.changes.map((c) => c.field)).toEqual(['model', 'tasks.0.options.file', 'tasks.0.options.win']);

    const zip = await craftedBundle(t.dir, tinyPretrain({ output_dir: 42, training: { max_steps: -1 } }));
    const store = RunStore.open(join(data, 'benchtop.db'));
    cleanups.push(() => store.close());
    await expect(importRunBundle({ store, dataDir: data }, zip)).rejects.toThrow(/manifest\.json run\.config: the run's config is not a valid run config:[\s\S]*output_dir: expected a string/);
    expect(store.runs.list()).toEqual([]);
    expect(store.runs.get('crafted-run', { includeDeleted: true })).toBeNull();
    expect(existsSync(join(data, 'runs')) ? readdirSync(join(data, 'runs')) : []).toEqual([]);
  });
});
