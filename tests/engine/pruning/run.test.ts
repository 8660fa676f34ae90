/**
 * The prune executor end to end with the recording context, on a tiny random 4-layer model:
 * the contract's metrics (score/*, similarity/*, prune/*, eval/*, calibration/nll,
 * model/parameters) at the right steps, the saved pruned folder and pruning-results.json, the
 * method choices consistent with the scores the run reports, errors naming the config fields,
 * and cancellation.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder } from '../../../src/engine/model/folder';
import { readCheckpoint } from '../../../src/engine/model/checkpoint';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runPrune, type PruningResults } from '../../../src/engine/pruning/run';
import { recordingContext, tempDir, type Recorded } from '../runs/recordingContext';
import { saveTinyModel } from './tinyPruneModel';

let root: { dir: string; cleanup: () => void };
let modelDir: string;
let runs = 0;

beforeAll(async () => {
  root = tempDir('benchtop-prune-run-');
  modelDir = join(root.dir, 'tiny');
  await saveTinyModel(modelDir);
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

const CHOICE_TASKS = [{ task: 'compare', options: { max_digits: 2 } }, { task: 'majority' }];
function config(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'prune',
    seed: 3,
    model: modelDir,
    calibration: { tasks: [{ task: 'arithmetic', options: { max_digits: 2 } }, { task: 'compare', options: { max_digits: 2 } }], num_sequences: 4, seq_len: 48 },
    eval: { tasks: [{ task: 'arithmetic', options: { max_digits: 2 } }, { task: 'compare', options: { max_digits: 2 } }], num_examples: 4, max_new_tokens: 6 },
    ...extra,
  };
}

async function run(extra: Record<string, unknown>): Promise<{ r: Recorded; runDir: string }> {
  const runDir = join(root.dir, `run${++runs}`);
  mkdirSync(runDir);
  const r = recordingContext(config(extra), runDir);
  await runPrune(r.ctx);
  return { r, runDir };
}

const steps = (r: Recorded, key: string) => r.series(key).map(([s]) => s);
const asMap = (r: Recorded, key: string) => new Map(r.series(key));

/** Parameters of a saved folder counted from its tensors (tied lm_head counted once). */
async function tensorParameters(dir: string): Promise<number> {
  let n = 0;
  for (const [, t] of await readCheckpoint(dir)) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}

