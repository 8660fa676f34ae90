// @vitest-environment happy-dom
/** Browser-mode bundle transfer (download link, XHR upload) and the desktop dialog bridge. */
import { describe, expect, it, vi } from 'vitest';
import {
  bundleDownloadUrl, downloadBundle, findDesktopDialogs, uploadBundle, uploadErrorMessage, type XhrLike,
} from '../../../src/renderer/src/api/bundleTransfer';

/** An XMLHttpRequest stand-in that records the request and answers as scripted. */
class ScriptedXhr implements XhrLike {
  status = 0;
  responseText = '';
  upload: XhrLike['upload'] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  opened: [string, string] | null = null;
  headers: Record<string, string> = {};
  body: Blob | null = null;
  open(method: string, url: string) {
    this.opened = [method, url];
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: Blob) {
    this.body = body;
  }
  answer(status: number, text: string) {
    this.status = status;
    this.responseText = text;
    this.onload?.();
  }
}

const zip = () => new File([new Uint8Array([0x50, 0x4b, 3, 4, 9])], 'my run (1).zip', { type: 'application/zip' });

describe('bundle download', () => {
  it('links to the server route by file name only', () => {
    expect(bundleDownloadUrl('/data/bundles/benchtop-run-a.zip')).toBe('/api/bundles/benchtop-run-a.zip');
    expect(bundleDownloadUrl('C:\\Users\\me\\Benchtop\\bundles\\benchtop-run-a-2.zip')).toBe('/api/bundles/benchtop-run-a-2.zip');
    expect(bundleDownloadUrl('/data/bundles/a b#?.zip')).toBe('/api/bundles/a%20b%23%3F.zip');
  });

  it('clicks a temporary download link and removes it', () => {
    const clicked: { href: string; download: string; attached: boolean }[] = [];
    const spy = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.getAttribute('href')!, download: this.download, attached: document.body.contains(this) });
    });
    try {
      downloadBundle('/data/bundles/benchtop-run-a.zip');
    } finally {
      spy.mockRestore();
    }
    expect(clicked).toEqual([{ href: '/api/bundles/benchtop-run-a.zip', download: 'benchtop-run-a.zip', attached: true }]);
    expect(document.querySelectorAll('a').length).toBe(0);
  });
});

describe('bundle upload', () => {
  it('POSTs the file as application/zip with its name, reports progress and resolves to the run', async () => {
    const xhr = new ScriptedXhr();
    const seen: number[] = [];
    const file = zip();
    const done = uploadBundle(file, (f) => seen.push(f), () => xhr);
    expect(xhr.opened).toEqual(['POST', '/api/bundles/import']);
    expect(xhr.headers).toEqual({ 'Content-Type': 'application/zip', 'X-Benchtop-Filename': 'my%20run%20(1).zip' });
    expect(xhr.body).toBe(file);
    xhr.upload.onprogress!({ lengthComputable: true, loaded: 1, total: 4 });
    xhr.upload.onprogress!({ lengthComputable: false, loaded: 2, total: 0 });
    xhr.upload.onprogress!({ lengthComputable: true, loaded: 4, total: 4 });
    expect(seen).toEqual([0.25, 1]);
    xhr.answer(200, JSON.stringify({ run: { id: 'r9', name: 'x' } }));
    await expect(done).resolves.toEqual({ id: 'r9', name: 'x' });
  });

  it("rejects with the server's own words: JSON errors, plain-text refusals, lost connections", async () => {
    const cases: [number, string, string][] = [
      [422, JSON.stringify({ error: "my run (1).zip: 'metrics.jsonl' fails verification" }), "my run (1).zip: 'metrics.jsonl' fails verification"],
      [413, JSON.stringify({ error: 'the bundle is 9 bytes, more than this server accepts (8 bytes)' }), 'the bundle is 9 bytes, more than this server accepts (8 bytes)'],
      [401, 'Benchtop: this Benchtop server needs its access token: open the full URL\n', 'this Benchtop server needs its access token: open the full URL'],
      [502, '', 'the server answered 502 to the upload'],
      [200, 'not json', 'the server accepted the bundle but its answer could not be read; look for the run in the list'],
    ];
    for (const [status, text, expected] of cases) {
      const xhr = new ScriptedXhr();
      const done = uploadBundle(zip(), undefined, () => xhr);
      xhr.answer(status, text);
      await expect(done, String(status)).rejects.toThrow(expected);
    }
    const lost = new ScriptedXhr();
    const done = uploadBundle(zip(), undefined, () => lost);
    lost.onerror!();
    await expect(done).rejects.toThrow(/the upload of my run \(1\)\.zip did not reach the Benchtop server/);
    expect(uploadErrorMessage(400, '{"error":5}')).toBe('{"error":5}');
  });
});

describe('desktop dialog bridge', () => {
  it('is found only when complete, and unwraps IPC errors', async () => {
    expect(findDesktopDialogs({})).toBeNull();
    expect(findDesktopDialogs({ benchtopDesktop: { saveBundleDialog() {} } })).toBeNull();
    const d = findDesktopDialogs({
      benchtopDesktop: {
        saveBundleDialog: async (n: string) => `/tmp/${n}`,
        openBundleDialog: async () => {
          throw new Error("Error invoking remote method 'benchtop:dialog': Error: refused a dialog request from an unknown page (x)");
        },
        showItemInFolder: async () => undefined,
      },
    })!;
    await expect(d.saveBundleDialog('a.zip')).resolves.toBe('/tmp/a.zip');
    await expect(d.openBundleDialog()).rejects.toThrow(/^refused a dialog request from an unknown page \(x\)$/);
  });
});
