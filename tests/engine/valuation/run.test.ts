/**
 * The value executor end to end with the recording context on a tiny random untied model: the
 * contract's metrics, one sample row per train example, the artifacts; every value and pairwise
 * entry against a float64 reference forward (tests/engine/model/referenceDecoder.ts); the
 * protocol metrics against brute-force pair counts over the artifact; errors naming the config
 * fields; cancellation.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeExample, type EncodedSequence } from '../../../src/engine/data/batches';
import type { ModelFolder } from '../../../src/engine/model/folder';
import { clearSessionCache } from '../../../src/engine/onnx';
import { cleanItems, drawExamples } from '../../../src/engine/valuation/data';
import { collectVocabulary, scoredPositions, sequenceFeatures, type FeatureOptions, type SampleFeatures } from '../../../src/engine/valuation/features';
import { runValue, type ValueResults, type ValueRow } from '../../../src/engine/valuation/run';
import { valuesAgainstValidation } from '../../../src/engine/valuation/score';
import { referenceForward } from '../model/referenceDecoder';
import { saveTinyModel } from '../pruning/tinyPruneModel';
import { recordingContext, tempDir, type Recorded } from '../runs/recordingContext';

let root: { dir: string; cleanup: () => void };
let modelDir: string;
let model: ModelFolder;
let runs = 0;

beforeAll(async () => {
  root = tempDir('benchtop-value-run-');
  modelDir = join(root.dir, 'tiny');
  model = await saveTinyModel(modelDir, 2, 13);
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

const TASKS = [
  { task: 'compare', options: { max_digits: 2 } },
  { task: 'brackets_classify', options: { max_len: 6 } },
  { task: 'arithmetic', options: { max_digits: 2, ood_digits: 0 } },
];
function config(extra: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'value', seed: 4, model: modelDir, train: { tasks: TASKS, num_examples: 12 }, val: { num_examples: 6 }, mislabel_ratio: 0.25, mislabel_seed: 2, batch_size: 4, ...extra };
}

async function run(extra: Record<string, unknown>): Promise<{ r: Recorded; runDir: string }> {
  const runDir = join(root.dir, `run${++runs}`);
  mkdirSync(runDir);
  const r = recordingContext(config(extra), runDir);
  await runValue(r.ctx);
  return { r, runDir };
}

const readRows = (runDir: string): ValueRow[] =>
  readFileSync(join(runDir, 'values.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ValueRow);

/** Features of `seqs` from the float64 reference forward (one unpadded sequence at a time). */
function referenceFeatures(seqs: readonly EncodedSequence[], o: FeatureOptions): SampleFeatures[] {
  const { config: c, weights: w } = model;
  return seqs.map((s) => {
    const ref = referenceForward(c, w, [s.ids.slice(0, -1)]);
    const pos = scoredPositions(s);
    return sequenceFeatures(
      {
        hidden: pos.flatMap((t) => Array.from(ref.normed[0]![t]!)),
        logits: pos.flatMap((t) => Array.from(ref.logits[0]![t]!)),
        targets: pos.map((t) => s.ids[t + 1]!),
        d: c.hidden_size,
        V: c.vocab_size,
      },
      o,
    );
  });
}

/** Brute-force AUC: share of (positive, negative) pairs the positive wins, ties ½. */
function bruteAuc(scores: number[], pos: boolean[]): number {
  let wins = 0;
  let n = 0;
  scores.forEach((s, i) => scores.forEach((t, j) => {
    if (!pos[i] || pos[j]) return;
    n++;
    wins += s > t ? 1 : s === t ? 0.5 : 0;
  }));
  return wins / n;
}

const enc = (prompt: string, completion: string) => encodeExample(model.tokenizer, prompt, completion, { completionOnly: true });
const valSeqs = () => cleanItems(drawExamples(TASKS.map((t) => ({ weight: 1, ...t })), 6, 'test', 4, 'v')).map((it) => enc(it.prompt, it.completion));

