/**
 * Calibration against an independent float64 computation: packed rows of task examples run
 * through the ONNX decoder (in uneven batches) give the similarity matrix, last-token angular
 * distances, block influence, LLM-Streamline scores and calibration NLL that a plain-JS float64
 * reference forward (tests/engine/model/referenceDecoder.ts) gives on the same rows; the NLL of a
 * pruned build equals the reference with those layers skipped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { charTokenizerFiles, tokenizerFromJson } from '../../../src/engine/model/tokenizer';
import { clearSessionCache } from '../../../src/engine/onnx';
import { calibrationForward, calibrationSet, type CalibrationSet } from '../../../src/engine/pruning/calibration';
import { angularDistance, blockInfluence, streamlineScores } from '../../../src/engine/pruning/scores';
import type { DecoderConfig } from '../../../src/engine/model/config';
import type { DecoderWeights } from '../../../src/engine/model/weights';
import { referenceForward } from '../model/referenceDecoder';
import { tinyConfig, tinyWeights } from './tinyPruneModel';

afterAll(clearSessionCache);

const tok = tokenizerFromJson(charTokenizerFiles().json, charTokenizerFiles().config);
const TASKS = [
  { task: 'arithmetic', weight: 1, options: { max_digits: 2 } },
  { task: 'compare', weight: 1, options: { max_digits: 2 } },
];
const session = { executionProvider: 'cpu' as const, threads: 1 };

/** Rows as token lists cut at their real length. */
function realRows(set: CalibrationSet): number[][] {
  return set.lengths.map((len, r) => Array.from(set.inputIds.subarray(r * set.seqLen, r * set.seqLen + len), Number));
}

function cos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return d / Math.sqrt(na * nb);
}

/** Float64 statistics from the reference forward: [state k][row][t] → vector, k = 0 embedding. */
function referenceStats(c: DecoderConfig, w: DecoderWeights, set: CalibrationSet) {
  const rows = realRows(set);
  const d = c.hidden_size;
  const states: Float64Array[][][] = [rows.map((ids) => ids.map((id) => Float64Array.from(w.embed.data.subarray(id * d, (id + 1) * d))))];
  const perRow = rows.map((ids) => referenceForward(c, w, [ids]));
  for (let l = 0; l < c.num_hidden_layers; l++) states.push(perRow.map((o) => o.hidden[l]![0]!));
  const n = states.length;
  const sim = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const ang = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let tokens = 0;
  rows.forEach((ids, r) => {
    ids.forEach((_, t) => {
      tokens++;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) sim[a]![b]! += cos(states[a]![r]![t]!, states[b]![r]![t]!);
    });
    const T = ids.length - 1;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) ang[a]![b]! += Math.acos(Math.min(1, cos(states[a]![r]![T]!, states[b]![r]![T]!))) / Math.PI;
  });
  return { sim: sim.map((row) => row.map((v) => v / tokens)), ang: ang.map((row) => row.map((v) => v / rows.length)) };
}

/** Mean NLL of the labelled next tokens under the reference on `layers`. */
function referenceNll(c: DecoderConfig, w: DecoderWeights, set: CalibrationSet, layers?: number[]): number {
  let sum = 0;
  let count = 0;
  realRows(set).forEach((ids, r) => {
    const logits = referenceForward(c, w, [ids], { layers }).logits[0]!;
    ids.forEach((_, t) => {
      const y = Number(set.labels[r * set.seqLen + t]);
      if (y < 0) return;
      const row = logits[t]!;
      const m = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      sum -= row[y]! - m - Math.log(z);
      count++;
    });
  });
  expect(count).toBe(set.targetTokens);
  return sum / count;
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))));

describe('calibration rows', () => {
  it('packs whole examples, right-padded, with the real length of each row read from its labels', () => {
    const set = calibrationSet(tok, TASKS, 3, 40, 5);
    expect(set.rows).toBe(3);
    set.lengths.forEach((len, r) => {
      const row = Array.from(set.inputIds.subarray(r * 40, (r + 1) * 40), Number);
      expect(row[0]).toBe(tok.bosId);
      expect(len).toBeGreaterThan(5);
      expect(row.slice(len).every((id) => id === tok.padId)).toBe(true);
      expect(row.slice(0, len).includes(tok.padId!)).toBe(false);
      expect(Number(set.labels[r * 40 + len - 1])).toBe(tok.eosId); // the row's last input predicts its final <eos>
      // a second packed example opens with <bos>, whose position does not count in the NLL
      row.slice(1, len).forEach((id, i) => id === tok.bosId && expect(Number(set.labels[r * 40 + i])).toBe(-100));
    });
    // seeded: the same rows again
    expect(calibrationSet(tok, TASKS, 3, 40, 5).inputIds).toEqual(set.inputIds);
  });

  it('names the calibration fields in errors', () => {
    expect(() => calibrationSet(tok, [{ task: 'knights_knaves', weight: 1 }], 2, 8, 1)).toThrow(/^calibration\.seq_len: 8 tokens is too short/);
  });
});

describe('calibration statistics vs a float64 reference forward', () => {
  const c = tinyConfig(4);
  const w = tinyWeights(c, 21);
  const set = calibrationSet(tok, TASKS, 3, 40, 9);

  it('similarity, angular distance, block influence, streamline and NLL agree', async () => {
    const got = await calibrationForward(c, w, set, { hiddenStates: true, session, batchRows: 2 });
    const ref = referenceStats(c, w, set);
    const sim = got!.stats!.similarity();
    const ang = got!.stats!.lastTokenAngular();
    expect(sim).toHaveLength(5);
    expect(got!.stats!.tokens).toBe(set.lengths.reduce((a, b) => a + b, 0));
    expect(got!.stats!.rows).toBe(3);
    expect(maxDiff(sim, ref.sim)).toBeLessThan(1e-5);
    expect(maxDiff(ang, ref.ang)).toBeLessThan(1e-4);
    // the metrics are not degenerate on this model: the layers change the stream by different amounts
    const bi = blockInfluence(sim);
    expect(Math.max(...bi) - Math.min(...bi)).toBeGreaterThan(0.01);
    bi.forEach((v, l) => expect(v).toBeCloseTo(1 - ref.sim[l]![l + 1]!, 5));
    angularDistance(ang, 2).forEach((v, l) => expect(v).toBeCloseTo(ref.ang[l]![l + 2]!, 4));
    streamlineScores(sim, 2).forEach((v, l) => expect(v).toBeCloseTo(0.5 + 0.5 * ref.sim[l]![l + 2]!, 5));
    expect(got!.nll).toBeCloseTo(referenceNll(c, w, set), 4);
  });

  it('the NLL of a pruned build equals the reference with those layers skipped', async () => {
    const got = await calibrationForward(c, w, set, { layers: [0, 2], session });
    expect(got!.stats).toBeNull();
    const want = referenceNll(c, w, set, [0, 2]);
    expect(got!.nll).toBeCloseTo(want, 4);
    expect(Math.abs(want - referenceNll(c, w, set))).toBeGreaterThan(0.01); // skipping layers changes the loss
  });

  it('stops between batches when aborted', async () => {
    const ac = new AbortController();
    let batches = 0;
    const r = await calibrationForward(c, w, set, { session, batchRows: 1, signal: ac.signal, onBatch: () => (++batches, ac.abort()) });
    expect(r).toBeNull();
    expect(batches).toBe(1);
  });
});
