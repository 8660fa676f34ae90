/**
 * Import refuses bundles it cannot vouch for, names the offending file, and writes nothing:
 * tampered bytes, missing or unlisted files, paths that escape the folder, symlinks, sizes past
 * the cap. Also: a run exported while running arrives as interrupted. The source runs are
 * written through the store API (no runner needed); tampered zips are rebuilt with fflate.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { exportRunBundle, importRunBundle } from '../../../src/core/bundles';
import { RunStore } from '../../../src/core/store';
import { tempDir } from '../support/backend';

let dir: string;
let cleanup: () => void;
let src: RunStore;
let dst: RunStore;
const srcData = () => join(dir, 'a');
const dstData = () => join(dir, 'b');

beforeEach(() => {
  ({ dir, cleanup } = tempDir('benchtop-verify-'));
  src = RunStore.open(join(srcData(), 'benchtop.db'));
  dst = RunStore.open(join(dstData(), 'benchtop.db'));
});
afterEach(() => {
  src.close();
  dst.close();
  cleanup();
});

/** A run written through the store API, left in `status`. */
function makeRun(id: string, status: 'running' | 'succeeded'): void {
  const t0 = 1_790_000_000_000;
  src.runs.create({ id, kind: 'eval', name: 'stored run', notes: '', config: { kind: 'eval', seed: 3, model: 'builtin:tiny', tasks: [{ task: 'arithmetic' }] }, modelRef: 'builtin:tiny', tags: ['x'], parentId: null, createdAt: t0, owner: null });
  src.runs.transition(id, 'running', { startedAt: t0 + 1000 });
  if (status === 'succeeded') src.runs.transition(id, 'succeeded', { endedAt: t0 + 5000, exitReason: null });
  src.telemetry.insertMetrics(Array.from({ length: 20 }, (_, i) => ({ runId: id, key: 'loss', step: i, value: 1 / (i + 1), time: t0 + i })));
  src.telemetry.insertEvents([{ runId: id, time: t0, level: 'info', text: 'hello' }]);
  src.telemetry.insertSamples([{ runId: id, step: 1, prompt: 'p', completion: 'c', reward: 1, extra: { k: [1, 2] } }]);
  const file = join(srcData(), 'runs', id, 'out', 'result.txt');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, 'result');
  src.telemetry.addArtifact({ runId: id, kind: 'result', path: file, bytes: 6, sha256: '3f2cbd4b8f4e6d6b2e8b5f0bb4e43a4c1ff0bd8c1a1a8f19e2dbbd1cb3c6d6f4', createdAt: t0 });
}

async function bundle(id = 'run-1'): Promise<string> {
  makeRun(id, 'succeeded');
  return (await exportRunBundle({ store: src, dataDir: srcData(), appVersion: '9.9.9' }, id, { out: join(dir, 'good.zip') })).path;
}

/** Rewrite a bundle's entries with fflate (`edit` changes the name → bytes map). */
function rezip(from: string, name: string, edit: (files: Zippable) => void): string {
  const files = unzipSync(readFileSync(from)) as Zippable;
  edit(files);
  const out = join(dir, name);
  writeFileSync(out, zipSync(files));
  return out;
}

/** Nothing of the refused import is left: no run, no run folder, no staging folder. */
function expectNothingWritten(): void {
  expect(dst.runs.list()).toEqual([]);
  const runs = join(dstData(), 'runs');
  expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
}

const importInto = (file: string, opts = {}) => importRunBundle({ store: dst, dataDir: dstData() }, file, opts);

