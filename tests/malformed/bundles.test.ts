/**
 * Malformed run bundles through the API's importBundle: each refused with an error naming the
 * bundle (and the entry at fault), and the history and the data folder unchanged. The source run
 * is written through the store API (no runner); broken zips are rebuilt with fflate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { exportRunBundle } from '../../src/core/bundles';
import { RunStore } from '../../src/core/store';
import { openTestBackend, tempDir, type TestBackend } from '../core/support/backend';
import { expectUnchanged, snapshot } from './support';

let tb: TestBackend;
let scratch: { dir: string; cleanup(): void };
let goodZip: string;
beforeAll(async () => {
  tb = await openTestBackend({ execute: false });
  scratch = tempDir('benchtop-malformed-bundles-');
  const srcDir = join(scratch.dir, 'src');
  const src = RunStore.open(join(srcDir, 'benchtop.db'));
  const t0 = 1_790_000_000_000;
  src.runs.create({ id: 'run-1', kind: 'eval', name: 'stored run', notes: '', config: { kind: 'eval', seed: 3, model: 'builtin:benchtop-tiny', tasks: [{ task: 'arithmetic' }] }, modelRef: null, tags: [], parentId: null, createdAt: t0, owner: null });
  src.runs.transition('run-1', 'running', { startedAt: t0 + 1 });
  src.runs.transition('run-1', 'succeeded', { endedAt: t0 + 2, exitReason: null });
  src.telemetry.insertMetrics([{ runId: 'run-1', key: 'loss', step: 1, value: 0.5, time: t0 }]);
  const art = join(srcDir, 'runs', 'run-1', 'out', 'result.txt');
  mkdirSync(join(art, '..'), { recursive: true });
  writeFileSync(art, 'result');
  src.telemetry.addArtifact({ runId: 'run-1', kind: 'result', path: art, bytes: 6, sha256: '0'.repeat(64), createdAt: t0 });
  goodZip = (await exportRunBundle({ store: src, dataDir: srcDir, appVersion: '9.9.9' }, 'run-1', { out: join(scratch.dir, 'good.zip') })).path;
  src.close();
});
afterAll(async () => {
  await tb.close();
  scratch.cleanup();
});

const entries = (): Zippable => unzipSync(readFileSync(goodZip)) as Zippable;
const manifestOf = (f: Zippable) => JSON.parse(strFromU8(f['manifest.json'] as Uint8Array)) as { files: { path: string; bytes: number; sha256: string }[]; [k: string]: unknown };
const firstData = (f: Zippable) => Object.keys(f).find((k) => k !== 'manifest.json')!;

interface Case {
  name: string;
  make(file: string): void;
  message: RegExp;
}
const rezip = (edit: (f: Zippable) => void) => (file: string) => {
  const f = entries();
  edit(f);
  writeFileSync(file, zipSync(f));
};

const CASES: Case[] = [
  { name: 'not a zip at all', make: (p) => writeFileSync(p, 'hello, this is text'), message: /bad\d+\.zip/ },
  { name: 'an empty file', make: (p) => writeFileSync(p, ''), message: /bad\d+\.zip/ },
  { name: 'a truncated zip', make: (p) => writeFileSync(p, readFileSync(goodZip).subarray(0, 100)), message: /bad\d+\.zip/ },
  { name: 'no manifest', make: rezip((f) => void delete f['manifest.json']), message: /bad\d+\.zip: no manifest\.json \(not a Benchtop run bundle\)/ },
  { name: 'a manifest that is not JSON', make: rezip((f) => void (f['manifest.json'] = strToU8('{"files": ['))), message: /bad\d+\.zip.*manifest\.json/ },
  { name: 'a manifest that is a list', make: rezip((f) => void (f['manifest.json'] = strToU8('[]'))), message: /bad\d+\.zip.*manifest\.json/ },
  { name: 'a file changed after export', make: rezip((f) => { const k = firstData(f); const b = f[k] as Uint8Array; f[k] = new Uint8Array(b.length).fill(65); }), message: /bad\d+\.zip: '.*' fails verification: sha256/ },
  { name: 'a file not listed in the manifest', make: rezip((f) => void (f['extra.txt'] = strToU8('surprise'))), message: /bad\d+\.zip: 'extra\.txt' is in the zip but not listed in manifest\.json/ },
  { name: 'a listed file missing from the zip', make: rezip((f) => void delete f[firstData(f)]), message: /bad\d+\.zip: '.*' is listed in manifest\.json but missing from the zip/ },
  { name: 'a manifest listing a file twice', make: rezip((f) => { const m = manifestOf(f); m.files.push(m.files[0]!); f['manifest.json'] = strToU8(JSON.stringify(m)); }), message: /bad\d+\.zip: manifest\.json lists '.*' twice/ },
  { name: 'a manifest with wrong sizes', make: rezip((f) => { const m = manifestOf(f); m.files[0]!.bytes += 1; f['manifest.json'] = strToU8(JSON.stringify(m)); }), message: /bad\d+\.zip: '.*' is \d+ bytes in the zip but \d+ in manifest\.json/ },
  { name: 'a run config that is not a valid config', make: rezip((f) => { const m = manifestOf(f) as { run: { config: Record<string, unknown> } } & ReturnType<typeof manifestOf>; m.run.config = { kind: 'eval', tasks: 'all of them' }; f['manifest.json'] = strToU8(JSON.stringify(m)); }), message: /bad\d+\.zip: manifest\.json run\.config: the run's config is not a valid run config/ },
  { name: 'an entry that climbs out of the folder', make: rezip((f) => { const m = manifestOf(f); const body = strToU8('x'); f['../escape.txt'] = body; m.files.push({ path: '../escape.txt', bytes: 1, sha256: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881' }); f['manifest.json'] = strToU8(JSON.stringify(m)); }), message: /bad\d+\.zip.*\.\.\/escape\.txt/ },
];

describe('malformed bundles', () => {
  it(`has a table of ${CASES.length} cases`, () => expect(CASES.length).toBeGreaterThanOrEqual(12));

  CASES.forEach((c, i) => {
    it(`${c.name}: refused with the bundle named; nothing is imported`, async () => {
      const file = join(scratch.dir, `bad${i}.zip`);
      c.make(file);
      const { store, handlers } = tb.backend;
      const before = snapshot(store, [tb.dir]);
      const err = await handlers.importBundle(file).then(() => null, (e: Error) => e);
      expect(err, `${c.name}: imported`).toBeInstanceOf(Error);
      expect(err!.message).toMatch(c.message);
      expectUnchanged(store, before, c.name);
    });
  });

  it('the untouched bundle imports (the cases above differ from it by their one defect)', async () => {
    const run = await tb.backend.handlers.importBundle(goodZip);
    expect(run.name).toBe('stored run');
  });
});
