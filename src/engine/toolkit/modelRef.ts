/** Where `model:` in a config points: a built-in model, an earlier run's output, a path or a registered id. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedResourcesDir } from './resources';

export const BUILTIN_PREFIX = 'builtin:';
/** `run:<id or a unique part of it>`: the model folder an earlier run saved (pretrain, sft, prune). */
export const RUN_PREFIX = 'run:';

/** <dataDir>/runs/<id>/model of the one run whose id is `ref` or contains it. */
export function runModelFolder(ref: string, dataDir: string): string {
  const runsDir = join(dataDir, 'runs');
  const ids = existsSync(runsDir) ? readdirSync(runsDir) : [];
  const matches = ids.includes(ref) ? [ref] : ids.filter((id) => ref.length > 0 && id.includes(ref));
  if (matches.length === 0) throw new Error(`model: no run '${ref}' in ${runsDir}; expected run:<run id> of a run in this data folder`);
  if (matches.length > 1) throw new Error(`model: 'run:${ref}' matches ${matches.length} runs (${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}); give more of the id`);
  const dir = join(runsDir, matches[0]!, 'model');
  if (!existsSync(join(dir, 'config.json'))) {
    throw new Error(`model: run ${matches[0]} saved no model in ${dir} (runs save one when they succeed, unless their output_dir points elsewhere)`);
  }
  return dir;
}
/**
 * The package root (built-in models live under resources/models): the nearest folder above this
 * module with a package.json — src/engine/toolkit when run from source, out/main/chunks when bundled.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..', '..');
  }
}
const REPO_ROOT = findPackageRoot(fileURLToPath(new URL('.', import.meta.url)));

/**
 * config.model → a folder: `builtin:<name>` → <shipped resources>/models/<name> (<repo>/resources from
 * source, Electron's resources folder in an installed app: ./resources.ts); an absolute path;
 * a path relative to the working directory; or a model registered under <dataDir>/models/.
 */
export function resolveModelFolder(model: string, dataDir: string, repoRoot = REPO_ROOT): string {
  if (model.startsWith(RUN_PREFIX)) return runModelFolder(model.slice(RUN_PREFIX.length), dataDir);
  if (model.startsWith(BUILTIN_PREFIX)) {
    const name = model.slice(BUILTIN_PREFIX.length);
    const dir = join(shippedResourcesDir(repoRoot), 'models', name);
    if (!existsSync(join(dir, 'config.json'))) {
      throw new Error(`model: the built-in model '${name}' is not built yet (expected ${dir}); train one with a pretrain run and point model at its folder`);
    }
    return dir;
  }
  const tried = isAbsolute(model) ? [model] : [resolve(model), join(dataDir, 'models', model)];
  for (const dir of tried) if (existsSync(join(dir, 'config.json'))) return dir;
  throw new Error(`model: '${model}' is not a model folder (no config.json in ${tried.join(' or ')}); expected an HF folder path or a registered model id`);
}
