/**
 * Native file dialogs for run bundles, reached over their own IPC channel
 * (src/shared/desktopDialogs.ts). Like the API dispatcher (ipc.ts): calls only from the app's own
 * pages, arguments validated before anything is shown. Electron itself is behind
 * `NativeDialogs` so this is unit-tested without an Electron binary.
 */
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { DESKTOP_METHODS, type DesktopMethod } from '../shared/desktopDialogs';
import { IpcRejection, type InvokeSender } from './ipc';

/** What main needs from Electron's dialog and shell modules. */
export interface NativeDialogs {
  /** The chosen path, or null when cancelled. */
  showSave(opts: { title: string; defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  showOpen(opts: { title: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  showItemInFolder(path: string): void;
}

/** A bare file name: no folders, nothing hidden, ending in .zip. */
const bundleFileName = z
  .string()
  .max(255, 'expected a file name of at most 255 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._()-]*\.zip$/i, 'expected a bare file name ending in .zip (no folders)');
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => isAbsolute(p) && !p.includes('\0'), 'expected an absolute file path');

export const DIALOG_ARG_SCHEMAS = {
  saveBundleDialog: z.tuple([bundleFileName]),
  openBundleDialog: z.tuple([]),
  showItemInFolder: z.tuple([absolutePath]),
} as const satisfies Record<DesktopMethod, z.ZodType>;

const ZIP_FILTER = [{ name: 'Benchtop run bundle', extensions: ['zip'] }];

function checkArgs(method: DesktopMethod, args: unknown): unknown[] {
  if (!Array.isArray(args)) throw new IpcRejection(`${method}: expected an argument list`);
  const parsed = DIALOG_ARG_SCHEMAS[method].safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? ` argument ${issue.path.join('.')}` : '';
    throw new IpcRejection(`${method}${where}: ${issue.message}`);
  }
  return parsed.data as unknown[];
}

/** `defaultDir` is where the save dialog starts (the user's Downloads folder). */
export function createDialogDispatcher(native: NativeDialogs, isAllowedSender: (url: string) => boolean, defaultDir: string) {
  return async function dispatch(sender: InvokeSender, method: unknown, args: unknown): Promise<unknown> {
    if (!isAllowedSender(sender.url)) throw new IpcRejection(`refused a dialog request from an unknown page (${sender.url || 'no url'})`);
    if (typeof method !== 'string' || !(DESKTOP_METHODS as readonly string[]).includes(method)) {
      throw new IpcRejection(`unknown desktop method '${String(method)}'`);
    }
    const m = method as DesktopMethod;
    const a = checkArgs(m, args);
    if (m === 'saveBundleDialog') {
      const chosen = await native.showSave({ title: 'Export run bundle', defaultPath: join(defaultDir, a[0] as string), filters: ZIP_FILTER });
      if (!chosen) return null;
      // Not every platform's dialog appends the filter's extension; exportRun needs it.
      return /\.zip$/i.test(chosen) ? chosen : `${chosen}.zip`;
    }
    if (m === 'openBundleDialog') return (await native.showOpen({ title: 'Import run bundle', filters: ZIP_FILTER })) ?? null;
    native.showItemInFolder(a[0] as string);
    return null;
  };
}
