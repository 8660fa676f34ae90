/**
 * Electron hardening in one place, as plain data, so a unit test can assert it without an
 * Electron binary: window web preferences, the content security policy, which URLs the app
 * window may show, and which links may open in the system browser.
 */

export interface CspOptions {
  /** The Vite dev server injects <style> elements: development only, styles may be inline. */
  devServer?: boolean;
}

/**
 * The content security policy of every page Benchtop shows: no remote content, no eval, no
 * inline script or style (Vue sets styles through the CSSOM and the chart library uses
 * constructed style sheets, neither of which CSP restricts), and connections (WebSocket
 * included: CSP3 'self' covers ws: to the page's own host and port) only to the page's own
 * origin, i.e. the `benchtop serve` port in browser mode and nothing in the desktop app.
 */
export function buildCsp(opts: CspOptions = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    opts.devServer ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The CSP for every page the app window loads. */
export const CONTENT_SECURITY_POLICY = buildCsp();

/** Headers every app:// response and every other response the window receives carries. */
export function securityHeaders(opts: CspOptions = {}): Record<string, string> {
  return { 'Content-Security-Policy': opts.devServer ? buildCsp(opts) : CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' };
}

/** Sites a link in the app may open in the system browser (documentation and model hubs). */
export const EXTERNAL_HOSTS: readonly string[] = ['huggingface.co', 'github.com', 'arxiv.org', 'onnxruntime.ai', 'www.electronjs.org'];

/** May `shell.openExternal` open this URL? https only, an allowlisted host (exactly), no
 * credentials or unusual port. */
export function isAllowedExternalUrl(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  return hosts.includes(u.hostname.toLowerCase());
}

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  experimentalFeatures: false;
  navigateOnDragDrop: false;
  spellcheck: false;
}

export function secureWebPreferences(preload: string): SecureWebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

export function mainWindowOptions(preload: string) {
  return {
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Benchtop',
    autoHideMenuBar: false,
    webPreferences: secureWebPreferences(preload),
  };
}

/** The app window shows only its own pages (app://benchtop/…) or, during development, the
 * local dev server. Everything else is refused. */
export function isAllowedAppUrl(url: string, devServerUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    if (u.origin === dev.origin) return true;
  }
  return u.protocol === 'app:' && u.host === 'benchtop';
}

/** Response headers with the CSP added, for session.webRequest.onHeadersReceived. */
export function withSecurityHeaders(headers: Record<string, string[] | string> | undefined, opts: CspOptions = {}): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'content-security-policy' || k.toLowerCase() === 'x-content-type-options') continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  for (const [k, v] of Object.entries(securityHeaders(opts))) out[k] = [v];
  return out;
}
