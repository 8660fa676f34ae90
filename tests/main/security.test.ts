import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  isAllowedAppUrl,
  mainWindowOptions,
  withSecurityHeaders,
} from '../../src/main/security';
import { createInvokeDispatcher } from '../../src/main/ipc';
import type { ApiHandlers } from '../../src/shared/api';

function cspDirectives(csp: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) m.set(name, values);
  }
  return m;
}

describe('BrowserWindow hardening', () => {
  const opts = mainWindowOptions('/app/out/preload/index.cjs');
  it('isolates the renderer: context isolation, sandbox, no Node integration', () => {
    const wp = opts.webPreferences;
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.nodeIntegrationInWorker).toBe(false);
    expect(wp.nodeIntegrationInSubFrames).toBe(false);
    expect(wp.webSecurity).toBe(true);
    expect(wp.allowRunningInsecureContent).toBe(false);
    expect(wp.webviewTag).toBe(false);
    expect(wp.preload).toBe('/app/out/preload/index.cjs');
  });
});

describe('content security policy', () => {
  const d = cspDirectives(CONTENT_SECURITY_POLICY);
  it('allows only the app itself to provide scripts, and no eval or inline script', () => {
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/);
    expect(d.get('script-src')).not.toContain("'unsafe-inline'");
  });
  it('forbids plugins, base rewriting, framing and remote connections', () => {
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    for (const values of d.values()) {
      for (const v of values) expect(v).not.toMatch(/^(https?:|\*|data:.*script)/);
    }
  });
  it('is set on every response, replacing any CSP the response carried', () => {
    const h = withSecurityHeaders({ 'content-security-policy': ["default-src *"], 'X-Other': 'a' });
    expect(h['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(h['content-security-policy']).toBeUndefined();
    expect(h['X-Other']).toEqual(['a']);
    expect(h['X-Content-Type-Options']).toEqual(['nosniff']);
  });
  it('matches the meta CSP shipped in the renderer page when it exists', async () => {
    const { readFile } = await import('node:fs/promises');
    const html = await readFile('src/renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta, 'src/renderer/index.html must carry a CSP meta tag').not.toBeNull();
    const md = cspDirectives(meta![1]);
    expect(md.get('script-src')).toEqual(["'self'"]);
    expect(md.get('style-src')).toEqual(["'self'"]);
    expect(md.get('object-src')).toEqual(["'none'"]);
    // WebSocket only to the page's own origin (the `benchtop serve` port): no ws:// wildcard.
    expect(md.get('connect-src')).toEqual(["'self'"]);
    expect(meta![1]).not.toMatch(/unsafe-eval|unsafe-inline|\*/);
  });
});

describe('allowed app URLs', () => {
  it('accepts the app:// pages and refuses everything else, file:// included', () => {
    expect(isAllowedAppUrl('app://benchtop/index.html#/runs')).toBe(true);
    expect(isAllowedAppUrl('file:///opt/benchtop/out/renderer/index.html#/runs')).toBe(false);
    expect(isAllowedAppUrl('app://evil/index.html')).toBe(false);
    expect(isAllowedAppUrl('https://example.com/')).toBe(false);
    expect(isAllowedAppUrl('not a url')).toBe(false);
    expect(isAllowedAppUrl('http://localhost:5173/#/runs', 'http://localhost:5173')).toBe(true);
    expect(isAllowedAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });
});

describe('IPC dispatcher', () => {
  const calls: unknown[][] = [];
  const handlers = {
    getRun: async (id: string) => {
      calls.push(['getRun', id]);
      return null;
    },
  } as unknown as ApiHandlers;
  const dispatch = createInvokeDispatcher(handlers, (url) => url.startsWith('file:///app/'));

  it('calls the handler with validated arguments', async () => {
    await expect(dispatch({ url: 'file:///app/index.html' }, 'getRun', ['r1'])).resolves.toBeNull();
    expect(calls).toEqual([['getRun', 'r1']]);
  });
  it('refuses calls from pages that are not the app', async () => {
    await expect(dispatch({ url: 'https://evil.test/' }, 'getRun', ['r1'])).rejects.toThrow(/unknown page/);
  });
  it('refuses unknown methods and bad arguments, naming them', async () => {
    await expect(dispatch({ url: 'file:///app/i.html' }, 'eval', [])).rejects.toThrow(/unknown API method 'eval'/);
    await expect(dispatch({ url: 'file:///app/i.html' }, 'getRun', [42])).rejects.toThrow(/getRun argument 0/);
    await expect(dispatch({ url: 'file:///app/i.html' }, 'getRun', 'r1')).rejects.toThrow(/expected an argument list/);
    expect(calls).toHaveLength(1);
  });
});
