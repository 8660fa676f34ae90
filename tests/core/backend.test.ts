/** The API handlers over a real store (runs executed by the fixture runner where needed). */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initModelFolder } from '../../src/engine/model/folder';
import { defaultDataDir } from '../../src/core/paths';
import type { PushEvent } from '../../src/shared/api';
import { fixtureConfig, openTestBackend, type TestBackend } from './support/backend';

const open: TestBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});
async function setup(opts: Parameters<typeof openTestBackend>[0] = {}) {
  const t = await openTestBackend(opts);
  open.push(t);
  return t;
}

describe('backend handlers', () => {
  it('createRun rejects an invalid config with one `path: message` line per issue', async () => {
    const { backend } = await setup({ execute: false });
    const err = await backend.handlers.createRun({ kind: 'pretrain', training: { max_steps: -1, learning_rate: 5 } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toBe('invalid run config:');
    expect(lines).toContain('training.max_steps: expected a number of steps > 0, got -1');
    expect(lines).toContain('training.learning_rate: expected a learning rate ≤ 1, got 5');
    expect(await backend.handlers.listRuns()).toEqual([]);
    const check = await backend.handlers.validateConfig({ kind: 'eval' });
    expect(check.ok).toBe(false);
    expect(check.issues.map((i) => i.path).sort()).toEqual(['model', 'tasks']);
    const good = await backend.handlers.validateConfig({ kind: 'pretrain' });
    expect(good.ok).toBe(true);
    expect((good.config as { training: { max_steps: number } }).training.max_steps).toBe(1000);
  });

  it('stores a created run with its defaults, tags, notes and model ref, and pushes it', async () => {
    const { backend, events } = await setup({ execute: false });
    const run = await backend.handlers.createRun({ kind: 'sft', model: 'builtin:benchtop-tiny', tags: ['a', 'b'], notes: 'about LoRA', data: { tasks: [{ task: 'arithmetic' }] } });
    expect(run).toMatchObject({ kind: 'sft', status: 'queued', modelRef: 'builtin:benchtop-tiny', tags: ['a', 'b'] });
    expect(run.name).toMatch(/^sft /);
    expect((run.config as { lora: { r: number } }).lora.r).toBe(8);
    expect(events.some((e: PushEvent) => e.type === 'run' && e.run.id === run.id)).toBe(true);
    expect((await backend.handlers.listRuns({ text: 'lora' })).map((r) => r.id)).toEqual([run.id]);
    expect(await backend.handlers.getRun('missing')).toBeNull();
  });

  it('delete moves a finished run to the trash and restore brings it back; running runs refuse', async () => {
    const { backend, events } = await setup();
    const run = await backend.handlers.createRun(fixtureConfig(300, { step_ms: 10 }));
    await expect(backend.handlers.deleteRun(run.id)).rejects.toThrow(/is running; cancel it before deleting it/);
    await backend.handlers.cancelRun(run.id);
    await backend.supervisor.waitFor(run.id);
    await backend.handlers.deleteRun(run.id);
    expect(events).toContainEqual({ type: 'runDeleted', runId: run.id });
    expect(await backend.handlers.getRun(run.id)).toBeNull();
    expect(await backend.handlers.listRuns()).toEqual([]);
    const back = await backend.handlers.restoreRun(run.id);
    expect(back?.status).toBe('cancelled');
    expect((await backend.handlers.listRuns()).map((r) => r.id)).toEqual([run.id]);
  });

  it('settings are validated, stored and merged over the defaults', async () => {
    const { backend } = await setup({ execute: false });
    const s0 = await backend.handlers.getSettings();
    expect(s0).toEqual({ executionProvider: 'auto', threads: 0, allowSpinning: false, concurrency: 1, theme: 'system' });
    const s1 = await backend.handlers.updateSettings({ concurrency: 3, theme: 'dark' });
    expect(s1).toMatchObject({ concurrency: 3, theme: 'dark', threads: 0 });
    expect(await backend.handlers.getSettings()).toEqual(s1);
    await expect(backend.handlers.updateSettings({ concurrency: 0 })).rejects.toThrow(/concurrency: expected ≥ 1/);
    // A stored value the schema rejects (hand-edited store) falls back to the default.
    backend.store.catalog.setSetting('threads', 'many');
    expect((await backend.handlers.getSettings()).threads).toBe(0);
  });

  it('registers a model folder, counting parameters from the safetensors headers', async () => {
    const { backend, dir } = await setup({ execute: false, builtinModelsDir: join(tmpdir(), 'benchtop-no-shipped-models') });
    const folder = join(dir, 'my-model');
    // A real HF folder (tests/core/catalog.test.ts covers the checks on add in detail).
    const cfg = { model_type: 'llama', hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 16, tie_word_embeddings: true };
    await initModelFolder({ config: cfg, outDir: folder, seed: 0 });
    const vocab = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')).vocab_size as number;
    // embed + per layer (2 norms, q k v o 8×8 each, gate/up/down 8×16) + final norm
    const n = vocab * 8 + 2 * (2 * 8 + 4 * 64 + 3 * 8 * 16) + 8;
    const m = await backend.handlers.addModel(folder);
    expect(m).toMatchObject({ name: 'my-model', architecture: 'llama', parameters: n, builtin: false, path: folder });
    expect(m.info).toMatchObject({ hidden_size: 8, num_hidden_layers: 2 });
    // Adding the same folder again refreshes the same entry.
    expect((await backend.handlers.addModel(folder)).id).toBe(m.id);
    expect(await backend.handlers.listModels()).toHaveLength(1);
    await backend.handlers.removeModel(m.id);
    expect(await backend.handlers.listModels()).toEqual([]);
    await expect(backend.handlers.removeModel(m.id)).rejects.toThrow(/no registered model/);
    await expect(backend.handlers.addModel(join(dir, 'nowhere'))).rejects.toThrow(/does not exist/);
    mkdirSync(join(dir, 'empty'));
    await expect(backend.handlers.addModel(join(dir, 'empty'))).rejects.toThrow(/config.json is missing/);
  });

  it('lists the built-in task datasets and reports app info', async () => {
    const { backend, dir } = await setup({ execute: false, appVersion: '9.9.9' });
    const ds = await backend.handlers.listDatasets();
    expect(ds.map((d) => d.id)).toContain('builtin:arithmetic');
    const info = await backend.handlers.appInfo();
    expect(info).toMatchObject({ version: '9.9.9', mode: 'browser', dataDir: dir });
    expect(info.ortVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.providers).toContain('cpu');
  });
});

describe('data folder', () => {
  it('BENCHTOP_HOME wins, else the per-OS user data folder', () => {
    expect(defaultDataDir({ BENCHTOP_HOME: '/x/y' }, 'linux', '/home/u')).toBe('/x/y');
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.config/Benchtop');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/u')).toBe('/cfg/Benchtop');
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/Benchtop');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/Roaming[\\/]Benchtop$/);
  });
});