describe('bundle import verification', () => {
  it('imports an untouched bundle (the control case)', async () => {
    const run = await importInto(await bundle());
    expect(run).toMatchObject({ id: 'run-1', status: 'succeeded', tags: ['imported', 'x'], modelRef: 'builtin:tiny' });
    expect(readFileSync(join(dstData(), 'runs', 'run-1', 'out', 'result.txt'), 'utf8')).toBe('result');
    // The artifact's digest was recorded wrongly at registration; export notices and records the true one.
    const m = JSON.parse(strFromU8(unzipSync(readFileSync(join(dir, 'good.zip')))['manifest.json']));
    expect(m.artifacts[0]).toMatchObject({ path: 'artifacts/out/result.txt', changed_since_recorded: true });
    expect(dst.telemetry.artifacts('run-1')[0].sha256).toBe(m.artifacts[0].sha256);
  });

  it('refuses a tampered byte, naming the file', async () => {
    const bad = rezip(await bundle(), 'tampered.zip', (f) => {
      const b = Uint8Array.from(f['metrics.jsonl'] as Uint8Array);
      b[10] = b[10] === 0x31 ? 0x32 : 0x31;
      f['metrics.jsonl'] = b;
    });
    await expect(importInto(bad)).rejects.toThrow(/'metrics\.jsonl' fails verification: sha256 [0-9a-f]{64} differs/);
    expectNothingWritten();
  });

  it('refuses a tampered artifact after the tables were unpacked, and cleans up', async () => {
    const bad = rezip(await bundle(), 'tampered-artifact.zip', (f) => void (f['artifacts/out/result.txt'] = strToU8('RESULT')));
    await expect(importInto(bad)).rejects.toThrow(/'artifacts\/out\/result\.txt' fails verification/);
    expectNothingWritten();
  });

  it('refuses a missing file and an extra unlisted file', async () => {
    const good = await bundle();
    await expect(importInto(rezip(good, 'missing.zip', (f) => void delete f['events.jsonl']))).rejects.toThrow(
      /'events\.jsonl' is listed in manifest\.json but missing from the zip/,
    );
    await expect(importInto(rezip(good, 'extra.zip', (f) => void (f['notes.txt'] = strToU8('hi'))))).rejects.toThrow(
      /'notes\.txt' is in the zip but not listed in manifest\.json/,
    );
    expectNothingWritten();
  });

  it('refuses paths that escape the bundle, before writing anything', async () => {
    const good = await bundle();
    const cases: [string, RegExp][] = [
      ['../evil', /refused path "\.\.\/evil": '\.\.' segment/],
      ['artifacts/../../evil', /refused path "artifacts\/\.\.\/\.\.\/evil"/],
      ['/tmp/evil', /refused path "\/tmp\/evil": absolute path/],
      ['artifacts\\..\\evil', /backslash/],
    ];
    for (const [name, why] of cases) {
      const bad = rezip(good, 'escape.zip', (f) => void (f[name] = strToU8('pwned')));
      await expect(importInto(bad), name).rejects.toThrow(why);
    }
    expectNothingWritten();
    expect(existsSync(join(dstData(), 'evil'))).toBe(false);
    expect(existsSync(join(dir, 'evil'))).toBe(false);
  });

  it('refuses symbolic-link entries and names that differ only in case', async () => {
    const good = await bundle();
    const link = rezip(good, 'link.zip', (f) => void (f['artifacts/link'] = [strToU8('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }]));
    await expect(importInto(link)).rejects.toThrow(/"artifacts\/link": it is a symbolic link/);
    const twice = rezip(good, 'case.zip', (f) => void (f['artifacts/OUT/result.txt'] = strToU8('x')));
    await expect(importInto(twice)).rejects.toThrow(/appears twice/);
    expectNothingWritten();
  });

  it('refuses a bundle larger than the size cap, and a manifest that lies about sizes', async () => {
    const good = await bundle();
    await expect(importInto(good, { maxTotalBytes: 1000 })).rejects.toThrow(/would unpack to 0\.\d+ GB, more than the 0\.000 GB limit/);
    const lying = rezip(good, 'lying.zip', (f) => {
      const m = JSON.parse(strFromU8(f['manifest.json'] as Uint8Array));
      m.files.find((x: { path: string }) => x.path === 'samples.jsonl').bytes = 30e9;
      f['manifest.json'] = strToU8(JSON.stringify(m));
    });
    await expect(importInto(lying)).rejects.toThrow(/'samples\.jsonl' is \d+ bytes in the zip but 30000000000 in manifest\.json/);
    expectNothingWritten();
  });

  it('refuses a bundle of another format and a zip without a manifest', async () => {
    const good = await bundle();
    const other = rezip(good, 'v2.zip', (f) => {
      const m = JSON.parse(strFromU8(f['manifest.json'] as Uint8Array));
      f['manifest.json'] = strToU8(JSON.stringify({ ...m, format: 'benchtop-bundle/2' }));
    });
    await expect(importInto(other)).rejects.toThrow(/format is "benchtop-bundle\/2"; this Benchtop reads 'benchtop-bundle\/1' bundles/);
    const none = rezip(good, 'none.zip', (f) => void delete f['manifest.json']);
    await expect(importInto(none)).rejects.toThrow(/no manifest\.json \(not a Benchtop run bundle\)/);
    expectNothingWritten();
  });

  it('imports a run exported while running as interrupted', async () => {
    makeRun('live-1', 'running');
    const { path, manifest } = await exportRunBundle({ store: src, dataDir: srcData(), appVersion: '9.9.9' }, 'live-1', { out: join(dir, 'live.zip') });
    expect(manifest.run.status).toBe('running');
    const run = await importInto(path);
    expect(run.status).toBe('interrupted');
    expect(run.exitReason).toMatch(/was running when it was exported .*imported as interrupted/);
    expect(run.startedAt).toBe(1_790_000_001_000);
    expect(run.endedAt).toBe(Date.parse(manifest.exported_at));
    expect(dst.telemetry.metricPoints(run.id, 'loss')).toEqual(src.telemetry.metricPoints('live-1', 'loss'));
  });
});
