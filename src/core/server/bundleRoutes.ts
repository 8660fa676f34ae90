/**
 * Browser mode's two HTTP routes for run bundles (the rest of the API is the WebSocket):
 *
 *   GET|HEAD /api/bundles/<name>.zip  download a bundle written by exportRun into
 *                                     <data folder>/bundles (by bare name only)
 *   POST     /api/bundles/import      upload a bundle (raw .zip body), saved under
 *                                     <data folder>/bundles/incoming, then importBundle
 *
 * Both run after authorize() (token/cookie, Host). The upload also needs a same-origin Origin
 * and Content-Type application/zip: another page on 127.0.0.1 is same-site, so the SameSite
 * cookie alone would not stop it from posting, and a non-form content type forces a CORS
 * preflight that this server never answers.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, statfsSync, type WriteStream } from 'node:fs';
import { lstat, realpath, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join, sep } from 'node:path';
import type { ApiHandlers } from '../../shared/api';
import type { Redactor } from './redact';

export const BUNDLE_ROUTE_PREFIX = '/api/bundles/';
export const BUNDLE_UPLOAD_PATH = '/api/bundles/import';
/** Largest upload accepted by default; an import unpacks to at most this much as well. */
export const DEFAULT_MAX_UPLOAD_BYTES = 20e9;
/** A bundle's name: what exportRun writes by default (benchtop-run-<id>[-n].zip) or any other
 * plain file name; no separators, no leading dot (partial files), nothing to decode further. */
const BUNDLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.zip$/;
/** Every zip with at least one file starts with a local file header. */
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export interface BundleRouteContext {
  handlers: Pick<ApiHandlers, 'importBundle'>;
  dataDir: string;
  /** host:port values this server answers to (also the allowed Origins, as http://host:port). */
  allowedHosts: Set<string>;
  maxUploadBytes: number;
  /** Takes the server's own paths out of error messages (default: none). */
  redact?: Redactor;
}

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(JSON.stringify(body));
}

const fail = (ctx: BundleRouteContext, res: ServerResponse, status: number, error: string, extra?: Record<string, string>) =>
  json(res, status, { error: ctx.redact ? ctx.redact(error) : error }, extra);

/** The bare name in /api/bundles/<name>, or null for anything that is not one. */
export function bundleNameFromPath(pathname: string): string | null {
  if (!pathname.startsWith(BUNDLE_ROUTE_PREFIX)) return null;
  let name: string;
  try {
    name = decodeURIComponent(pathname.slice(BUNDLE_ROUTE_PREFIX.length));
  } catch {
    return null;
  }
  return BUNDLE_NAME.test(name) && !name.includes('..') ? name : null;
}

/** A name for the uploaded copy that keeps the user's file name recognisable (it appears in
 * the imported run's event log) and cannot collide. */
function incomingName(original: string | null): string {
  const stem = (original ?? 'upload')
    .replace(/\.zip$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 80);
  return `${stem || 'upload'}-${randomBytes(4).toString('hex')}.zip`;
}

/** Handle a request under /api/; returns false when the path is not one of ours. */
export async function handleBundleRoute(req: IncomingMessage, res: ServerResponse, url: URL, ctx: BundleRouteContext): Promise<boolean> {
  if (!url.pathname.startsWith(BUNDLE_ROUTE_PREFIX)) return false;
  if (url.pathname === BUNDLE_UPLOAD_PATH) {
    if (req.method !== 'POST') {
      fail(ctx, res, 405, 'POST a bundle (.zip) to /api/bundles/import', { Allow: 'POST' });
      return true;
    }
    await upload(req, res, ctx);
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    fail(ctx, res, 405, 'bundles are downloaded with GET', { Allow: 'GET, HEAD' });
    return true;
  }
  await download(req, res, url, ctx);
  return true;
}

