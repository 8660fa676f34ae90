/**
 * End-to-end harness: the real `benchtop serve` and `benchtop run` as child processes sharing
 * one temporary BENCHTOP_HOME, with runs executed by the test fixture runner, and Debian
 * Chromium driven by playwright-core (PLATFORM.md "Browser tests").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'benchtop.mjs');
export const FIXTURE_RUNNER = join(ROOT, 'tests', 'fixtures', 'runner-fixture.ts');
/** README's screenshots are refreshed only on request (`BENCHTOP_UPDATE_SCREENSHOTS=1 npm test`), so a
 * test run leaves the work tree clean; otherwise they go to a temporary folder. */
export const SCREENSHOTS = process.env.BENCHTOP_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(tmpdir(), 'benchtop-e2e-screenshots');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function requireBuiltRenderer(): void {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('out/renderer/index.html is missing: build the renderer first (`npx electron-vite build`; `npm test` does it)');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian chromium (apt-get install -y chromium)`);
}

export function tempHome(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'benchtop-e2e-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Environment of the CLI processes: runs execute the test fixture, or with `realRunner` the
 * real engine (src/core/runner/entry.ts), e.g. an eval of the built-in model. */
export function cliEnv(home: string, opts: { realRunner?: boolean } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCHTOP_HOME: home, BENCHTOP_RUNNER_ENTRY: FIXTURE_RUNNER, NO_COLOR: '1' };
  if (opts.realRunner) delete env.BENCHTOP_RUNNER_ENTRY;
  return env;
}

export interface ServeProcess {
  url: string;
  origin: string;
  stop(): Promise<void>;
  output(): string;
}

/** `benchtop serve` on a free port; resolves with the printed URL (…/?token=…). */
export function startServe(home: string, timeoutMs = 30_000, opts: { realRunner?: boolean } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: ROOT, env: cliEnv(home, opts), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`benchtop serve did not print its URL within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      const m = /Benchtop is running at (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const url = m[1];
      resolvePromise({ url, origin: new URL(url).origin, stop: () => stopChild(child), output: () => out });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`benchtop serve exited (${code}) before it was ready:\n${out}`));
    });
  });
}

/** `benchtop run <config>`: resolves with its exit code and output when it finishes. */
export function startCliRun(home: string, config: string): { child: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, [BIN, 'run', config], { cwd: ROOT, env: cliEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const done = new Promise<{ code: number | null; output: string }>((r) => child.once('exit', (code) => r({ code, output: out })));
  return { child, done };
}

function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      r();
    });
    child.kill('SIGTERM');
  });
}

export { stopChild };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface SessionOptions {
  /** Runs execute the real engine instead of the test fixture runner (see cliEnv). */
  realRunner?: boolean;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Let the page save downloads (bundle export). */
  acceptDownloads?: boolean;
  /** How long `benchtop serve` may take to print its URL. */
  serveTimeoutMs?: number;
}

/** One browser-mode session: a fresh data folder, `benchtop serve` on it, Chromium, one page. */
export interface E2eSession {
  home: { dir: string; remove(): void };
  server: ServeProcess;
  browser: Browser;
  page: Page;
  /** Uncaught errors of `page` (tests expect none). */
  pageErrors: string[];
  /** Close the browser, stop the server, remove the data folder (safe to call twice). */
  close(): Promise<void>;
}

/** Start a session for a test file's beforeAll; whatever started is stopped again if a part fails. */
export async function openSession(opts: SessionOptions = {}): Promise<E2eSession> {
  requireBuiltRenderer();
  const home = tempHome();
  const [served, launched] = await Promise.allSettled([
    startServe(home.dir, opts.serveTimeoutMs ?? 30_000, { realRunner: opts.realRunner }),
    launchChromium(),
  ]);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (launched.status === 'fulfilled') await launched.value.close().catch(() => {});
    if (served.status === 'fulfilled') await served.value.stop();
    home.remove();
  };
  if (served.status === 'rejected' || launched.status === 'rejected') {
    await close();
    throw served.status === 'rejected' ? served.reason : (launched as PromiseRejectedResult).reason;
  }
  const browser = launched.value;
  const pageErrors: string[] = [];
  try {
    const page = await browser.newPage({
      viewport: opts.viewport ?? { width: 1360, height: 860 },
      colorScheme: opts.colorScheme ?? 'light',
      acceptDownloads: opts.acceptDownloads,
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { home, server: served.value, browser, page, pageErrors, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Submit the New run editor, follow the run page until the run ends and expect it to have
 * succeeded (the failure shows its exit reason); resolves with the run's id. */
export async function submitAndAwaitRun(page: Page, what: string, timeoutMs = 180_000): Promise<string> {
  await page.locator('[data-action="submit"]').click();
  await page.waitForURL(/#\/runs\/[^/]+$/, { timeout: 15_000 });
  const runId = decodeURIComponent(page.url().split('#/runs/')[1]);
  const status = page.locator('.run-head [data-status]');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await status.getAttribute('data-status');
    if (st === 'succeeded' || st === 'failed' || st === 'cancelled') {
      const why = st === 'succeeded' ? '' : await page.locator('[data-exit-reason]').textContent({ timeout: 2000 }).catch(() => '');
      expect(st, why ?? '').toBe('succeeded');
      return runId;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not finish in time`);
    await page.waitForTimeout(100);
  }
}
