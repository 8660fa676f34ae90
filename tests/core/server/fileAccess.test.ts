/**
 * Browser mode's file boundary: the API reads and writes only the data folder, the shipped
 * models and folders `serve --allow-dir` named (symbolic links resolved first), and error
 * messages sent to the page carry no server paths the caller did not send itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../src/core/server/server';
import { createRedactor } from '../../../src/core/server/redact';
import type { WsServerFrame } from '../../../src/shared/api';
import { openTestBackend, tempDir, type TestBackend } from '../support/backend';

let tb: TestBackend;
let outside: { dir: string; cleanup(): void };
beforeEach(async () => {
  tb = await openTestBackend({ execute: false, allowDirs: [] });
  outside = tempDir('benchtop-outside-');
  tb.backend.store.runs.create({ id: 'run-1', kind: 'eval', name: 'r', notes: '', config: { kind: 'eval' }, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
});
afterEach(async () => {
  await tb.close();
  outside.cleanup();
});

const QA = { prompt: 'q', answer: 'a' };
const refusal = /is outside the folders this server may (read|write): the data folder and the folders allowed when it was started \(benchtop serve --allow-dir DIR\)/;
const fails = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e);

describe('browser mode: files the API may touch', () => {
  it('reads JSONL files and models only inside the data folder (or an allowed folder)', async () => {
    const h = tb.backend.handlers;
    const secret = join(outside.dir, 'secret.jsonl');
    writeFileSync(secret, '{"q": "private", "a": "x"}\n');
    for (const call of [h.inspectJsonl(secret, QA), h.importDataset(secret, QA, 'stolen'), h.inspectJsonl('/etc/passwd'), h.addModel(outside.dir), h.importBundle(join(outside.dir, 'b.zip'))]) {
      const err = await fails(call);
      expect(err?.message).toMatch(refusal);
    }
    expect(await h.listDatasets()).toEqual(expect.not.arrayContaining([expect.objectContaining({ id: 'stolen' })]));

    const mine = join(tb.dir, 'imports', 'mine.jsonl');
    mkdirSync(join(tb.dir, 'imports'));
    writeFileSync(mine, '{"q": "1+1", "a": "2"}\n');
    expect((await h.inspectJsonl(mine, QA)).examples).toHaveLength(1);

    // A link inside the data folder that leads outside is followed before the check.
    const link = join(tb.dir, 'imports', 'link.jsonl');
    symlinkSync(secret, link);
    expect((await fails(h.inspectJsonl(link, QA)))?.message).toMatch(refusal);
    unlinkSync(link);
  });

  it('writes bundles only inside the data folder', async () => {
    const h = tb.backend.handlers;
    const target = join(outside.dir, 'anywhere.zip');
    expect((await fails(h.exportRun('run-1', { out: target })))?.message).toMatch(refusal);
    expect(readdirSync(outside.dir)).toEqual([]);
    const escape = join(tb.dir, '..', `${outside.dir.split('/').pop()}`, 'climb.zip');
    expect((await fails(h.exportRun('run-1', { out: escape })))?.message).toMatch(refusal);
    expect(existsSync(join(outside.dir, 'climb.zip'))).toBe(false);
    mkdirSync(join(tb.dir, 'exports'));
    const inside = await h.exportRun('run-1', { out: join(tb.dir, 'exports', 'ok.zip') });
    expect(existsSync(inside)).toBe(true);
    expect((await h.exportRun('run-1')).startsWith(join(tb.dir, 'bundles'))).toBe(true);
  });

  it('run configs may point only into the same folders: model folders to read, output_dir to write', async () => {
    const checked = await openTestBackend({ execute: false, allowDirs: [], engineChecks: true });
    try {
      const h = checked.backend.handlers;
      const out = await fails(h.createRun({ kind: 'pretrain', output_dir: join(outside.dir, 'new-model') }));
      expect(out?.message).toMatch(/output_dir: '.*new-model' is outside the folders this server may write/);
      const model = await fails(h.createRun({ kind: 'eval', model: outside.dir, tasks: [{ task: 'arithmetic' }] }));
      expect(model?.message).toMatch(/model: '.*' is outside the folders this server may read/);
      // The shipped model and run-relative output folders stay usable.
      const ok = await h.validateConfig({ kind: 'eval', model: 'builtin:benchtop-tiny', tasks: [{ task: 'arithmetic' }] });
      expect(ok.issues).toEqual([]);
      expect((await h.validateConfig({ kind: 'pretrain', output_dir: 'model-copy' })).ok).toBe(true);
      expect(checked.backend.store.runs.list()).toEqual([]);
    } finally {
      await checked.close();
    }
  });

  it('allows folders serve was told to allow, and leaves the CLI and the desktop app unlimited', async () => {
    const allowed = await openTestBackend({ execute: false, allowDirs: [outside.dir] });
    const cli = await openTestBackend({ execute: false, allowDirs: [], mode: 'cli' });
    try {
      const f = join(outside.dir, 'ok.jsonl');
      writeFileSync(f, '{"q": "1", "a": "2"}\n');
      expect((await allowed.backend.handlers.inspectJsonl(f, QA)).examples).toHaveLength(1);
      expect((await cli.backend.handlers.inspectJsonl(f, QA)).examples).toHaveLength(1);
    } finally {
      await allowed.close();
      await cli.close();
    }
  });
});

describe('browser mode: no server paths in error messages', () => {
  it('names the data, temp and home folders instead of giving their location, but keeps what the caller sent', () => {
    const redact = createRedactor({ dataDir: '/srv/benchtop-data', appDir: '/opt/benchtop' });
    expect(redact("dataset 'x': its data file /srv/benchtop-data/datasets/x.jsonl is missing")).toBe("dataset 'x': its data file <data folder>/datasets/x.jsonl is missing");
    expect(redact('cannot load /opt/benchtop/resources/models/a')).toBe('cannot load <app folder>/resources/models/a');
    expect(redact(`saved to ${join(tmpdir(), 'u.zip')}`)).toBe(`saved to ${join('<temp folder>', 'u.zip')}`);
    expect(redact(`${join(homedir(), 'm')}: bad`)).toBe(`${join('~', 'm')}: bad`);
    expect(redact('/srv/benchtop-data/models/m/config.json: not valid JSON', ['/srv/benchtop-data/models/m'])).toBe('/srv/benchtop-data/models/m/config.json: not valid JSON');
  });

  it('over the WebSocket: an error about a file the caller never named shows no server path', async () => {
    const server: RunningServer = await startServer(tb.backend, { rendererDir: outside.dir });
    try {
      const src = join(tb.dir, 'src.jsonl');
      writeFileSync(src, '{"q": "1+1", "a": "2"}\n');
      const entry = await tb.backend.handlers.importDataset(src, QA, 'gone');
      rmSync(entry.path!);
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { headers: { origin: `http://127.0.0.1:${server.port}` } });
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      const reply = await new Promise<WsServerFrame>((resolve) => {
        ws.on('message', (d) => {
          const f = JSON.parse(String(d)) as WsServerFrame;
          if ('id' in f && f.id === 7) resolve(f);
        });
        ws.send(JSON.stringify({ id: 7, method: 'previewDataset', args: ['gone'] }));
      });
      ws.close();
      expect(reply).toMatchObject({ ok: false });
      const error = (reply as { error: string }).error;
      expect(error).toBe("dataset 'gone': its data file <data folder>/datasets/gone.jsonl is missing; import it again");
      expect(error).not.toContain(tb.dir);
    } finally {
      await server.close();
    }
  });
});
