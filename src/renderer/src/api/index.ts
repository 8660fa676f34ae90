/**
 * The renderer's one handle on the backend. `connectBackend` picks the transport (Electron IPC
 * when the preload exposed window.benchtop, else the browser-mode WebSocket) and stores use
 * `useApi()` — they never know which one is underneath.
 */
import type { BenchtopApi } from '@shared/api';
import { findDesktopDialogs, httpBundleTransfer, type BundleTransfer } from './bundleTransfer';
import { findIpcBridge, ipcApi } from './ipcTransport';
import { WsApiClient, wsUrlFor, type ConnectionStatus } from './wsTransport';

export type { ConnectionStatus, ConnectionState } from './wsTransport';
export type { BundleTransfer } from './bundleTransfer';

export interface Backend {
  api: BenchtopApi;
  transport: 'ipc' | 'ws';
  /** Connection state changes (IPC is always open). Returns an unsubscribe function. */
  onStatus(listener: (s: ConnectionStatus) => void): () => void;
  reconnectNow(): void;
  /** How bundles reach the user and back (download/upload, or local files and dialogs);
   * derived from `transport` when not given. */
  bundles?: BundleTransfer;
}

let current: Backend | null = null;

export function connectBackend(win: Window = window): Backend {
  const bridge = findIpcBridge(win);
  if (bridge) {
    const open: ConnectionStatus = { state: 'open', retryAt: null, attempts: 0, everOpened: true };
    current = {
      api: ipcApi(bridge),
      transport: 'ipc',
      onStatus: (l) => {
        l(open);
        return () => {};
      },
      reconnectNow: () => {},
      bundles: { kind: 'local', dialogs: findDesktopDialogs(win) },
    };
  } else {
    const client = new WsApiClient(wsUrlFor(win.location));
    current = {
      api: client.api,
      transport: 'ws',
      onStatus: (l) => client.onStatus(l),
      reconnectNow: () => client.reconnectNow(),
      bundles: httpBundleTransfer(),
    };
  }
  return current;
}

/** Install a backend directly (tests, or an embedding host). */
export function setBackend(b: Backend): void {
  current = b;
}

export function useBackend(): Backend {
  if (!current) throw new Error('the Benchtop backend is not connected yet (connectBackend was not called)');
  return current;
}

export function useApi(): BenchtopApi {
  return useBackend().api;
}

export function useBundleTransfer(): BundleTransfer {
  const b = useBackend();
  return b.bundles ?? (b.transport === 'ws' ? httpBundleTransfer() : { kind: 'local', dialogs: null });
}

/** Message of a rejected API call, for display. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'unknown error';
}
