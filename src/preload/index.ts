/**
 * The only bridges between the sandboxed renderer and the app: window.benchtop, the typed API of
 * src/shared/api.ts, and window.benchtopDesktop, the native file dialogs of
 * src/shared/desktopDialogs.ts. Each method forwards (method, args) over one invoke channel; the
 * main process validates every argument before acting. No Node API reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_INVOKE_CHANNEL, IPC_PUSH_CHANNEL } from '../shared/apiMethods';
import { DESKTOP_DIALOG_CHANNEL, DESKTOP_METHODS } from '../shared/desktopDialogs';

const api: Record<string, unknown> = {};
for (const method of API_METHODS) {
  api[method] = (...args: unknown[]) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, args);
}
api.onEvent = (listener: (e: unknown) => void) => {
  const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(IPC_PUSH_CHANNEL, wrapped);
  return () => {
    ipcRenderer.removeListener(IPC_PUSH_CHANNEL, wrapped);
  };
};

contextBridge.exposeInMainWorld('benchtop', Object.freeze(api));

const desktop: Record<string, unknown> = {};
for (const method of DESKTOP_METHODS) {
  desktop[method] = (...args: unknown[]) => ipcRenderer.invoke(DESKTOP_DIALOG_CHANNEL, method, args);
}
contextBridge.exposeInMainWorld('benchtopDesktop', Object.freeze(desktop));
