/**
 * Layer removal: the saved pruned folder has num_hidden_layers reduced and blocks renumbered, and
 * its logits equal the pruned build of the original (buildDecoder with `layers`) and the float64
 * reference run on the kept layers only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { loadModelFolder, saveModelFolder } from '../../../src/engine/model/folder';
import { readCheckpoint } from '../../../src/engine/model/checkpoint';
import { clearSessionCache, openSession, serialize } from '../../../src/engine/onnx';
import { keptLayers, removeLayers } from '../../../src/engine/pruning/removeLayers';
import { referenceForward } from '../model/referenceDecoder';
import { tempDir } from '../runs/recordingContext';
import { saveTinyModel } from './tinyPruneModel';

const IDS = [
  [1, 40, 41, 12, 30, 18, 7],
  [1, 22, 9, 33, 60, 5, 2],
];
const B = IDS.length;
const T = IDS[0]!.length;

async function logitsOf(build: ReturnType<typeof buildDecoder>): Promise<Float32Array> {
  const s = await openSession(serialize(build.graph), { executionProvider: 'cpu', threads: 1, cache: false });
  try {
    const res = await s.run({ input_ids: { data: BigInt64Array.from(IDS.flat(), BigInt), dims: [B, T] } });
    return res.logits!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const tmp = tempDir('benchtop-prune-remove-');
afterAll(async () => {
  tmp.cleanup();
  await clearSessionCache();
});

describe('layer removal', () => {
  it('keptLayers checks its input', () => {
    expect(keptLayers(5, [3, 1])).toEqual([0, 2, 4]);
    expect(() => keptLayers(4, [4])).toThrow(/layer 4 does not exist \(the model has layers 0–3\)/);
    expect(() => keptLayers(4, [1, 1])).toThrow(/list a layer twice/);
    expect(() => keptLayers(2, [0, 1])).toThrow(/leaves no layer/);
  });

  it('saves a renumbered folder whose logits equal the pruned build and the reference on the kept layers', async () => {
    const orig = await saveTinyModel(`${tmp.dir}/orig`);
    const removed = [2, 1];
    const p = removeLayers(orig.config, orig.weights, removed);
    expect(p.kept).toEqual([0, 3]);
    expect(p.config.num_hidden_layers).toBe(2);
    expect(orig.config.num_hidden_layers).toBe(4); // the parent is untouched

    const out = `${tmp.dir}/pruned`;
    await saveModelFolder(out, { config: p.config, weights: p.weights, tokenizer: { json: orig.tokenizer.json, configJson: orig.tokenizer.configJson } });
    const loaded = await loadModelFolder(out);
    expect(loaded.config.num_hidden_layers).toBe(2);
    const names = [...(await readCheckpoint(out)).keys()];
    expect(names.filter((n) => n.startsWith('model.layers.')).map((n) => Number(n.split('.')[2]))).toSatisfy((ix: number[]) => ix.every((i) => i === 0 || i === 1));
    // new layer 1 is old layer 3, byte for byte
    expect(loaded.weights.layers[1]!.down.data).toEqual(orig.weights.layers[3]!.down.data);
    expect(loaded.weights.layers[0]!.q.data).toEqual(orig.weights.layers[0]!.q.data);

    const fromFolder = await logitsOf(buildDecoder(loaded.config, loaded.weights, { attentionMask: false }));
    const prunedBuild = await logitsOf(buildDecoder(orig.config, orig.weights, { layers: [0, 3], attentionMask: false }));
    const dense = await logitsOf(buildDecoder(orig.config, orig.weights, { attentionMask: false }));
    let diff = 0;
    let fromDense = 0;
    for (let i = 0; i < fromFolder.length; i++) {
      diff = Math.max(diff, Math.abs(fromFolder[i]! - prunedBuild[i]!));
      fromDense = Math.max(fromDense, Math.abs(fromFolder[i]! - dense[i]!));
    }
    expect(diff).toBeLessThanOrEqual(1e-5);
    expect(fromDense).toBeGreaterThan(0.1); // removing the layers matters

    const ref = referenceForward(orig.config, orig.weights, IDS, { layers: [0, 3] });
    const V = orig.config.vocab_size;
    let refDiff = 0;
    ref.logits.forEach((row, b) => row.forEach((v, t) => v.forEach((x, k) => (refDiff = Math.max(refDiff, Math.abs(x - fromFolder[(b * T + t) * V + k]!))))));
    expect(refDiff).toBeLessThan(1e-4);
  });
});