describe('prune executor on a tiny random model', () => {
  it('block influence: scores, similarity, removal record, sweep, folder and results file', async () => {
    const { r, runDir } = await run({ method: 'block_influence', num_layers: 2 });
    // scores per layer (BI) and per block start (angular, streamline with n = 2)
    expect(steps(r, 'score/block_influence')).toEqual([0, 1, 2, 3]);
    expect(steps(r, 'score/angular_distance')).toEqual([0, 1, 2]);
    expect(steps(r, 'score/streamline')).toEqual([0, 1, 2]);
    expect(r.series('score/ppl')).toEqual([]);
    for (let a = 0; a <= 4; a++) {
      expect(steps(r, `similarity/${a}`)).toEqual([0, 1, 2, 3, 4]);
      expect(asMap(r, `similarity/${a}`).get(a)).toBeCloseTo(1, 6);
      for (let b = 0; b <= 4; b++) expect(asMap(r, `similarity/${a}`).get(b)).toBeCloseTo(asMap(r, `similarity/${b}`).get(a)!, 12);
    }
    // BI is 1 − the similarity of consecutive states, as reported
    const bi = asMap(r, 'score/block_influence');
    for (let l = 0; l < 4; l++) expect(bi.get(l)).toBeCloseTo(1 - asMap(r, `similarity/${l}`).get(l + 1)!, 12);
    // the two lowest BI among layers 1–3 (layer 0 protected), lowest first
    const want = [1, 2, 3].sort((a, b) => bi.get(a)! - bi.get(b)! || b - a).slice(0, 2);
    expect(r.series('prune/order')).toEqual([
      [1, want[0]],
      [2, want[1]],
    ]);
    expect(r.series('prune/removed')).toEqual([...want].sort().map((l) => [l, 1]));
    expect(r.logs.some((l) => l.text.includes(`block_influence removes layers ${want.join(', ')}`))).toBe(true);

    // sweep: k = 0, 1, 2
    for (const task of ['arithmetic', 'compare']) expect(steps(r, `eval/${task}/accuracy`)).toEqual([0, 1, 2]);
    expect(steps(r, 'calibration/nll')).toEqual([0, 1, 2]);
    expect(steps(r, 'model/parameters')).toEqual([0, 1, 2]);
    const acc0 = r.series('eval/compare/accuracy')[0]![1];
    if (acc0 > 0) {
      expect(steps(r, 'eval/compare/normalized')).toEqual([0, 1, 2]);
      r.series('eval/compare/normalized').forEach(([k, v]) => expect(v).toBeCloseTo(asMap(r, 'eval/compare/accuracy').get(k)! / acc0, 12));
    }
    const nll = r.series('calibration/nll').map(([, v]) => v);
    expect(nll.every(Number.isFinite)).toBe(true);
    expect(nll[0]).not.toBeCloseTo(nll[2]!, 3);

    // the saved folder: 2 layers, its tensors count what model/parameters says at k = 2
    const model = r.artifacts.find((a) => a.kind === 'model')!;
    expect(model.path).toBe(join(runDir, 'model', 'config.json'));
    const saved = await loadModelFolder(join(runDir, 'model'));
    expect(saved.config.num_hidden_layers).toBe(2);
    expect(await tensorParameters(join(runDir, 'model'))).toBe(asMap(r, 'model/parameters').get(2));
    expect(await tensorParameters(modelDir)).toBe(asMap(r, 'model/parameters').get(0));
    const kept = [0, 1, 2, 3].filter((l) => !want.includes(l));
    expect(saved.weights.layers[1]!.up.data).toEqual((await loadModelFolder(modelDir)).weights.layers[kept[1]!]!.up.data);

    const res = JSON.parse(readFileSync(join(runDir, 'pruning-results.json'), 'utf8')) as PruningResults;
    expect(r.artifacts.find((a) => a.kind === 'pruning-results')?.path).toBe(join(runDir, 'pruning-results.json'));
    expect(res).toMatchObject({ method: 'block_influence', order: want, removed: [...want].sort(), layers: 4 });
    expect(res.scores.block_influence).toEqual([0, 1, 2, 3].map((l) => bi.get(l)));
    expect(res.similarity).toHaveLength(5);
    expect(res.sweep.map((p) => p.removed)).toEqual([[], [want[0]], want]);
    expect(res.sweep[2]!.accuracy.compare).toBe(asMap(r, 'eval/compare/accuracy').get(2));

    // phases in the contract's order; samples for the dense and the pruned model
    const phases = [...new Set(r.progress.map((p) => p.phase))];
    expect(phases).toEqual(['calibrate', 'score', 'eval', 'save']);
    expect(new Set(r.samples.map((s) => s.step))).toEqual(new Set([0, 2]));
    expect(r.samples.filter((s) => s.step === 2)).toHaveLength(8);
  });

  it('sleb: the first removal is the lowest per-layer calibration NLL; the sweep NLL agrees with score/ppl', async () => {
    const { r, runDir } = await run({ method: 'sleb', num_layers: 2, protect_last: 1, eval: { tasks: CHOICE_TASKS, num_examples: 3, sweep: false } });
    const ppl = asMap(r, 'score/ppl');
    expect([...ppl.keys()]).toEqual([0, 1, 2, 3]);
    const order = r.series('prune/order').map(([, l]) => l);
    expect(order).toHaveLength(2);
    expect(order.every((l) => l === 1 || l === 2)).toBe(true); // protect_first 1, protect_last 1
    expect(order[0]).toBe(ppl.get(1)! < ppl.get(2)! ? 1 : 2);
    // sweep off: dense and fully pruned only
    expect(steps(r, 'calibration/nll')).toEqual([0, 2]);
    const res = JSON.parse(readFileSync(join(runDir, 'pruning-results.json'), 'utf8')) as PruningResults;
    expect(res.search).toHaveLength(2);
    expect(res.search[0]!.scores[1]).toBeCloseTo(Math.log(ppl.get(1)!), 10);
    // the last iteration scored exactly the model that was kept
    expect(res.search[1]!.scores[order[1]!]).toBeCloseTo(asMap(r, 'calibration/nll').get(2)!, 5);
    expect([...new Set(r.progress.map((p) => p.phase))]).toEqual(['calibrate', 'score', 'search', 'eval', 'save']);
  });

  it('iterative_task: first-iteration scores are mean normalized accuracies; the argmax goes', async () => {
    const { r } = await run({ method: 'iterative_task', num_layers: 1, search_examples: 4, eval: { tasks: CHOICE_TASKS, num_examples: 3, sweep: false } });
    const s = asMap(r, 'score/iterative_task');
    expect([...s.keys()].sort()).toEqual([1, 2, 3]);
    const best = [3, 2, 1].reduce((a, b) => (s.get(b)! > s.get(a)! ? b : a));
    expect(r.series('prune/order')).toEqual([[1, best]]);
    expect(r.logs.some((l) => l.text.startsWith('iterative_task: dense accuracy on the search examples'))).toBe(true);
  });

  it('reverse order and angular distance respect protect_last; streamline picks a block', async () => {
    const rev = await run({ method: 'reverse_order', num_layers: 2, protect_last: 1, eval: { tasks: CHOICE_TASKS, num_examples: 2, sweep: false } });
    expect(rev.r.series('prune/order')).toEqual([
      [1, 2],
      [2, 1],
    ]);
    const ang = await run({ method: 'angular_distance', num_layers: 2, protect_first: 0, protect_last: 1, eval: { tasks: CHOICE_TASKS, num_examples: 2, sweep: false } });
    const d = asMap(ang.r, 'score/angular_distance');
    const start = d.get(0)! < d.get(1)! ? 0 : 1; // blocks [0,2) and [1,3) fit before the protected last layer
    expect(ang.r.series('prune/order').map(([, l]) => l)).toEqual([start + 1, start]);
    const st = await run({ method: 'streamline', num_layers: 3, eval: { tasks: CHOICE_TASKS, num_examples: 2, sweep: false } });
    expect(st.r.series('prune/order').map(([, l]) => l)).toEqual([3, 2, 1]); // the only block of 3 after layer 0
  });

  it('refuses impossible removals naming the field, before any work', async () => {
    await expect(run({ num_layers: 4 })).rejects.toThrow(/^num_layers: expected fewer layers to remove than the model has \(4\), got 4/);
    await expect(run({ num_layers: 3, protect_last: 1 })).rejects.toThrow(/^num_layers: expected at most 2/);
    await expect(run({ protect_first: 2, protect_last: 2 })).rejects.toThrow(/protect_first \(2\) and protect_last \(2\) protect all 4 layers/);
    await expect(run({ calibration: { seq_len: 256 } })).rejects.toThrow(/^calibration\.seq_len: expected at most the model's 128 positions/);
    await expect(run({ eval: { tasks: [{ task: 'nope' }] } })).rejects.toThrow(/^eval\.tasks\[0\]: /);
    await expect(run({ eval: { tasks: [{ task: 'compare' }, { task: 'compare' }] } })).rejects.toThrow(/^eval\.tasks\[1\]: task 'compare' is already listed/);
    await expect(run({ method: 'iterative_task', search_examples: 2, eval: { tasks: [{ task: 'arithmetic', options: { min_digits: 3, max_digits: 3 } }] } })).rejects.toThrow(
      /^search_examples: the dense model solves none of its 2 search examples/,
    );
  });

  it('stops between steps when cancelled and writes nothing', async () => {
    const runDir = join(root.dir, 'cancelled');
    mkdirSync(runDir);
    const r = recordingContext(config({ method: 'ppl' }), runDir, { onProgress: () => undefined });
    const origProgress = r.ctx.progress;
    r.ctx.progress = (step, total, phase) => {
      origProgress(step, total, phase);
      if (phase === 'score' && step === 1) r.controller.abort();
    };
    await runPrune(r.ctx);
    expect(r.series('prune/order')).toEqual([]);
    expect(r.artifacts).toEqual([]);
    expect(existsSync(join(runDir, 'pruning-results.json'))).toBe(false);
  });
});
