/**
 * Never delete what Benchtop did not write. An HF model folder Benchtop did not write (sharded
 * weights + index + config) is refused as a save target — by the weight writer and, before the
 * run starts, by the runner — and stays byte-identical; new, empty and Benchtop-written folders
 * are accepted (the marker is written after the weights).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint } from '../../../src/engine/model/checkpoint';
import { checkOutputDir, OUTPUT_MARKER, OutputDirError, resolveOutputDir } from '../../../src/engine/model/outputDir';
import { fixtureConfig, openTestBackend, tempDir, type TestBackend } from '../../core/support/backend';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const t = tempDir('benchtop-outdir-');
  cleanups.push(t.cleanup);
  return t.dir;
}

const tensors = (scale: number): [string, { shape: number[]; data: Float32Array }][] =>
  Array.from({ length: 5 }, (_, i) => [`t${i}`, { shape: [10], data: Float32Array.from({ length: 10 }, (_, j) => scale * (i * 10 + j)) }]);

/** name → sha256 of every file under `dir` (recursively), plus sizes and the listing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out[`${rel}${n}`] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** A sharded HF model folder as another tool would leave it (no Benchtop marker). */
async function foreignModelFolder(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await writeCheckpoint(dir, tensors(1), { maxShardBytes: 100 });
  rmSync(join(dir, OUTPUT_MARKER));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 10 }));
  writeFileSync(join(dir, 'README.md'), '# someone else\'s model\n');
}

describe('output_dir: never delete what Benchtop did not write', () => {
  it('the weight writer refuses an existing model folder it did not write, leaving it byte-identical', async () => {
    const dir = join(tmp(), 'hub-model');
    await foreignModelFolder(dir);
    const before = snapshot(dir);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['model-00001-of-00003.safetensors', 'model.safetensors.index.json', 'config.json']));
    await expect(writeCheckpoint(dir, tensors(2))).rejects.toThrow(OutputDirError);
    await expect(writeCheckpoint(dir, tensors(2))).rejects.toThrow(/would replace model-00001-of-00003\.safetensors.*which Benchtop did not write/);
    expect(snapshot(dir)).toEqual(before);
    expect(() => checkOutputDir(dir)).toThrow(/output_dir .*hub-model: the folder already holds files Benchtop did not write \(README\.md, config\.json/);
  });

  it('new, empty and Benchtop-written folders are accepted; saving again replaces Benchtop\'s own weights', async () => {
    const root = tmp();
    expect(() => checkOutputDir(join(root, 'new'))).not.toThrow();
    mkdirSync(join(root, 'empty'));
    expect(() => checkOutputDir(join(root, 'empty'))).not.toThrow();
    const dir = join(root, 'empty');
    await writeCheckpoint(dir, tensors(1), { maxShardBytes: 100 });
    expect(readdirSync(dir)).toContain(OUTPUT_MARKER);
    expect(() => checkOutputDir(dir)).not.toThrow();
    await writeCheckpoint(dir, tensors(3)); // single file now: the old shards and index go
    expect(readdirSync(dir).sort()).toEqual([OUTPUT_MARKER, 'model.safetensors']);
    const back = await readCheckpoint(dir);
    expect([...(back.get('t1')!.data as Float32Array)]).toEqual(Array.from({ length: 10 }, (_, j) => 3 * (10 + j)));
    writeFileSync(join(root, 'file'), 'x');
    expect(() => checkOutputDir(join(root, 'file'))).toThrow(/expected a folder/);
    expect(resolveOutputDir('/data/runs/r1', '')).toBe('/data/runs/r1/model');
    expect(resolveOutputDir('/data/runs/r1', 'out')).toBe('/data/runs/r1/out');
  });

  it('a run whose output_dir is an existing model folder fails before it starts, naming the folder, which stays byte-identical', async () => {
    const dir = join(tmp(), 'hub-model');
    await foreignModelFolder(dir);
    const before = snapshot(dir);
    const tb: TestBackend = await openTestBackend();
    cleanups.push(() => tb.close());
    const run = await tb.backend.handlers.createRun(fixtureConfig(5, {}, { output_dir: dir }));
    const final = await tb.backend.supervisor.waitFor(run.id);
    expect(final.status).toBe('failed');
    expect(final.exitReason).toContain(`output_dir ${dir}: the folder already holds files Benchtop did not write`);
    expect(tb.backend.store.telemetry.metricCount(run.id)).toBe(0); // nothing ran
    expect(snapshot(dir)).toEqual(before);
  });
});
