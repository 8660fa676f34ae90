/**
 * The desktop-only bridge (window.benchtopDesktop): native file dialogs for run bundles, which
 * only the Electron main process can show. Kept apart from BenchtopApi because browser mode
 * has no counterpart (it downloads and uploads over HTTP instead). Free of dependencies so the
 * sandboxed preload can bundle it; main validates every argument (src/main/dialogs.ts).
 */
export const DESKTOP_DIALOG_CHANNEL = 'benchtop:dialog';

export const DESKTOP_METHODS = ['saveBundleDialog', 'openBundleDialog', 'showItemInFolder'] as const;
export type DesktopMethod = (typeof DESKTOP_METHODS)[number];

export interface DesktopDialogs {
  /** Ask where to save a bundle; `defaultName` is a bare file name ending in .zip. Resolves to
   * the chosen path (always ending in .zip) or null when the user cancelled. */
  saveBundleDialog(defaultName: string): Promise<string | null>;
  /** Ask for a bundle (.zip) to import; the chosen path or null when cancelled. */
  openBundleDialog(): Promise<string | null>;
  /** Reveal a file in the system file manager. */
  showItemInFolder(path: string): Promise<void>;
}
