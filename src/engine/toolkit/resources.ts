/**
 * Where Benchtop's shipped files (the built-in models, the launch-export records) live.
 *
 * From source, and from an unpacked `npm ci` checkout, they are in `<package root>/resources`.
 * In an installed desktop app the package root is inside `app.asar`, and the installer copies
 * `resources/models` and `resources/launch` next to that archive, into Electron's resources
 * folder (electron-builder.yml, `extraResources`): files that onnxruntime and the safetensors
 * reader open by path must be real files, not archive entries. Electron sets
 * `process.resourcesPath` in the main and runner (utility) processes alike.
 */
import { join } from 'node:path';

/** True when `path` names something inside an `.asar` archive (a segment ending in `.asar`). */
export function isInsideAsar(path: string): boolean {
  return path.split(/[\\/]/).some((segment) => segment.toLowerCase().endsWith('.asar'));
}

/** Electron's resources folder, when this process runs under Electron (undefined under Node). */
export function electronResourcesPath(): string | undefined {
  const p = (process as { resourcesPath?: unknown }).resourcesPath;
  return typeof p === 'string' && p.length > 0 ? p : undefined;
}

/**
 * The folder holding `models/` and `launch/`: Electron's resources folder when the package root
 * is inside an asar archive (an installed app), else `<packageRoot>/resources`. Running from a
 * checkout under Electron (`npm start`) also has a resourcesPath — Electron's own — so the
 * archive test, not the presence of resourcesPath, decides.
 */
export function shippedResourcesDir(packageRoot: string, resourcesPath: string | undefined = electronResourcesPath()): string {
  if (isInsideAsar(packageRoot)) {
    if (!resourcesPath) {
      throw new Error(`Benchtop runs from an archive (${packageRoot}) but Electron's resources folder is unknown; expected process.resourcesPath to be set`);
    }
    return resourcesPath;
  }
  return join(packageRoot, 'resources');
}
