/**
 * `benchtop export` and `benchtop import` end to end in child processes: a fixture run in one
 * data folder, exported, imported into a second one; a tampered bundle is refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { runCli, REPO_ROOT } from '../support/cliProcess';
import { tempDir } from '../core/support/backend';

let tmp: { dir: string; cleanup(): void };
const homeA = () => join(tmp.dir, 'a');
const homeB = () => join(tmp.dir, 'b');
let runId: string;
const savedEntry = process.env.BENCHTOP_RUNNER_ENTRY;

beforeAll(async () => {
  tmp = tempDir('benchtop-cli-bundle-');
  process.env.BENCHTOP_RUNNER_ENTRY = join(REPO_ROOT, 'tests', 'fixtures', 'runner-fixture.ts');
  const r = await runCli(tmp.dir, ['--home', homeA(), 'run', join(REPO_ROOT, 'tests', 'fixtures', 'fixture-run.yaml')]);
  expect(r.code, r.stderr).toBe(0);
  runId = /^run (\S+)$/m.exec(r.stdout)![1];
});
afterAll(() => {
  if (savedEntry === undefined) delete process.env.BENCHTOP_RUNNER_ENTRY;
  else process.env.BENCHTOP_RUNNER_ENTRY = savedEntry;
  tmp?.cleanup();
});

describe('benchtop export / import', () => {
  it('are listed in the help', async () => {
    const help = await runCli(tmp.dir, ['help']);
    expect(help.stdout).toMatch(/^\s+export\s+write a run as a bundle/m);
    expect(help.stdout).toMatch(/^\s+import\s+verify a run bundle/m);
    const usage = await runCli(tmp.dir, ['export', '--help']);
    expect(usage.stdout).toContain('--no-models');
  });

  it('export prints the bundle path and size; import prints the new run id with the same data', async () => {
    const out = join(tmp.dir, 'fixture.zip');
    const ex = await runCli(tmp.dir, ['--home', homeA(), 'export', runId.slice(-6), '--out', out, '--no-models']);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain(`bundle ${out}\n`);
    const size = statSync(out).size;
    expect(ex.stdout).toMatch(new RegExp(`^size\\s+\\d+\\.\\d kB \\(${size} bytes\\), 10 files$`, 'm'));
    const manifest = JSON.parse(strFromU8(unzipSync(readFileSync(out))['manifest.json']));
    expect(manifest.options.include_models).toBe(false);
    expect(manifest.run.id).toBe(runId);

    const im = await runCli(tmp.dir, ['--home', homeB(), 'import', out]);
    expect(im.code, im.stderr).toBe(0);
    const newId = /^run (\S+)$/m.exec(im.stdout)![1];
    expect(newId).toBe(runId);
    const showA = JSON.parse((await runCli(tmp.dir, ['--home', homeA(), 'show', runId, '--json'])).stdout);
    const showB = JSON.parse((await runCli(tmp.dir, ['--home', homeB(), 'show', newId, '--json'])).stdout);
    expect(showB.metrics).toEqual(showA.metrics);
    expect(showB.run.config).toEqual(showA.run.config);
    expect(showB.run.tags).toEqual([...showA.run.tags, 'imported'].sort());
    expect(showB.artifacts[0].path).toBe(join(homeB(), 'runs', newId, 'weights.json'));
    expect(existsSync(showB.artifacts[0].path)).toBe(true);
  });

  it('import refuses a tampered bundle, naming the file, and exits 1', async () => {
    const good = join(tmp.dir, 'good.zip');
    expect((await runCli(tmp.dir, ['--home', homeA(), 'export', runId, '--out', good])).code).toBe(0);
    const files = unzipSync(readFileSync(good)) as Zippable;
    const events = Uint8Array.from(files['events.jsonl'] as Uint8Array);
    events[5] ^= 0x01;
    files['events.jsonl'] = events;
    const bad = join(tmp.dir, 'bad.zip');
    writeFileSync(bad, zipSync(files));
    const home = join(tmp.dir, 'c');
    const im = await runCli(tmp.dir, ['--home', home, 'import', bad]);
    expect(im.code).toBe(1);
    expect(im.stderr).toMatch(/benchtop import: .*bad\.zip: 'events\.jsonl' fails verification/);
    expect(JSON.parse((await runCli(tmp.dir, ['--home', home, 'list', '--json'])).stdout)).toEqual([]);
  });

  it('export without a run id is a usage error', async () => {
    const r = await runCli(tmp.dir, ['--home', homeA(), 'export']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected one run id[\s\S]*usage: benchtop export/);
  });
});
