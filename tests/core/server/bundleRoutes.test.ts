/**
 * The bundle routes of browser mode over real HTTP: a finished fixture run (forked for real) in
 * data folder A is exported, downloaded from server A, uploaded to server B (a second, empty
 * data folder) and appears there. Around it: the token/cookie is required, names that try to
 * leave <data>/bundles are refused, and uploads that are too big, not zips, from another
 * origin or tampered with are refused without leaving anything behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { startServer, type RunningServer } from '../../../src/core/server/server';
import { bundleNameFromPath } from '../../../src/core/server/bundleRoutes';
import type { RunRecord } from '../../../src/shared/records';
import { fixtureConfig, openTestBackend, tempDir, until, type TestBackend } from '../support/backend';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let a: TestBackend;
let b: TestBackend;
let serverA: RunningServer;
let serverB: RunningServer;
let rendererDir: ReturnType<typeof tempDir>;
let run: RunRecord;
let bundlePath: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request; a server that answers early and closes is fine (the reply is what counts). */
function http(server: RunningServer, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let replied = false;
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      replied = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', (e) => {
      if (!replied) reject(e);
    });
    req.end(body);
  });
}

const cookie = (s: RunningServer) => ({ cookie: `benchtop_token=${s.token}` });
const origin = (s: RunningServer) => ({ origin: `http://127.0.0.1:${s.port}` });
const zipHeaders = (s: RunningServer, body: Buffer, name = 'my-bundle.zip') => ({
  ...cookie(s),
  ...origin(s),
  'content-type': 'application/zip',
  'content-length': String(body.length),
  'x-benchtop-filename': encodeURIComponent(name),
});
const errorOf = (r: Reply) => (JSON.parse(r.body.toString('utf8')) as { error: string }).error;
const incoming = (tb: TestBackend) => {
  const d = join(tb.dir, 'bundles', 'incoming');
  return existsSync(d) ? readdirSync(d) : [];
};

beforeAll(async () => {
  rendererDir = tempDir('benchtop-renderer-');
  writeFileSync(join(rendererDir.dir, 'index.html'), '<!doctype html><title>Benchtop</title>');
  a = await openTestBackend();
  b = await openTestBackend();
  serverA = await startServer(a.backend, { rendererDir: rendererDir.dir });
  serverB = await startServer(b.backend, { rendererDir: rendererDir.dir });
  const created = await a.backend.handlers.createRun(fixtureConfig(8, { samples_every: 4 }, { name: 'download me', tags: ['t1'] }));
  run = await until(() => {
    const r = a.backend.store.runs.get(created.id);
    return r && r.status === 'succeeded' ? r : null;
  }, 30_000, 'the fixture run to succeed');
  bundlePath = await a.backend.handlers.exportRun(run.id);
});

afterAll(async () => {
  await serverA?.close();
  await serverB?.close();
  await a?.close();
  await b?.close();
  rendererDir?.cleanup();
});

