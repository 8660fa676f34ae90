/**
 * The desktop window's app:// protocol, CSP builder and openExternal allowlist — the pure parts
 * (no Electron binary here). Path resolution is checked against a real folder: what it maps to
 * exists and lies inside the renderer folder; every traversal encoding is refused.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APP_ENTRY_URL, resolveAppUrl } from '../../src/main/appProtocol';
import { buildCsp, CONTENT_SECURITY_POLICY, isAllowedExternalUrl, securityHeaders, withSecurityHeaders } from '../../src/main/security';
import { tempDir } from '../core/support/backend';

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((p) => p.trim().split(/\s+/)).map(([n, ...v]) => [n!, v]));
}

describe('app:// protocol', () => {
  const t = tempDir('benchtop-app-');
  const root = join(t.dir, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'main-1a2b.js'), 'export {}');
  writeFileSync(join(t.dir, 'secret.txt'), 'not for the page');

  it('maps app://benchtop/ URLs to files inside the renderer folder, with the CSP header', () => {
    const js = resolveAppUrl(root, 'app://benchtop/assets/main-1a2b.js');
    expect(js).toMatchObject({ kind: 'file', path: join(root, 'assets', 'main-1a2b.js') });
    if (js.kind !== 'file') return;
    expect(js.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(js.headers['X-Content-Type-Options']).toBe('nosniff');
    // The entry page and client-side routes (no extension) are index.html.
    for (const url of [APP_ENTRY_URL, 'app://benchtop/', 'app://benchtop/runs/abc']) {
      expect(resolveAppUrl(root, url)).toMatchObject({ kind: 'file', path: join(root, 'index.html') });
    }
  });

  it('refuses traversal in every encoding, other hosts and schemes, NUL and backslashes', () => {
    const attempts = [
      'app://benchtop/../secret.txt',
      'app://benchtop/%2e%2e/secret.txt',
      'app://benchtop/%2E%2E%2Fsecret.txt',
      'app://benchtop/assets/%2e%2e/%2e%2e/secret.txt',
      'app://benchtop/..%2fsecret.txt',
      'app://benchtop/..%5csecret.txt',
      'app://benchtop/assets%5c..%5c..%5csecret.txt',
      'app://benchtop/%252e%252e/secret.txt', // double-encoded: decodes once to a literal name, not a parent
      'app://benchtop/index.html%00.js',
      'app://benchtop/%E0%A4%A',
      'app://evil/index.html',
      'file:///etc/passwd',
      'https://benchtop/index.html',
      'not a url',
    ];
    for (const url of attempts) {
      const r = resolveAppUrl(root, url);
      if (r.kind === 'file') {
        // The URL parser already folded plain dot segments: what is left resolves inside the folder.
        const rel = relative(root, r.path);
        expect(rel.startsWith('..') || rel === '', url).toBe(false);
        expect(r.path).not.toBe(join(t.dir, 'secret.txt'));
      } else {
        expect([400, 404], url).toContain(r.status);
      }
    }
    // Encoded separators are decoded after URL parsing, so they are caught here, not folded.
    for (const url of ['app://benchtop/..%2fsecret.txt', 'app://benchtop/%2E%2E%2Fsecret.txt', 'app://benchtop/assets/..%2f..%2fsecret.txt']) {
      expect(resolveAppUrl(root, url), url).toMatchObject({ kind: 'refused', reason: 'path leaves the app folder' });
    }
    expect(resolveAppUrl(root, 'app://benchtop/..%5csecret.txt')).toMatchObject({ kind: 'refused', reason: 'forbidden character in path' });
    expect(resolveAppUrl(root, 'app://benchtop/index.html%00.js')).toMatchObject({ kind: 'refused', status: 400 });
    expect(resolveAppUrl(root, 'app://evil/index.html')).toMatchObject({ kind: 'refused', status: 404 });
  });
});

describe('content security policy builder', () => {
  it('the shipped policy: no inline script or style, no eval, connections to its own origin only', () => {
    const d = directives(buildCsp());
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(buildCsp()).not.toMatch(/unsafe|\*|ws:/);
    expect(securityHeaders()['Content-Security-Policy']).toBe(buildCsp());
  });
  it('only the dev server gets inline styles (Vite injects <style>), and only in style-src', () => {
    const dev = directives(buildCsp({ devServer: true }));
    expect(dev.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(dev.get('script-src')).toEqual(["'self'"]);
    expect(withSecurityHeaders({ 'X-Content-Type-Options': 'sniff' }, { devServer: true })['Content-Security-Policy']).toEqual([buildCsp({ devServer: true })]);
    expect(withSecurityHeaders({ 'x-content-type-options': 'sniff' })).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY], 'X-Content-Type-Options': ['nosniff'] });
  });
});

describe('openExternal allowlist', () => {
  it('opens https links to the listed documentation hosts only', () => {
    expect(isAllowedExternalUrl('https://huggingface.co/Qwen/Qwen2.5-0.5B')).toBe(true);
    expect(isAllowedExternalUrl('https://arxiv.org/abs/2402.03300')).toBe(true);
    expect(isAllowedExternalUrl('https://HuggingFace.co/x')).toBe(true);
    for (const bad of [
      'http://huggingface.co/',
      'https://evil.example/',
      'https://huggingface.co.evil.example/',
      'https://evilhuggingface.co/',
      'https://user:pw@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(bad), bad).toBe(false);
    }
    expect(isAllowedExternalUrl('https://example.org/', ['example.org'])).toBe(true);
  });
});