async function download(req: IncomingMessage, res: ServerResponse, url: URL, ctx: BundleRouteContext): Promise<void> {
  // A link from another local page would be same-site and carry the cookie; only the app's
  // own page (or the address bar, 'none') may start a download.
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return fail(ctx, res, 403, `bundle download from another site (${site}) refused`);
  const name = bundleNameFromPath(url.pathname);
  if (!name) return fail(ctx, res, 404, 'no such bundle: expected /api/bundles/<name>.zip, a file exported into the data folder\'s bundles folder');
  const dir = join(ctx.dataDir, 'bundles');
  const file = join(dir, name);
  const st = await lstat(file).catch(() => null);
  // lstat: a symbolic link planted in bundles/ is not followed anywhere.
  if (!st || !st.isFile()) return fail(ctx, res, 404, `no bundle named ${name} in the data folder's bundles folder`);
  const [realDir, realFile] = await Promise.all([realpath(dir), realpath(file)]);
  if (!realFile.startsWith(realDir + sep)) return fail(ctx, res, 404, `no bundle named ${name} in the data folder's bundles folder`);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Length', st.size);
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(realFile)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Why the upload request itself is refused, before reading its body; null when acceptable. */
function uploadRefusal(req: IncomingMessage, ctx: BundleRouteContext): { status: number; error: string } | null {
  const origin = req.headers.origin;
  if (origin === undefined || !/^http:\/\//.test(origin) || !ctx.allowedHosts.has(origin.slice('http://'.length).toLowerCase())) {
    return { status: 403, error: `bundle upload refused: it must come from the Benchtop page itself (Origin ${origin ?? 'missing'})` };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return { status: 403, error: `bundle upload from another site (${site}) refused` };
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/zip') return { status: 415, error: `expected a .zip bundle sent as Content-Type application/zip, got '${type || 'none'}'` };
  const lengthHeader = req.headers['content-length'];
  if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader)) return { status: 411, error: 'bundle upload needs a Content-Length' };
  const length = Number(lengthHeader);
  if (length > ctx.maxUploadBytes) {
    return { status: 413, error: `the bundle is ${length} bytes, more than this server accepts (${ctx.maxUploadBytes} bytes)` };
  }
  if (length < ZIP_MAGIC.length) return { status: 415, error: 'the upload is not a .zip file (too short)' };
  return null;
}

async function upload(req: IncomingMessage, res: ServerResponse, ctx: BundleRouteContext): Promise<void> {
  const refused = uploadRefusal(req, ctx);
  if (refused) {
    // Node discards the rest of the body after the response; close rather than keep it alive.
    return fail(ctx, res, refused.status, refused.error, { Connection: 'close' });
  }
  const length = Number(req.headers['content-length']);
  const original = decodeFileName(req.headers['x-benchtop-filename']);
  const incoming = join(ctx.dataDir, 'bundles', 'incoming');
  mkdirSync(incoming, { recursive: true });
  const free = statfsSync(incoming);
  if (free.bavail * free.bsize < length) {
    return fail(ctx, res, 507, `not enough free disk space in ${incoming} for a ${length}-byte bundle`, { Connection: 'close' });
  }
  const file = join(incoming, incomingName(original));
  const saved = await receive(req, file, ctx.maxUploadBytes);
  if (!saved.ok) {
    await rm(file, { force: true });
    if (saved.status === 0) return; // the client went away
    return fail(ctx, res, saved.status, saved.error, { Connection: 'close' });
  }
  let reply: { status: number; body: unknown };
  try {
    reply = { status: 200, body: { run: await ctx.handlers.importBundle(file) } };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // The saved copy's path means nothing to the person who uploaded the file: name theirs.
    reply = { status: 422, body: { error: (ctx.redact ?? ((m: string) => m))(msg.split(file).join(original ?? 'the upload').split(basename(file)).join(original ?? 'the upload')) } };
  }
  // The run holds its own copy of every file now (or nothing was imported): the upload goes.
  await rm(file, { force: true });
  json(res, reply.status, reply.body);
}

function decodeFileName(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string' || !header) return null;
  try {
    const name = decodeURIComponent(header).split(/[\\/]/).pop() ?? '';
    // Only used in messages and the saved copy's name (sanitised there).
    return name && name.length <= 255 && !/[\x00-\x1f]/.test(name) ? name : null;
  } catch {
    return null;
  }
}

type Received = { ok: true } | { ok: false; status: number; error: string };

/** Stream the body to `file` ('wx': never over anything), refusing it when it does not start
 * like a zip or grows past the cap. */
function receive(req: IncomingMessage, file: string, cap: number): Promise<Received> {
  return new Promise((resolve) => {
    let out: WriteStream | null = null;
    let head = Buffer.alloc(0);
    let total = 0;
    let settled = false;
    const finish = (r: Received) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (!r.ok) req.resume(); // drain what is left so the response can be read
      if (out) {
        const o = out;
        if (r.ok) o.end(() => resolve(r));
        else {
          o.once('close', () => resolve(r));
          o.destroy();
        }
      } else resolve(r);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > cap) return finish({ ok: false, status: 413, error: `the bundle is larger than this server accepts (${cap} bytes)` });
      if (!out) {
        head = Buffer.concat([head, chunk]);
        if (head.length < ZIP_MAGIC.length) return;
        if (!head.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) {
          return finish({ ok: false, status: 415, error: 'the upload is not a .zip file (it does not start with a zip header)' });
        }
        out = createWriteStream(file, { flags: 'wx' });
        out.on('error', (err) => finish({ ok: false, status: 500, error: `could not save the upload to ${file}: ${err.message}` }));
        chunk = head;
      }
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!out) return finish({ ok: false, status: 415, error: 'the upload is not a .zip file (too short)' });
      finish({ ok: true });
    });
    // 'close' without a complete body: the client went away mid-upload.
    req.once('close', () => {
      if (!req.complete) finish({ ok: false, status: 0, error: 'aborted' });
    });
    req.once('error', () => finish({ ok: false, status: 0, error: 'aborted' }));
  });
}
