/**
 * A sweep through the backend API (real forked fixture runners): a 2×2 group of queued runs that
 * all finish; exported as one group bundle (checked with fflate, an independent zip reader, and
 * node's sha256), imported into a second data folder as the same group with the same data; a
 * modified group bundle is refused without importing any run; single-run bundles still import.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import type { SweepDetail } from '../../../src/shared/sweeps';
import { fixtureConfig, openTestBackend, tempDir, until, type TestBackend } from '../support/backend';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let a: TestBackend;
let b: TestBackend;
let out: { dir: string; cleanup(): void };
let made: SweepDetail;
let bundle: string;

beforeAll(async () => {
  a = await openTestBackend();
  b = await openTestBackend();
  out = tempDir('benchtop-sweep-bundle-');
  made = await a.backend.handlers.createSweep({
    name: 'lr x seed',
    base: fixtureConfig(6),
    grid: [
      { path: 'training.learning_rate', values: [0.01, 0.1] },
      { path: 'seed', values: [1, 2] },
    ],
  });
  await until(async () => (await a.backend.handlers.getSweep(made.sweep.id))?.progress.outcome === 'succeeded', 60_000, 'the sweep to finish');
  bundle = await a.backend.handlers.exportSweep(made.sweep.id, { out: join(out.dir, 'sweep.zip') });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  out?.cleanup();
});

describe('sweeps through the API', () => {
  it('creates one group of queued runs that all finish, each with its config and point', async () => {
    expect(made.runs.map((r) => r.sweep?.point)).toEqual([
      { 'training.learning_rate': 0.01, seed: 1 },
      { 'training.learning_rate': 0.01, seed: 2 },
      { 'training.learning_rate': 0.1, seed: 1 },
      { 'training.learning_rate': 0.1, seed: 2 },
    ]);
    const done = (await a.backend.handlers.getSweep(made.sweep.id))!;
    expect(done.progress).toMatchObject({ total: 4, done: 4, outcome: 'succeeded' });
    for (const r of done.runs) {
      expect((r.config.training as { learning_rate: number }).learning_rate).toBe(r.sweep!.point['training.learning_rate']);
      expect(Object.keys(done.finals[r.id]!).length).toBeGreaterThan(0);
    }
    const list = await a.backend.handlers.listSweeps();
    expect(list.map((s) => [s.sweep.id, s.progress.outcome])).toEqual([[made.sweep.id, 'succeeded']]);
  });

  it('refuses an invalid sweep naming the field and value, creating nothing', async () => {
    await expect(
      a.backend.handlers.createSweep({ name: 'bad', base: fixtureConfig(2), grid: [{ path: 'training.max_steps', values: [2, -3] }] }),
    ).rejects.toThrow(/grid training\.max_steps=-3: /);
    expect((await a.backend.handlers.listSweeps()).length).toBe(1);
    expect((await a.backend.handlers.listRuns()).length).toBe(4);
  });
});

describe('group bundle', () => {
  it('holds sweep.json and each run as an unchanged single-run bundle with matching digests', () => {
    const files = unzipSync(readFileSync(bundle));
    const m = JSON.parse(strFromU8(files['sweep.json']!));
    expect(m.format).toBe('benchtop-sweep-bundle/1');
    expect(m.sweep.name).toBe('lr x seed');
    expect(Object.keys(files).sort()).toEqual(['sweep.json', ...m.runs.map((r: { path: string }) => r.path)].sort());
    for (const r of m.runs) {
      expect(sha(files[r.path]!)).toBe(r.sha256);
      const inner = unzipSync(files[r.path]!);
      expect(JSON.parse(strFromU8(inner['manifest.json']!)).run.id).toBe(r.id);
    }
  });

  it('imports back as the same group with the same data', async () => {
    const first = await b.backend.handlers.importBundle(bundle);
    const sweeps = await b.backend.handlers.listSweeps();
    expect(sweeps.length).toBe(1);
    const got = (await b.backend.handlers.getSweep(sweeps[0]!.sweep.id))!;
    expect(first.id).toBe(got.runs[0]!.id);
    expect(got.sweep.name).toBe('lr x seed');
    expect(got.sweep.fields).toEqual(['training.learning_rate', 'seed']);
    const src = (await a.backend.handlers.getSweep(made.sweep.id))!;
    expect(got.runs.map((r) => r.sweep?.point)).toEqual(src.runs.map((r) => r.sweep?.point));
    expect(got.runs.map((r) => r.config)).toEqual(src.runs.map((r) => r.config));
    for (const [i, r] of got.runs.entries()) expect(got.finals[r.id]).toEqual(src.finals[src.runs[i]!.id]);
    expect(got.runs.every((r) => r.tags.includes('imported'))).toBe(true);
  });

  it('refuses a group bundle with a modified run inside, importing nothing', async () => {
    const c = await openTestBackend();
    try {
      const files = unzipSync(readFileSync(bundle));
      const m = JSON.parse(strFromU8(files['sweep.json']!));
      const victim = m.runs[2].path as string;
      const inner = files[victim]!.slice();
      inner[100] ^= 0xff;
      files[victim] = inner;
      const bad = join(out.dir, 'tampered.zip');
      writeFileSync(bad, zipSync(files));
      await expect(c.backend.handlers.importBundle(bad)).rejects.toThrow(new RegExp(`'${victim.replace(/[.]/g, '\\.')}' fails verification`));
      expect(await c.backend.handlers.listRuns()).toEqual([]);
      expect(await c.backend.handlers.listSweeps()).toEqual([]);

      // An unlisted file, and a sweep.json of another format, are refused by name too.
      const extra = unzipSync(readFileSync(bundle));
      extra['runs/smuggled.zip'] = extra[m.runs[0].path]!;
      writeFileSync(bad, zipSync(extra));
      await expect(c.backend.handlers.importBundle(bad)).rejects.toThrow("'runs/smuggled.zip' is in the zip but not listed in sweep.json");
      const other = unzipSync(readFileSync(bundle));
      other['sweep.json'] = new TextEncoder().encode(JSON.stringify({ ...m, format: 'benchtop-sweep-bundle/9' }));
      writeFileSync(bad, zipSync(other));
      await expect(c.backend.handlers.importBundle(bad)).rejects.toThrow(/sweep\.json format: /);
      expect(await c.backend.handlers.listRuns()).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('leaves single-run bundles as they were: one run, no group', async () => {
    const c = await openTestBackend();
    try {
      const one = await a.backend.handlers.exportRun(made.runs[0]!.id, { out: join(out.dir, 'one.zip') });
      expect(Object.keys(unzipSync(readFileSync(one)))).toContain('manifest.json');
      const run = await c.backend.handlers.importBundle(one);
      expect(run.sweep).toBeNull();
      expect(await c.backend.handlers.listSweeps()).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
