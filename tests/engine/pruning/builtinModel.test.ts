/**
 * The prune executor on the built-in model (resources/models/benchtop-tiny, 4 layers): block
 * influence removes one layer (never layer 0), the sweep evaluates the dense and the 3-layer
 * model on 8 examples of 3 tasks, and the saved folder loads with 3 layers. Prints the figures
 * (scores, chosen layer, dense vs pruned accuracy) for the record.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../../../src/engine/model/folder';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runPrune } from '../../../src/engine/pruning/run';
import { BUILTIN_EVAL_TASKS } from '../../../src/shared/config/presets';
import { recordingContext, tempDir } from '../runs/recordingContext';

const root = tempDir('benchtop-prune-builtin-');
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

const TASKS = ['arithmetic', 'brackets', 'compare'];

describe('prune executor on the built-in model', () => {
  it('block influence removes one of layers 1–3; the pruned folder has 3 layers', async () => {
    const runDir = join(root.dir, 'run');
    mkdirSync(runDir);
    const r = recordingContext(
      {
        kind: 'prune',
        seed: 7,
        model: 'builtin:benchtop-tiny',
        method: 'block_influence',
        num_layers: 1,
        calibration: { num_sequences: 32, seq_len: 128 },
        eval: { tasks: BUILTIN_EVAL_TASKS.filter((t) => TASKS.includes(t.task)), num_examples: 8, max_new_tokens: 64 },
      },
      runDir,
    );
    await runPrune(r.ctx);

    const bi = r.series('score/block_influence');
    expect(bi.map(([l]) => l)).toEqual([0, 1, 2, 3]);
    const order = r.series('prune/order');
    expect(order).toHaveLength(1);
    const removed = order[0]![1];
    expect([1, 2, 3]).toContain(removed);
    expect(r.series('prune/removed')).toEqual([[removed, 1]]);
    for (const t of TASKS) {
      expect(r.series(`eval/${t}/accuracy`).map(([k]) => k)).toEqual([0, 1]);
    }
    expect(r.series('calibration/nll').map(([k]) => k)).toEqual([0, 1]);
    expect(r.series('model/parameters').map(([k]) => k)).toEqual([0, 1]);
    const saved = await loadModelFolder(join(runDir, 'model'));
    expect(saved.config.num_hidden_layers).toBe(3);

    const fmt = (xs: [number, number][]) => xs.map(([s, v]) => `${s}: ${v.toFixed(4)}`).join(', ');
    const lines = [
      `block influence: ${fmt(bi)}`,
      `angular distance (n=1): ${fmt(r.series('score/angular_distance'))}`,
      `streamline (n=1): ${fmt(r.series('score/streamline'))}`,
      `similarity: ${[0, 1, 2, 3, 4].map((a) => `[${r.series(`similarity/${a}`).map(([, v]) => v.toFixed(3)).join(' ')}]`).join(' ')}`,
      `removed layer: ${removed}`,
      ...TASKS.map((t) => `${t}: dense ${r.series(`eval/${t}/accuracy`)[0]![1]} → pruned ${r.series(`eval/${t}/accuracy`)[1]![1]}`),
      `calibration NLL: ${fmt(r.series('calibration/nll'))}`,
      `parameters: ${r.series('model/parameters').map(([, v]) => v).join(' → ')}`,
    ];
    console.log(`[benchtop-tiny, BI prune of 1 layer]\n  ${lines.join('\n  ')}`);
  });
});