describe('value executor', () => {
  it('full Φ: values, pairwise matrix, protocol metrics, samples and artifacts', async () => {
    const { r, runDir } = await run({ method: 'full', save_pairwise: true });
    expect(r.devices).toEqual(['cpu']);
    expect(new Set(r.progress.map((p) => p.phase))).toEqual(new Set(['features', 'score', 'protocols']));
    const m = r.metrics[0]!.values;
    expect(r.metrics.length).toBe(1);
    for (const k of ['value/auc_influence', 'value/recall_influence', 'value/auc_mislabel', 'value/recall_mislabel', 'value/selected_clean_ratio', 'time/features_seconds', 'time/score_seconds']) {
      expect(Number.isFinite(m[k]), k).toBe(true);
    }
    expect(m).toMatchObject({ 'data/train_examples': 12, 'data/val_examples': 6, 'data/mislabeled': 3, 'value/vocabulary_rows': model.config.vocab_size, 'value/selected': 2, 'value/clean_ratio': 0.75 });
    expect(r.artifacts.map((a) => a.kind)).toEqual(['values', 'value-results', 'value-pairwise']);

    // values against the float64 reference
    const rows = readRows(runDir);
    expect(rows.map((x) => x.index)).toEqual([...Array(12).keys()]);
    expect(rows.filter((x) => x.mislabeled).length).toBe(3);
    const trainF = referenceFeatures(rows.map((x) => enc(x.prompt, x.completion)), { method: 'full' });
    const valF = referenceFeatures(valSeqs(), { method: 'full' });
    const want = valuesAgainstValidation(trainF, valF, false);
    const scale = Math.max(...Array.from(want, Math.abs));
    rows.forEach((x, i) => expect(Math.abs(x.value - want[i]!), `train ${i}`).toBeLessThan(1e-4 * scale));
    const pw = JSON.parse(readFileSync(join(runDir, 'pairwise.json'), 'utf8')) as { train_ids: string[]; val_ids: string[]; values: number[][] };
    expect(pw.train_ids).toEqual(rows.map((x) => x.id));
    // the mean over validation of the pairwise values is the value (§6.1)
    rows.forEach((x, i) => expect(pw.values.reduce((s, row) => s + row[i]!, 0) / pw.values.length).toBeCloseTo(x.value, 8));

    // protocol metrics against brute force over the artifacts
    const flags = rows.map((x) => x.mislabeled);
    expect(m['value/auc_mislabel']).toBeCloseTo(bruteAuc(rows.map((x) => -x.value), flags), 12);
    const lowest = [...rows].sort((a, b) => a.value - b.value).slice(0, 3);
    expect(m['value/recall_mislabel']).toBeCloseTo(lowest.filter((x) => x.mislabeled).length / 3, 12);
    const valTask = pw.val_ids.map((id) => id.split(':')[0]!);
    const aucs = pw.values.map((row, j) => bruteAuc(row, rows.map((x) => x.task === valTask[j])));
    expect(m['value/auc_influence']).toBeCloseTo(aucs.reduce((a, b) => a + b, 0) / aucs.length, 12);
    // the released code's per-validation protocol: positives = clean train examples with the same task and answer
    const valItems = cleanItems(drawExamples(TASKS.map((t) => ({ weight: 1, ...t })), 6, 'test', 4, 'v'));
    expect(valItems.map((v) => v.example.id)).toEqual(pw.val_ids);
    const perAnswer = pw.values
      .map((row, j) => ({ row, pos: rows.map((x) => x.task === valItems[j]!.task && x.completion === valItems[j]!.completion && !x.mislabeled) }))
      .filter(({ pos }) => pos.some(Boolean) && pos.some((p) => !p))
      .map(({ row, pos }) => bruteAuc(row, pos));
    expect(perAnswer.length).toBeGreaterThan(0);
    expect(m['value/auc_clean_per_val_answer']).toBeCloseTo(perAnswer.reduce((a, b) => a + b, 0) / perAnswer.length, 12);
    const top = [...rows].sort((a, b) => b.value - a.value).slice(0, 2);
    expect(rows.filter((x) => x.selected).map((x) => x.index).sort()).toEqual(top.map((x) => x.index).sort());
    expect(m['value/selected_clean_ratio']).toBe(top.filter((x) => !x.mislabeled).length / 2);
    expect(rows.map((x) => x.rank).sort((a, b) => a - b)).toEqual([...Array(12).keys()].map((k) => k + 1));

    // one sample row per train example, the value in the reward column
    expect(r.samples.length).toBe(12);
    r.samples.forEach((s, i) => {
      expect(s).toMatchObject({ step: 0, prompt: rows[i]!.prompt, completion: rows[i]!.completion, reward: rows[i]!.value });
      expect(s.extra).toMatchObject({ task: rows[i]!.task, mislabeled: rows[i]!.mislabeled, value: rows[i]!.value, rank: rows[i]!.rank });
    });
    const results = JSON.parse(readFileSync(join(runDir, 'value-results.json'), 'utf8')) as ValueResults;
    expect(results).toMatchObject({ method: 'full', approximate: false, train: { count: 12, mislabeled: 3 }, val: { count: 6 } });
    expect(results.metrics).toEqual(m);
  });

  it('topk_unique, factorised, lowest-likelihood positions: values against the reference', async () => {
    const o = { method: 'topk_unique', prediction_topk: 3, approximate: true, lowest_likelihood_ratio: 0.5, protocols: ['mislabel', 'selection'] };
    const { r, runDir } = await run(o);
    expect(r.artifacts.map((a) => a.kind)).toEqual(['values', 'value-results']);
    expect(r.last('value/auc_influence')).toBeUndefined();
    const rows = readRows(runDir);
    const trainF = referenceFeatures(rows.map((x) => enc(x.prompt, x.completion)), { method: 'topk_unique', topk: 3, lowestLikelihoodRatio: 0.5, phi: false });
    const valF = referenceFeatures(valSeqs(), { method: 'topk_unique', topk: 3, phi: false });
    const want = valuesAgainstValidation(trainF, valF, true);
    const scale = Math.max(...Array.from(want, Math.abs));
    rows.forEach((x, i) => {
      expect(Math.abs(x.value - want[i]!), `train ${i}`).toBeLessThan(1e-4 * scale);
      expect(x.positions).toBe(trainF[i]!.positions);
    });
    // total_unique: |U| is the set of token ids of train + validation texts
    const t = await run({ method: 'total_unique', protocols: ['selection'] });
    const u = collectVocabulary([...readRows(t.runDir).map((x) => enc(x.prompt, x.completion)), ...valSeqs()]);
    expect(t.r.last('value/vocabulary_rows')).toBe(u.length);
  });

  it('errors name the config field; cancellation stops without artifacts', async () => {
    await expect(run({ val: { tasks: [{ task: 'majority' }], num_examples: 3 } })).rejects.toThrow(/^val.tasks\[0\]: task 'majority' is no train task/);
    await expect(run({ train: { tasks: [{ task: 'compare' }, { task: 'nope' }], num_examples: 4 } })).rejects.toThrow(/^train.tasks\[1\]: nope: unknown task/);
    const runDir = join(root.dir, 'cancelled');
    mkdirSync(runDir);
    const r = recordingContext(config({}), runDir);
    r.controller.abort();
    await runValue(r.ctx);
    expect(r.artifacts).toEqual([]);
    expect(r.metrics).toEqual([]);
  });
});
