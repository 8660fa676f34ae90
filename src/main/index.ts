/**
 * Electron main: one window, the app menu, and the IPC bridge to the core backend. All real
 * work happens in src/core (run store, supervisor) and in runner processes; this file wires
 * them to Electron and applies the hardening from security.ts.
 */
import { app, BrowserWindow, Menu, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_INVOKE_CHANNEL, IPC_PUSH_CHANNEL } from '../shared/apiMethods';
import { DESKTOP_DIALOG_CHANNEL } from '../shared/desktopDialogs';
import { openBackend, type Backend } from '../core/backend';
import { createDialogDispatcher, type NativeDialogs } from './dialogs';
import { createInvokeDispatcher } from './ipc';
import { menuTemplate } from './menu';
import { APP_ENTRY_URL, APP_SCHEME, resolveAppUrl } from './appProtocol';
import { isAllowedAppUrl, isAllowedExternalUrl, mainWindowOptions, withSecurityHeaders } from './security';
import { utilityProcessLauncher } from './utilityLauncher';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const allowed = (url: string) => isAllowedAppUrl(url, devServerUrl);

// Pages come from app://benchtop/ (a standard, secure scheme: ES modules, fetch, its own
// origin), never from file://. Must be declared before the app is ready.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

/** Serve app:// from the built renderer folder only, with the strict CSP as a header. */
function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const r = resolveAppUrl(rendererDir, request.url);
    if (r.kind === 'refused') return new Response(r.reason, { status: r.status, headers: { 'Content-Type': 'text/plain' } });
    const file = await net.fetch(pathToFileURL(r.path).href).catch(() => null);
    if (!file || !file.ok) return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    return new Response(file.body, { status: 200, headers: r.headers });
  });
}

let backend: Backend | null = null;
let win: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const w = new BrowserWindow(mainWindowOptions(join(here, '../preload/index.cjs')));
  w.once('ready-to-show', () => w.show());
  // No navigation away from the app and no new windows; links open in the system browser.
  w.webContents.on('will-navigate', (e, url) => {
    if (!allowed(url)) e.preventDefault();
  });
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  w.webContents.on('will-attach-webview', (e) => e.preventDefault());
  if (devServerUrl) void w.loadURL(devServerUrl);
  else void w.loadURL(APP_ENTRY_URL);
  return w;
}

function navigate(hash: string) {
  win?.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`).catch(() => undefined);
}

async function start() {
  await app.whenReady();
  const dataDir = process.env.BENCHTOP_HOME || app.getPath('userData');
  backend = await openBackend({
    dataDir,
    mode: 'electron',
    launcher: utilityProcessLauncher,
    runnerEntry: join(here, 'runner.js'),
    appVersion: app.getVersion(),
  });

  registerAppProtocol();
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: withSecurityHeaders(details.responseHeaders, { devServer: !!devServerUrl }) });
  });

  const dispatch = createInvokeDispatcher(backend.handlers, allowed);
  ipcMain.handle(IPC_INVOKE_CHANNEL, (event, method: unknown, args: unknown) =>
    dispatch({ url: event.senderFrame?.url ?? '' }, method, args),
  );
  // Native dialogs are modal to the app window (sheets on macOS).
  const native: NativeDialogs = {
    async showSave(o) {
      const r = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, o) : await dialog.showSaveDialog(o);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    async showOpen(o) {
      const opts = { ...o, properties: ['openFile' as const] };
      const r = win && !win.isDestroyed() ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
    },
    showItemInFolder: (p) => shell.showItemInFolder(p),
  };
  const dialogs = createDialogDispatcher(native, allowed, app.getPath('downloads'));
  ipcMain.handle(DESKTOP_DIALOG_CHANNEL, (event, method: unknown, args: unknown) =>
    dialogs({ url: event.senderFrame?.url ?? '' }, method, args),
  );
  backend.subscribe((e) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_PUSH_CHANNEL, e);
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(
        {
          newRun: () => navigate('#/new'),
          openRuns: () => navigate('#/runs'),
          openDataDir: () => void shell.openPath(dataDir),
        },
        process.platform === 'darwin',
      ),
    ),
  );

  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (ev, url) => {
    if (!allowed(url)) ev.preventDefault();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('before-quit', () => {
  void backend?.close();
});

start().catch((err) => {
  console.error('Benchtop failed to start:', err);
  app.exit(1);
});
