/**
 * A real run (fixture runner, forked for real) plus extra rows written through the store API →
 * exportRun → the zip inspected with fflate (an independent reader) and node's sha256 →
 * importBundle into a second, empty data folder → the same config, metrics, events, samples
 * and artifact bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { validateApiArgs } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import type { BundleManifest } from '../../../src/core/bundles';
import type { RunStore } from '../../../src/core/store';
import { fixtureConfig, openTestBackend, tempDir, until, type TestBackend } from '../support/backend';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let a: TestBackend;
let b: TestBackend;
let out: { dir: string; cleanup(): void };
let run: RunRecord;
let modelDir: string;
let adapterDir: string;

/** Register a file the way the supervisor does (bytes + sha256 of the file on disk). */
function register(store: RunStore, runId: string, path: string, kind: string, data: Uint8Array): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
  store.telemetry.addArtifact({ runId, kind, path, bytes: data.length, sha256: sha(data), createdAt: 1_700_000_000_000 });
}

beforeAll(async () => {
  a = await openTestBackend();
  b = await openTestBackend();
  out = tempDir('benchtop-bundle-out-');
  const created = await a.backend.handlers.createRun(fixtureConfig(12, { samples_every: 4 }, { name: 'bundle <round> trip', tags: ['t1'], seed: 7 }));
  run = await until(() => {
    const r = a.backend.store.runs.get(created.id);
    return r && r.status === 'succeeded' ? r : null;
  }, 30_000, 'the fixture run to succeed');
  const store = a.backend.store;
  // Values JSON cannot spell, a key that needs escaping, and single-step eval results.
  store.telemetry.insertMetrics([
    { runId: run.id, key: 'odd/values', step: 1, value: Number.NaN, time: 1 },
    { runId: run.id, key: 'odd/values', step: 2, value: Number.POSITIVE_INFINITY, time: 2 },
    { runId: run.id, key: 'odd/values', step: 3, value: -1e-300, time: 3 },
    { runId: run.id, key: 'odd/values', step: 4, value: Number.NEGATIVE_INFINITY, time: 4 },
    { runId: run.id, key: '<script>alert(1)</script>', step: 0, value: 1, time: 5 },
    { runId: run.id, key: '<script>alert(1)</script>', step: 1, value: 2, time: 6 },
    { runId: run.id, key: 'eval/arith/accuracy', step: 12, value: 0.75, time: 7 },
    { runId: run.id, key: 'eval/logic/accuracy', step: 12, value: 0.5, time: 8 },
  ]);
  store.telemetry.insertEvents([{ runId: run.id, time: 9, level: 'warn', text: 'a "quoted" <b>warning</b>\nover two lines' }]);
  // A model folder inside the run folder and a LoRA adapter outside it.
  modelDir = join(a.dir, 'runs', run.id, 'model');
  register(store, run.id, join(modelDir, 'config.json'), 'model', Buffer.from('{"hidden_size":8}'));
  register(store, run.id, join(modelDir, 'model.safetensors'), 'model-file', randomBytes(40_000));
  register(store, run.id, join(modelDir, 'tokenizer.json'), 'model-file', Buffer.from('{"vocab":{}}'));
  adapterDir = join(out.dir, 'elsewhere', 'adapter');
  register(store, run.id, join(adapterDir, 'adapter_model.safetensors'), 'lora-adapter-file', randomBytes(3000));
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  out?.cleanup();
});

function openZip(path: string): { files: Record<string, Uint8Array>; manifest: BundleManifest; text(name: string): string } {
  const files = unzipSync(readFileSync(path));
  const manifest = JSON.parse(strFromU8(files['manifest.json'])) as BundleManifest;
  return { files, manifest, text: (name) => strFromU8(files[name]) };
}

function rows(store: RunStore, id: string) {
  const metrics = Object.fromEntries(store.telemetry.metricKeys(id).map((k) => [k, store.telemetry.metricPoints(id, k)]));
  const events = store.telemetry.events(id, { limit: 10_000 }).map(({ time, level, text }) => ({ time, level, text }));
  const samples = store.telemetry.samples(id, { limit: 10_000 }).map(({ step, prompt, completion, reward, extra }) => ({ step, prompt, completion, reward, extra }));
  return { metrics, events, samples };
}

