/**
 * The weights of an HF model folder: either one `model.safetensors`, or shards listed in
 * `model.safetensors.index.json` ({ "metadata": { "total_size": N }, "weight_map": { tensor: shard } }),
 * the layout `transformers`' `save_pretrained` writes (shards named model-00001-of-0000K.safetensors).
 */
import { access, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModelFileError } from './errors';
import { assertMayReplace, markOutputDir } from './outputDir';
import { warnNonFinite } from './validateFolder';
import {
  readSafetensors,
  storedBytes,
  writeSafetensors,
  type FloatDtype,
  type LoadedTensor,
  type TensorToWrite,
} from './safetensors';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Parse and validate an index file; returns shard file → tensor names (in index order). */
export function parseShardIndex(file: string, text: string): Map<string, string[]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new ModelFileError(file, "missing key 'weight_map': expected an object mapping tensor names to shard file names");
  }
  const shards = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard.length === 0) {
      throw new ModelFileError(file, `weight_map['${tensor}'] must be a shard file name, found ${JSON.stringify(shard)}`);
    }
    // Shards live next to the index; refuse paths so a crafted index cannot read elsewhere.
    if (shard !== basename(shard) || shard.includes('\\') || shard === '..' || shard === '.') {
      throw new ModelFileError(file, `weight_map['${tensor}'] = '${shard}': shard must be a file name in the same folder, not a path`);
    }
    const list = shards.get(shard) ?? [];
    list.push(tensor);
    shards.set(shard, list);
  }
  if (shards.size === 0) throw new ModelFileError(file, 'weight_map is empty: expected at least one tensor');
  return shards;
}

/** The file that describes the folder's weights (the index when sharded), for error messages. */
export async function checkpointSource(dir: string): Promise<string> {
  const indexPath = join(dir, INDEX_FILE);
  return (await exists(indexPath)) ? indexPath : join(dir, SINGLE_FILE);
}

/**
 * Read every tensor of the folder's checkpoint (warning about NaN/Inf values). Prefers the index when both layouts are present
 * (that is what `transformers` does). Errors name the index or shard at fault.
 */
export async function readCheckpoint(dir: string): Promise<Map<string, LoadedTensor>> {
  const indexPath = join(dir, INDEX_FILE);
  const singlePath = join(dir, SINGLE_FILE);
  if (await exists(indexPath)) {
    const shards = parseShardIndex(indexPath, await readFile(indexPath, 'utf8'));
    const out = new Map<string, LoadedTensor>();
    for (const [shard, names] of shards) {
      const shardPath = join(dir, shard);
      if (!(await exists(shardPath))) {
        throw new ModelFileError(indexPath, `lists shard '${shard}' (for tensor '${names[0]}'), but ${shardPath} does not exist`);
      }
      const { tensors } = await readSafetensors(shardPath, { names });
      for (const [name, t] of tensors) out.set(name, t);
    }
    return warnNonFinite(out);
  }
  if (await exists(singlePath)) return warnNonFinite((await readSafetensors(singlePath)).tensors);
  throw new ModelFileError(dir, `no weights: expected ${SINGLE_FILE} or ${INDEX_FILE} in the folder`);
}

export interface WriteCheckpointOptions {
  dtype?: FloatDtype;
  /** Largest shard in bytes (default 2 GB). A single tensor larger than this gets a shard of its own. */
  maxShardBytes?: number;
}

/**
 * Write tensors as `model.safetensors`, or as shards plus an index when they exceed
 * `maxShardBytes`. Returns the files written (relative names).
 */
export async function writeCheckpoint(
  dir: string,
  tensors: Iterable<[string, TensorToWrite]>,
  opts: WriteCheckpointOptions = {},
): Promise<string[]> {
  const dtype = opts.dtype ?? 'F32';
  const max = opts.maxShardBytes ?? 2 * 1024 ** 3;
  if (!(max > 0)) throw new Error(`maxShardBytes must be > 0, got ${max}`);
  const groups: Array<Array<[string, TensorToWrite]>> = [[]];
  let current = 0;
  let total = 0;
  for (const entry of tensors) {
    const bytes = storedBytes(entry[1], dtype);
    const group = groups[groups.length - 1]!;
    if (group.length > 0 && current + bytes > max) {
      groups.push([entry]);
      current = bytes;
    } else {
      group.push(entry);
      current += bytes;
    }
    total += bytes;
  }
  // A stale index next to a new single file would win on the next load: clear the old layout
  // first — only in a folder whose weights Benchtop wrote (outputDir.ts).
  const oldWeights = (await readdir(dir)).filter((f) => f === INDEX_FILE || /^model(-\d{5}-of-\d{5})?\.safetensors$/.test(f));
  assertMayReplace(dir, oldWeights);
  for (const f of oldWeights) await rm(join(dir, f));
  const metadata = { format: 'pt' }; // what transformers expects to find in the header
  if (groups.length === 1) {
    await writeSafetensors(join(dir, SINGLE_FILE), groups[0]!, { dtype, metadata });
    markOutputDir(dir);
    return [SINGLE_FILE];
  }
  const k = String(groups.length).padStart(5, '0');
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${k}.safetensors`;
    await writeSafetensors(join(dir, name), groups[i]!, { dtype, metadata });
    for (const [tensor] of groups[i]!) weightMap[tensor] = name;
    files.push(name);
  }
  // transformers writes the index with sorted keys; so do we, so a folder diff against one is clean.
  const sortedMap = Object.fromEntries(Object.keys(weightMap).sort().map((k) => [k, weightMap[k]!]));
  await writeFile(join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: sortedMap }, null, 2) + '\n');
  markOutputDir(dir);
  files.push(INDEX_FILE);
  return files;
}
