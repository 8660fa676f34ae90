/**
 * Moving run bundles between the user and the backend, which differs by transport:
 *  - browser mode ('http'): exportRun writes into <data folder>/bundles on the server, then the
 *    page downloads it from GET /api/bundles/<name>; an import uploads the .zip to
 *    POST /api/bundles/import (src/core/server/bundleRoutes.ts). The token cookie set when the
 *    page was opened authenticates both; the page's Origin goes along with the upload.
 *  - Electron ('local'): the backend reads and writes files directly; native save/open dialogs
 *    come from window.benchtopDesktop (src/shared/desktopDialogs.ts) when the preload exposes it.
 */
import type { DesktopDialogs } from '@shared/desktopDialogs';
import { DESKTOP_METHODS } from '@shared/desktopDialogs';
import type { RunRecord } from '@shared/records';
import { unwrapIpcErrorMessage } from './ipcTransport';

export interface HttpBundleTransfer {
  kind: 'http';
  /** Start a browser download of a bundle that exportRun wrote into <data folder>/bundles. */
  download(path: string): void;
  /** Upload a .zip and import it; resolves to the imported run, rejects with the server's
   * message (the importer's own for a damaged or modified bundle). `onProgress` gets the sent
   * fraction, 0…1. */
  upload(file: File, onProgress?: (fraction: number) => void): Promise<RunRecord>;
}

export interface LocalBundleTransfer {
  kind: 'local';
  /** Native dialogs, or null when the preload does not offer them (type a path instead). */
  dialogs: DesktopDialogs | null;
}

export type BundleTransfer = HttpBundleTransfer | LocalBundleTransfer;

export const BUNDLE_UPLOAD_URL = '/api/bundles/import';

/** The file name of a path written by the backend (either separator). */
export function fileNameOf(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Where the server serves a bundle exported into its bundles folder. */
export function bundleDownloadUrl(path: string): string {
  return `/api/bundles/${encodeURIComponent(fileNameOf(path))}`;
}

/** Click a temporary download link (the server answers with Content-Disposition: attachment). */
export function downloadBundle(path: string, doc: Document = document): void {
  const a = doc.createElement('a');
  a.href = bundleDownloadUrl(path);
  a.download = fileNameOf(path);
  a.rel = 'noopener';
  a.style.display = 'none';
  doc.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
  }
}

/** The subset of XMLHttpRequest used (fetch has no upload progress). */
export interface XhrLike {
  status: number;
  responseText: string;
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
}

/** The server's message from a JSON {error} body, or its plain text (auth refusals). */
export function uploadErrorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body?.error === 'string') return body.error;
  } catch {
    /* plain text */
  }
  const plain = text.trim().replace(/^Benchtop:\s*/, '');
  return plain || `the server answered ${status} to the upload`;
}

export function uploadBundle(file: File, onProgress?: (fraction: number) => void, newXhr: () => XhrLike = () => new XMLHttpRequest() as unknown as XhrLike): Promise<RunRecord> {
  return new Promise((resolve, reject) => {
    const xhr = newXhr();
    xhr.open('POST', BUNDLE_UPLOAD_URL);
    // Not a form content type: the server insists on it (another page cannot send it without
    // a CORS preflight, which the server never grants).
    xhr.setRequestHeader('Content-Type', 'application/zip');
    xhr.setRequestHeader('X-Benchtop-Filename', encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status === 200) {
        try {
          const run = (JSON.parse(xhr.responseText) as { run?: RunRecord }).run;
          if (run && typeof run.id === 'string') return resolve(run);
        } catch {
          /* fall through */
        }
        return reject(new Error('the server accepted the bundle but its answer could not be read; look for the run in the list'));
      }
      reject(new Error(uploadErrorMessage(xhr.status, xhr.responseText)));
    };
    xhr.onerror = () =>
      reject(new Error(`the upload of ${file.name} did not reach the Benchtop server (connection lost, or the server refused it before it was sent, e.g. too large)`));
    xhr.onabort = () => reject(new Error(`the upload of ${file.name} was cancelled`));
    xhr.send(file);
  });
}

/** window.benchtopDesktop when the preload exposed it, with the IPC wrapper taken off errors. */
export function findDesktopDialogs(win: unknown): DesktopDialogs | null {
  const d = (win as { benchtopDesktop?: Record<string, unknown> } | undefined)?.benchtopDesktop;
  if (!d || !DESKTOP_METHODS.every((m) => typeof d[m] === 'function')) return null;
  const out: Record<string, unknown> = {};
  for (const m of DESKTOP_METHODS) {
    out[m] = async (...args: unknown[]) => {
      try {
        return await (d[m] as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        throw new Error(unwrapIpcErrorMessage(err instanceof Error ? err.message : String(err)));
      }
    };
  }
  return out as unknown as DesktopDialogs;
}

export function httpBundleTransfer(): HttpBundleTransfer {
  return { kind: 'http', download: (p) => downloadBundle(p), upload: (f, onProgress) => uploadBundle(f, onProgress) };
}