describe('run bundle round trip', () => {
  it('exports a zip whose manifest lists every other file with its true size and sha256', async () => {
    const path = await a.backend.handlers.exportRun(run.id, { out: join(out.dir, 'full.zip') });
    expect(path).toBe(join(out.dir, 'full.zip'));
    const z = openZip(path);
    const names = Object.keys(z.files).filter((n) => n !== 'manifest.json').sort();
    expect(z.manifest.files.map((f) => f.path).sort()).toEqual(names);
    for (const f of z.manifest.files) {
      expect(f.bytes, f.path).toBe(z.files[f.path].length);
      expect(f.sha256, f.path).toBe(sha(z.files[f.path]));
    }
    expect(z.manifest).toMatchObject({
      format: 'benchtop-bundle/1',
      app: { name: 'benchtop' },
      run: { id: run.id, kind: 'pretrain', status: 'succeeded', device: 'cpu (test fixture)', tags: ['t1'], config: run.config },
      environment: { execution_provider: 'cpu', device: 'cpu (test fixture)', seed: 7, node: process.versions.node, platform: process.platform },
      options: { include_models: true },
      omitted: [],
    });
    expect(z.manifest.environment.onnxruntime_node).toMatch(/^\d+\.\d+\.\d+/);

    // Every metric point, not a down-sampled series: 12 steps × 2 fixture keys + the extras.
    const store = a.backend.store;
    const total = store.telemetry.metricKeys(run.id).reduce((s, k) => s + store.telemetry.metricCount(run.id, k), 0);
    expect(total).toBe(24 + 8);
    const csv = z.text('metrics.csv').trimEnd().split('\n');
    expect(csv[0]).toBe('key,step,value,time');
    expect(csv.length - 1).toBe(total);
    expect(csv).toContain('odd/values,2,Infinity,2');
    expect(csv).toContain('odd/values,1,NaN,1');
    const loss = store.telemetry.metricPoints(run.id, 'loss');
    const csvLoss = csv.filter((l) => l.startsWith('loss,')).map((l) => l.split(','));
    expect(csvLoss.map((c) => [Number(c[1]), Number(c[2]), Number(c[3])])).toEqual(loss.map((p) => [p.step, p.value, p.time]));
    expect(z.text('metrics.jsonl').trimEnd().split('\n')).toHaveLength(total);
    expect(z.text('samples.jsonl').trimEnd().split('\n')).toHaveLength(3);

    // Artifacts: relative to the run folder where they live there, grouped by folder otherwise.
    expect(z.manifest.artifacts.map((x) => x.path).sort()).toEqual([
      'artifacts/external/1/adapter_model.safetensors',
      'artifacts/model/config.json',
      'artifacts/model/model.safetensors',
      'artifacts/model/tokenizer.json',
      'artifacts/weights.json',
    ]);
    expect(sha(z.files['artifacts/model/model.safetensors'])).toBe(sha(readFileSync(join(modelDir, 'model.safetensors'))));

    // Plots: a line chart per key with > 1 point, bars for the single-step eval results.
    expect(Object.keys(z.files).filter((n) => n.startsWith('plots/')).sort()).toEqual([
      'plots/_script_alert_1__/script_.svg', // the key's '/' makes a folder
      'plots/bars/eval-accuracy.svg',
      'plots/grad_norm.svg',
      'plots/loss.svg',
      'plots/odd/values.svg',
    ]);
    const bars = z.text('plots/bars/eval-accuracy.svg');
    expect(bars).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(bars).toContain('>arith<');
    expect(bars).toContain('>logic<');

    // The report opens offline: no scripts, nothing fetched, all run text escaped.
    const html = z.text('report.html');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script|<link|<iframe|<img|<object|<embed|src=|url\((?!#)|href="(?!#)/i);
    // Inline SVGs share one document: their clip-path ids must not collide.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('bundle &lt;round&gt; trip');
    expect(html).toContain('a &quot;quoted&quot; &lt;b&gt;warning&lt;/b&gt;');
    expect((html.match(/<svg /g) ?? []).length).toBe(5);
    expect(html).toContain('fixture finished');
  });

  it('imports into an empty data folder with identical config, metrics, events, samples and artifact bytes', async () => {
    const path = await a.backend.handlers.exportRun(run.id, { out: join(out.dir, 'rt.zip') });
    const imported = await b.backend.handlers.importBundle(path);
    expect(imported.id).toBe(run.id); // free in the second store
    expect(imported).toMatchObject({
      kind: run.kind,
      name: run.name,
      status: 'succeeded',
      config: run.config,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      exitReason: run.exitReason,
      device: run.device,
      tags: ['imported', 't1'],
    });
    expect(b.events.some((e) => e.type === 'run' && e.run.id === imported.id)).toBe(true);

    const src = rows(a.backend.store, run.id);
    const dst = rows(b.backend.store, imported.id);
    expect(dst.metrics).toEqual(src.metrics);
    expect(Number.isNaN(dst.metrics['odd/values'][0].value)).toBe(true);
    expect(dst.metrics['odd/values'][3].value).toBe(Number.NEGATIVE_INFINITY);
    expect(dst.samples).toEqual(src.samples);
    expect(dst.events.slice(0, -1)).toEqual(src.events);
    expect(dst.events.at(-1)!.text).toContain(`imported from ${path} (run ${run.id}`);

    // Artifacts now live in the new run's folder, same bytes.
    const newDir = join(b.dir, 'runs', imported.id);
    const arts = b.backend.store.telemetry.artifacts(imported.id);
    expect(arts.map((x) => x.path).sort()).toEqual(
      ['external/1/adapter_model.safetensors', 'model/config.json', 'model/model.safetensors', 'model/tokenizer.json', 'weights.json'].map((p) => join(newDir, ...p.split('/'))),
    );
    const srcArts = new Map(a.backend.store.telemetry.artifacts(run.id).map((x) => [x.sha256, x]));
    for (const x of arts) {
      expect(sha(readFileSync(x.path)), x.path).toBe(x.sha256);
      expect(srcArts.get(x.sha256)?.kind, x.path).toBe(x.kind);
    }

    // The same bundle again is recognised: refused, naming the run it was imported as.
    const before = b.backend.store.runs.list().length;
    await expect(b.backend.handlers.importBundle(path)).rejects.toThrow(`already imported as run ${imported.id}`);
    expect(b.backend.store.runs.list()).toHaveLength(before);
    // With that run in the trash it imports again; the id is taken, so the copy gets a new one.
    await b.backend.handlers.deleteRun(imported.id);
    const again = await b.backend.handlers.importBundle(path);
    expect(again.id).not.toBe(imported.id);
    expect(rows(b.backend.store, again.id).metrics).toEqual(src.metrics);
  });

  it('include_models: false leaves weight files out, keeps config, tokenizer and adapter, and says so', async () => {
    const path = await a.backend.handlers.exportRun(run.id, { out: join(out.dir, 'slim.zip'), include_models: false });
    const z = openZip(path);
    expect(z.files['artifacts/model/model.safetensors']).toBeUndefined();
    expect(z.files['artifacts/model/config.json']).toBeDefined();
    expect(z.files['artifacts/model/tokenizer.json']).toBeDefined();
    expect(z.files['artifacts/external/1/adapter_model.safetensors']).toBeDefined();
    expect(z.manifest.options.include_models).toBe(false);
    expect(z.manifest.omitted).toEqual([
      { kind: 'model-file', original_path: join(modelDir, 'model.safetensors'), bytes: 40_000, sha256: sha(readFileSync(join(modelDir, 'model.safetensors'))), reason: 'model weights left out (include_models: false)' },
    ]);
    expect(z.text('report.html')).toContain('model weights left out');

    const imported = await b.backend.handlers.importBundle(path);
    const kinds = b.backend.store.telemetry.artifacts(imported.id).map((x) => x.path.split(/[\\/]/).pop());
    expect(kinds.sort()).toEqual(['adapter_model.safetensors', 'config.json', 'tokenizer.json', 'weights.json']);
    const last = b.backend.store.telemetry.events(imported.id, { limit: 1000 }).at(-1)!;
    expect(last.level).toBe('warn');
    expect(last.text).toContain('model.safetensors (model weights left out');
  });

  it('checks the API arguments of exportRun and importBundle', () => {
    expect(validateApiArgs('exportRun', [run.id, { include_models: false, out: '/tmp/x.zip' }])).toMatchObject({ ok: true });
    expect(validateApiArgs('exportRun', [run.id])).toMatchObject({ ok: true });
    expect(validateApiArgs('exportRun', [run.id, { includeModels: false }])).toMatchObject({ ok: false });
    expect(validateApiArgs('importBundle', [''])).toMatchObject({ ok: false, error: expect.stringMatching(/expected a bundle/) });
  });

  it('refuses an output name that is not a .zip and an unknown run', async () => {
    await expect(a.backend.handlers.exportRun(run.id, { out: join(out.dir, 'x.tar') })).rejects.toThrow(/must end in \.zip/);
    await expect(a.backend.handlers.exportRun('no-such-run')).rejects.toThrow(/no run with id 'no-such-run'/);
    // Without `out` the bundle goes to <data folder>/bundles under a free name.
    const p1 = await a.backend.handlers.exportRun(run.id);
    const p2 = await a.backend.handlers.exportRun(run.id);
    expect(p1).toBe(join(a.dir, 'bundles', `benchtop-run-${run.id}.zip`));
    expect(p2).toBe(join(a.dir, 'bundles', `benchtop-run-${run.id}-2.zip`));
  });
});
