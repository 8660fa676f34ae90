/** Serving the built renderer (out/renderer) with safe paths and content types. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, join, normalize, relative, sep } from 'node:path';

/** Content types of the files a built renderer holds (browser mode and the desktop app:// protocol). */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export type StaticResult = { kind: 'file'; path: string } | { kind: 'missing-build'; message: string } | { kind: 'not-found' };

/** Map a URL path to a file under `root`; paths without an extension fall back to index.html
 * (client-side routes); nothing outside `root` is ever served. */
export function resolveStatic(root: string, urlPath: string): StaticResult {
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    return {
      kind: 'missing-build',
      message: `Benchtop's browser UI is not built (no ${index}). Run \`npm run build\`, then start \`benchtop serve\` again.`,
    };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'not-found' };
  }
  if (decoded.includes('\0')) return { kind: 'not-found' };
  const candidate = normalize(join(root, decoded));
  const rel = relative(root, candidate);
  if (isAbsolute(rel) || rel.split(sep).includes('..')) return { kind: 'not-found' };
  if (existsSync(candidate) && statSync(candidate).isFile()) return { kind: 'file', path: candidate };
  if (decoded === '/' || extname(decoded) === '') return { kind: 'file', path: index };
  return { kind: 'not-found' };
}

export function sendFile(res: ServerResponse, path: string, head: boolean): void {
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', statSync(path).size);
  // index.html carries no hash in its name; assets built by Vite do.
  res.setHeader('Cache-Control', path.endsWith('index.html') ? 'no-store' : 'public, max-age=3600');
  if (head) {
    res.end();
    return;
  }
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}
