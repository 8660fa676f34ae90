/**
 * Browser mode (`benchtop serve`): the built renderer over HTTP and the API over a WebSocket at
 * /ws, on a loopback address only, behind a random token (auth.ts). Run bundles are downloaded
 * and uploaded over HTTP (bundleRoutes.ts), behind the same token. Engine work never runs
 * here: runs execute in runner processes, so this event loop stays responsive.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Backend } from '../backend';
import { packageRoot } from '../runner/locate';
import { authorize, newToken, type AuthPolicy } from './auth';
import { DEFAULT_MAX_UPLOAD_BYTES, handleBundleRoute, type BundleRouteContext } from './bundleRoutes';
import { resolveStatic, sendFile } from './staticFiles';
import { handleFrame, pushTo } from './wsApi';
import { createRedactor } from './redact';

export interface ServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Loopback address to bind: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** Folder with the built renderer; default <package>/out/renderer. */
  rendererDir?: string;
  /** Fixed token (tests); default 256 random bits. */
  token?: string;
  /** Largest bundle upload accepted at /api/bundles/import (default 20 GB). */
  maxUploadBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The page's CSP; `wsHost` is the loopback name the page is served from. */
export function contentSecurityPolicy(wsHost = '127.0.0.1'): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${wsHost}:*`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(res: ServerResponse, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // The token is in the page URL: never send it to anyone as a Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(text + '\n');
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const text = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${reason}\n`);
}

export async function startServer(backend: Backend, opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new Error(
      `refusing to listen on ${host}: browser mode serves 127.0.0.1 only. From another machine, forward the port: ssh -L 8080:127.0.0.1:<port> <server>`,
    );
  }
  const rendererDir = opts.rendererDir ?? join(packageRoot(), 'out', 'renderer');
  const token = opts.token ?? newToken();
  const policy: AuthPolicy = { token, allowedHosts: new Set() };
  const clients = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });

  const redact = createRedactor({ dataDir: backend.dataDir, appDir: packageRoot() });
  const bundles: BundleRouteContext = {
    handlers: backend.handlers,
    dataDir: backend.dataDir,
    redact,
    allowedHosts: policy.allowedHosts,
    maxUploadBytes: opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  };

  const csp = contentSecurityPolicy(host === '::1' ? '[::1]' : host);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res, csp);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const auth = authorize(req, url, policy, { websocket: false });
    if (!auth.ok) {
      // An unread upload body is dropped with the connection.
      if (req.method === 'POST') res.setHeader('Connection', 'close');
      return plain(res, auth.status, `Benchtop: ${auth.reason}`);
    }
    if (auth.setCookie) res.setHeader('Set-Cookie', auth.setCookie);
    if (url.pathname.startsWith('/api/')) {
      handleBundleRoute(req, res, url, bundles)
        .then((handled) => {
          if (!handled) plain(res, 404, `Benchtop: no route ${url.pathname}; the API is the WebSocket at /ws`);
        })
        .catch((err: unknown) => {
          if (!res.headersSent) plain(res, 500, `Benchtop: ${redact(err instanceof Error ? err.message : String(err))}`);
          else res.destroy();
        });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'Benchtop: only GET and HEAD are served here; the API is the WebSocket at /ws');
    }
    const found = resolveStatic(rendererDir, url.pathname);
    if (found.kind === 'missing-build') return plain(res, 404, found.message);
    if (found.kind === 'not-found') return plain(res, 404, `Benchtop: no file ${url.pathname}`);
    sendFile(res, found.path, req.method === 'HEAD');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'the Benchtop API is at /ws');
    const auth = authorize(req, url, policy, { websocket: true });
    if (!auth.ok) return refuseUpgrade(socket, auth.status, auth.reason);
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        void handleFrame(ws, backend.handlers, data.toString(), redact);
      });
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
    });
  });

  const unsubscribe = backend.subscribe((e) => {
    for (const ws of clients) pushTo(ws, e);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  for (const h of ['127.0.0.1', 'localhost', '[::1]']) policy.allowedHosts.add(`${h}:${port}`);
  const urlHost = host === '::1' ? '[::1]' : host;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