describe('bundle download route', () => {
  it('needs the token or its cookie', async () => {
    const name = basename(bundlePath);
    expect((await http(serverA, 'GET', `/api/bundles/${name}`)).status).toBe(401);
    expect((await http(serverA, 'GET', `/api/bundles/${name}`, { cookie: 'benchtop_token=wrong' })).status).toBe(401);
    // The Host check still applies (DNS rebinding).
    expect((await http(serverA, 'GET', `/api/bundles/${name}`, { ...cookie(serverA), host: 'evil.example' })).status).toBe(403);
    expect((await http(serverA, 'GET', `/api/bundles/${name}?token=${serverA.token}`)).status).toBe(200);
  });

  it('serves an exported bundle as an attachment, byte for byte', async () => {
    const name = basename(bundlePath);
    expect(bundlePath).toBe(join(a.dir, 'bundles', `benchtop-run-${run.id}.zip`));
    const r = await http(serverA, 'GET', `/api/bundles/${encodeURIComponent(name)}`, cookie(serverA));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${name}"`);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(sha(r.body)).toBe(sha(readFileSync(bundlePath)));
    const manifest = JSON.parse(strFromU8(unzipSync(r.body)['manifest.json'])) as { files: { path: string }[]; run: { id: string } };
    expect(manifest.run.id).toBe(run.id);
    expect(manifest.files.map((f) => f.path)).toContain('config.yaml');
    const head = await http(serverA, 'HEAD', `/api/bundles/${name}`, cookie(serverA));
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(readFileSync(bundlePath).length);
    expect(head.body.length).toBe(0);
  });

  it('refuses names that try to leave the bundles folder, symlinks, and other sites', async () => {
    // Real files just outside bundles/ that a traversal would reach.
    writeFileSync(join(a.dir, 'secret.zip'), 'PK\x03\x04 not for download');
    mkdirSync(join(a.dir, 'bundles', 'incoming'), { recursive: true });
    writeFileSync(join(a.dir, 'bundles', 'incoming', 'upload.zip'), 'PK\x03\x04 half an upload');
    writeFileSync(join(a.dir, 'bundles', '.x.zip.partial-1'), 'partial');
    symlinkSync(join(a.dir, 'secret.zip'), join(a.dir, 'bundles', 'link.zip'));
    const tries = [
      '/api/bundles/..%2fsecret.zip',
      '/api/bundles/%2e%2e%2fsecret.zip',
      '/api/bundles/..%5csecret.zip',
      '/api/bundles/%2e%2e%2f%2e%2e%2fbenchtop.db',
      '/api/bundles/..%252fsecret.zip',
      `/api/bundles/${encodeURIComponent(join(a.dir, 'secret.zip'))}`,
      '/api/bundles/incoming%2fupload.zip',
      '/api/bundles/incoming/upload.zip',
      '/api/bundles/.x.zip.partial-1',
      '/api/bundles/link.zip',
      '/api/bundles/benchtop.db',
      '/api/bundles/%00.zip',
      '/api/bundles/missing.zip',
      '/api/bundles/',
    ];
    for (const p of tries) {
      const r = await http(serverA, 'GET', p, cookie(serverA));
      expect(r.status, p).toBe(404);
      expect(r.body.toString('utf8'), p).not.toContain('not for download');
      expect(r.body.toString('utf8'), p).not.toContain('half an upload');
    }
    // The URL parser folds plain ../ before routing: it lands outside /api/bundles/.
    const dots = await http(serverA, 'GET', '/api/bundles/../../secret.zip', cookie(serverA));
    expect(dots.status).toBe(404);
    expect(dots.body.toString('utf8')).not.toContain('not for download');
    expect(bundleNameFromPath('/api/bundles/benchtop-run-abc-2.zip')).toBe('benchtop-run-abc-2.zip');
    expect(bundleNameFromPath('/api/bundles/a..zip')).toBeNull();
    // A link on another local page (same-site: the cookie would go along) is refused.
    const name = basename(bundlePath);
    expect((await http(serverA, 'GET', `/api/bundles/${name}`, { ...cookie(serverA), 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await http(serverA, 'GET', `/api/bundles/${name}`, { ...cookie(serverA), 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await http(serverA, 'DELETE', `/api/bundles/${name}`, cookie(serverA))).status).toBe(405);
    expect(existsSync(bundlePath)).toBe(true);
  });
});

describe('bundle upload route', () => {
  it('needs the token, the page\'s own Origin and a zip content type', async () => {
    const body = readFileSync(bundlePath);
    const h = zipHeaders(serverB, body);
    const noAuth = { ...h, cookie: '' };
    expect((await http(serverB, 'POST', '/api/bundles/import', noAuth, body)).status).toBe(401);
    const noOrigin: Record<string, string> = { ...h };
    delete noOrigin.origin;
    expect((await http(serverB, 'POST', '/api/bundles/import', noOrigin, body)).status).toBe(403);
    const other = await http(serverB, 'POST', '/api/bundles/import', { ...h, origin: 'http://127.0.0.1:9' }, body);
    expect(other.status).toBe(403);
    expect(errorOf(other)).toMatch(/must come from the Benchtop page/);
    expect((await http(serverB, 'POST', '/api/bundles/import', { ...h, 'sec-fetch-site': 'same-site' }, body)).status).toBe(403);
    // A plain HTML form can only send these types; they never reach the importer.
    for (const type of ['multipart/form-data; boundary=x', 'text/plain', 'application/x-www-form-urlencoded']) {
      expect((await http(serverB, 'POST', '/api/bundles/import', { ...h, 'content-type': type }, body)).status, type).toBe(415);
    }
    expect((await http(serverB, 'GET', '/api/bundles/import', cookie(serverB))).status).toBe(405);
    expect(b.backend.store.runs.list({})).toEqual([]);
    expect(incoming(b)).toEqual([]);
  });

  it('refuses a file that is not a zip, keeping nothing', async () => {
    const body = Buffer.from('kind: pretrain\nname: not a bundle\n');
    const r = await http(serverB, 'POST', '/api/bundles/import', zipHeaders(serverB, body, 'notes.zip'), body);
    expect(r.status).toBe(415);
    expect(errorOf(r)).toMatch(/not a \.zip file/);
    expect(incoming(b)).toEqual([]);
    expect(b.backend.store.runs.list({})).toEqual([]);
  });

  it('refuses an upload over the size cap before reading it', async () => {
    const body = readFileSync(bundlePath);
    const small = await startServer(b.backend, { rendererDir: rendererDir.dir, maxUploadBytes: body.length - 1 });
    try {
      const r = await http(small, 'POST', '/api/bundles/import', zipHeaders(small, body), body);
      expect(r.status).toBe(413);
      expect(errorOf(r)).toContain(`more than this server accepts (${body.length - 1} bytes)`);
    } finally {
      await small.close();
    }
    expect(incoming(b)).toEqual([]);
    expect(b.backend.store.runs.list({})).toEqual([]);
  });

  it('shows the importer\'s refusal of a tampered bundle, naming the uploaded file', async () => {
    const files = unzipSync(readFileSync(bundlePath));
    const text = strFromU8(files['metrics.jsonl']);
    const i = text.search(/"value":\d/) + '"value":'.length;
    const changed = text.slice(0, i) + String((Number(text[i]) + 1) % 10) + text.slice(i + 1);
    expect(changed.length).toBe(text.length);
    files['metrics.jsonl'] = strToU8(changed);
    const body = Buffer.from(zipSync(files));
    const r = await http(serverB, 'POST', '/api/bundles/import', zipHeaders(serverB, body, 'tampered run.zip'), body);
    expect(r.status).toBe(422);
    const msg = errorOf(r);
    expect(msg).toMatch(/^tampered run\.zip: 'metrics\.jsonl' fails verification: sha256 [0-9a-f]{64} differs/);
    expect(msg).not.toContain(b.dir);
    expect(incoming(b)).toEqual([]);
    expect(b.backend.store.runs.list({})).toEqual([]);
  });

  it('round trip: download from A, upload to B, the run appears in B tagged imported', async () => {
    const name = basename(bundlePath);
    const downloaded = (await http(serverA, 'GET', `/api/bundles/${name}`, cookie(serverA))).body;
    const pushed: string[] = [];
    const off = b.backend.subscribe((e) => {
      if (e.type === 'run') pushed.push(e.run.id);
    });
    // A cap of exactly the bundle's size lets it through.
    const exact = await startServer(b.backend, { rendererDir: rendererDir.dir, maxUploadBytes: downloaded.length });
    let r: Reply;
    try {
      r = await http(exact, 'POST', '/api/bundles/import', zipHeaders(exact, downloaded, name), downloaded);
    } finally {
      off();
      await exact.close();
    }
    expect(r.status, r.body.toString('utf8')).toBe(200);
    const got = (JSON.parse(r.body.toString('utf8')) as { run: RunRecord }).run;
    expect(got.id).toBe(run.id); // free in B: the bundle's id is kept
    expect(got.status).toBe('succeeded');
    expect([...got.tags].sort()).toEqual(['imported', 't1']);
    expect(pushed).toContain(got.id);
    const listed = await b.backend.handlers.listRuns();
    expect(listed.map((x) => x.id)).toEqual([run.id]);
    expect(listed[0].config).toEqual(run.config);
    const loss = (s: TestBackend) => s.backend.store.telemetry.metricPoints(run.id, 'loss').map((p) => [p.step, p.value]);
    expect(loss(b)).toEqual(loss(a));
    expect(loss(b)).toHaveLength(8);
    const events = await b.backend.handlers.getEvents(run.id, { limit: 1000 });
    expect(events.at(-1)!.text).toMatch(new RegExp(`imported from .*bundles/incoming/benchtop-run-${run.id}-[0-9a-f]{8}\\.zip`));
    // The uploaded copy is not kept once the run holds the files.
    expect(incoming(b)).toEqual([]);
  });
});
