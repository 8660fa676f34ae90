/**
 * Validate before queueing, through the API's createRun and validateConfig (the handlers the
 * WebSocket server and the Electron IPC dispatch to): each bad value is refused with an issue
 * naming its field, and no run record, run folder or event exists afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { OUTPUT_MARKER } from '../../src/engine/model/outputDir';
import { join, resolve } from 'node:path';
import { PRESETS } from '../../src/shared/config/presets';
import { PreflightError, preflightRun } from '../../src/core/preflight';
import { BAD_CONFIGS } from '../support/badConfigs';
import { openTestBackend, tempDir, type TestBackend } from './support/backend';

const REPO = resolve(import.meta.dirname, '..', '..');
let tb: TestBackend;
let scratch: { dir: string; cleanup(): void };
beforeEach(async () => {
  tb = await openTestBackend({ engineChecks: true });
  scratch = tempDir('benchtop-preflight-');
});
afterEach(async () => {
  await tb.close();
  scratch.cleanup();
});

describe('preflight in the API', () => {
  for (const bad of BAD_CONFIGS) {
    it(`createRun refuses ${bad.name} before any run record exists`, async () => {
      const config = bad.make(scratch.dir);
      const err = await tb.backend.handlers.createRun(config).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PreflightError);
      const issue = (err as PreflightError).issues.find((i) => i.path === bad.path);
      expect(issue, JSON.stringify((err as PreflightError).issues)).toBeDefined();
      expect(issue!.message).toMatch(bad.message);
      expect((err as Error).message).toContain(`${bad.path}: `);
      expect(tb.backend.store.runs.list()).toEqual([]);
      expect(tb.events.filter((e) => e.type === 'run')).toEqual([]);
      const runsDir = join(tb.dir, 'runs');
      expect(existsSync(runsDir) ? readdirSync(runsDir) : []).toEqual([]);

      const check = await tb.backend.handlers.validateConfig(config);
      expect(check.ok).toBe(false);
      expect(check.issues.some((i) => i.path === bad.path && bad.message.test(i.message))).toBe(true);
    });
  }

  it('accepts every preset and fills defaults (the checks refuse nothing that runs)', async () => {
    for (const p of PRESETS) {
      const res = await preflightRun(p.config, { dataDir: tb.dir });
      expect(res.issues, p.id).toEqual([]);
      expect(res.ok).toBe(true);
      expect(res.config?.kind).toBe(p.config.kind);
    }
  });

  it('warns (without refusing) when calibration examples would be skipped', async () => {
    const res = await preflightRun(
      { kind: 'prune', model: 'builtin:benchtop-tiny', calibration: { tasks: [{ task: 'word_problems' }, { task: 'arithmetic' }], seq_len: 100 } },
      { dataDir: tb.dir },
    );
    expect(res.ok).toBe(true);
    const w = res.warnings.find((x) => x.path === 'calibration.seq_len');
    expect(w?.message).toMatch(/sampled examples of 'word_problems' \(calibration\.tasks\.0\) are longer than 100/);
  });

  it('a run created with warnings opens its log with them', async () => {
    const run = await tb.backend.handlers.createRun({ kind: 'prune', model: 'builtin:benchtop-tiny', calibration: { tasks: [{ task: 'word_problems' }], seq_len: 100 }, eval: { num_examples: 2 } });
    await tb.backend.handlers.cancelRun(run.id);
    const events = await tb.backend.handlers.getEvents(run.id);
    expect(events.filter((e) => e.level === 'warn').map((e) => e.text)).toEqual([expect.stringMatching(/^preflight: calibration\.seq_len: .*sampled examples of 'word_problems' \(calibration\.tasks\.0\) are longer than 100/)]);
  });

  it('a run that failed before its first step cannot be resumed: the API says to edit it and run again', async () => {
    const { store, handlers } = tb.backend;
    store.runs.create({ id: 'early', kind: 'eval', name: 'early', notes: '', config: { kind: 'eval' }, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
    store.runs.transition('early', 'running', { startedAt: 2 });
    store.runs.transition('early', 'failed', { endedAt: 3, exitReason: 'model: no such folder' });
    await expect(handlers.resumeRun('early')).rejects.toThrow("run 'early' failed before its first step (model: no such folder): there is nothing to resume; edit its config and run it again");
    expect(store.runs.get('early')?.status).toBe('failed');
  });

  it('accepts an output_dir Benchtop wrote a model into before (it carries the marker)', async () => {
    const dir = join(scratch.dir, 'earlier-output');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.safetensors'), 'weights');
    expect((await preflightRun({ kind: 'pretrain', output_dir: dir }, { dataDir: tb.dir })).issues.map((i) => i.path)).toEqual(['output_dir']);
    writeFileSync(join(dir, OUTPUT_MARKER), '');
    expect((await preflightRun({ kind: 'pretrain', output_dir: dir }, { dataDir: tb.dir })).issues).toEqual([]);
  });

  it('sees a tokenizer file change between two checks of the same folder', async () => {
    const dir = join(scratch.dir, 'model');
    cpSync(join(REPO, 'resources', 'models', 'benchtop-tiny'), dir, { recursive: true });
    const config = { kind: 'eval', model: dir, tasks: [{ task: 'arithmetic' }] };
    expect((await preflightRun(config, { dataDir: tb.dir })).ok).toBe(true);
    // Only the tokenizer loader reads tokenizer_config.json: a stale cached tokenizer would miss this.
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: 42 }));
    const res = await preflightRun(config, { dataDir: tb.dir });
    expect(res.issues.find((i) => i.path === 'model')?.message).toMatch(/tokenizer_config\.json: key 'chat_template'/);
  });

  it('skips the engine checks when another executor runs configs, but still checks schema, size and output_dir', async () => {
    const unknownTask = { kind: 'pretrain', data: { tasks: [{ task: 'arithmetic', options: { step_ms: 1 } }] } };
    expect((await preflightRun(unknownTask, { dataDir: tb.dir, engine: false })).ok).toBe(true);
    expect((await preflightRun(unknownTask, { dataDir: tb.dir })).issues.map((i) => i.path)).toEqual(['data.tasks.0.options.step_ms']);
    const out = BAD_CONFIGS.find((b) => b.path === 'output_dir')!;
    const res = await preflightRun(out.make(scratch.dir), { dataDir: tb.dir, engine: false });
    expect(res.issues.map((i) => i.path)).toEqual(['output_dir']);
  });
});
