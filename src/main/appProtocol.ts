/**
 * The `app://` protocol the desktop window loads its pages from (instead of file://): only the
 * built renderer folder is reachable, every response carries the strict CSP as a header, and a
 * page cannot read other local files through relative URLs. The mapping from URL to file is
 * plain data here so it is tested without an Electron binary; index.ts registers the handler.
 */
import { extname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { CONTENT_TYPES } from '../core/server/staticFiles';
import { securityHeaders } from './security';

export const APP_SCHEME = 'app';
export const APP_HOST = 'benchtop';
/** The page the window opens. */
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;


export type AppResolution = { kind: 'file'; path: string; headers: Record<string, string> } | { kind: 'refused'; status: 400 | 404; reason: string };

/**
 * Map an app:// URL to a file under `rendererRoot`. Refused: other schemes or hosts, undecodable
 * or NUL-carrying paths, anything that would leave the folder (`..`, encoded slashes or
 * backslashes, absolute paths). Paths without an extension are client-side routes → index.html.
 */
export function resolveAppUrl(rendererRoot: string, url: string): AppResolution {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: 'refused', status: 400, reason: 'not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { kind: 'refused', status: 404, reason: `not an ${APP_SCHEME}://${APP_HOST}/ URL` };
  let decoded: string;
  try {
    decoded = decodeURIComponent(u.pathname);
  } catch {
    return { kind: 'refused', status: 400, reason: 'undecodable path' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused', status: 400, reason: 'forbidden character in path' };
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.')) return { kind: 'refused', status: 404, reason: 'path leaves the app folder' };
  const rel = parts.length === 0 || extname(decoded) === '' ? 'index.html' : parts.join('/');
  const candidate = normalize(join(rendererRoot, rel));
  const back = relative(rendererRoot, candidate);
  if (back === '' || isAbsolute(back) || back.split(sep).includes('..')) return { kind: 'refused', status: 404, reason: 'path leaves the app folder' };
  const type = CONTENT_TYPES[extname(candidate).toLowerCase()] ?? 'application/octet-stream';
  return { kind: 'file', path: candidate, headers: { 'Content-Type': type, ...securityHeaders() } };
}
