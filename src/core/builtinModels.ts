/**
 * Models shipped with Benchtop under resources/models/<name> (referenced in configs as
 * `builtin:<name>`, resolved by the engine the same way). They are not stored in the catalog:
 * the list is read from the folder every time, so replacing the files updates what the Models
 * page shows, and a missing folder simply yields no entry.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_MODEL_REF } from '../shared/config/presets';
import type { ModelEntry } from '../shared/records';
import { inspectModelFolder } from './modelFolder';
import { packageRoot } from './runner/locate';
import { shippedResourcesDir } from '../engine/toolkit/resources';

export const BUILTIN_PREFIX = 'builtin:';

/** <shipped resources>/models, the same place the engine resolves `builtin:` refs from
 * (<package root>/resources from source, Electron's resources folder in an installed app). */
export function defaultBuiltinModelsDir(): string {
  return join(shippedResourcesDir(packageRoot()), 'models');
}

/** Names of the models Benchtop ships, as referenced after `builtin:`. */
export const BUILTIN_MODEL_NAMES = [BUILTIN_MODEL_REF.slice(BUILTIN_PREFIX.length)];

/**
 * One entry per shipped model whose folder has a config.json. A folder that is present but does
 * not pass the checks is still listed (so the UI can say what is wrong), with `info.problem`.
 */
export async function listBuiltinModels(root: string): Promise<ModelEntry[]> {
  const out: ModelEntry[] = [];
  for (const name of BUILTIN_MODEL_NAMES) {
    const dir = join(root, name);
    const cfg = join(dir, 'config.json');
    if (!existsSync(cfg)) continue;
    const base = { id: `${BUILTIN_PREFIX}${name}`, name, path: dir, builtin: true, addedAt: statSync(cfg).mtimeMs };
    try {
      const m = await inspectModelFolder(dir);
      out.push({ ...base, architecture: m.architecture, parameters: m.parameters, info: m.info });
    } catch (e) {
      out.push({ ...base, architecture: 'unknown', parameters: null, info: { problem: (e as Error).message } });
    }
  }
  return out;
}
