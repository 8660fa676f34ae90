/** Sweep chart builders against hand-worked cases: settings, mean ± std bands, ranking, parallel axes. */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/shared/records';
import { bandChartOption, guessGoal, meanStdBand, parallelOption, rankRuns, sharedFinalKeys, sweepSettings } from '../../../src/renderer/src/charts/sweepCharts';

function run(id: string, point: Record<string, number | string>): RunRecord {
  return {
    id, kind: 'grpo', name: id, status: 'succeeded', config: {}, modelRef: null, tags: [], parentId: null, createdAt: 0, startedAt: 0, endedAt: 1,
    exitReason: null, progress: null, device: null, sweep: { sweepId: 'sweep-x', point },
  };
}

const runs = [
  run('a', { 'training.learning_rate': 1e-5, seed: 1 }),
  run('b', { 'training.learning_rate': 1e-5, seed: 2 }),
  run('c', { 'training.learning_rate': 1e-3, seed: 1 }),
  run('d', { 'training.learning_rate': 1e-3, seed: 2 }),
];
const fields = ['training.learning_rate', 'seed'];

describe('settings and bands', () => {
  it('groups runs by their non-seed values', () => {
    expect(sweepSettings(runs, fields)).toEqual([
      { label: 'learning_rate=1e-5', assignments: { 'training.learning_rate': 1e-5 }, runIds: ['a', 'b'] },
      { label: 'learning_rate=0.001', assignments: { 'training.learning_rate': 1e-3 }, runIds: ['c', 'd'] },
    ]);
    expect(sweepSettings(runs.slice(0, 2), ['seed'])).toEqual([{ label: 'all runs', assignments: {}, runIds: ['a', 'b'] }]);
  });

  it('mean and sample std per step, over the runs that logged the step', () => {
    // step 0: {1, 3} → mean 2, std √2; step 1: {2, 6, 7} → mean 5, var ((9+1+4)/2)=7; step 2: {4} → std 0.
    const band = meanStdBand([
      { steps: [0, 1, 2], values: [1, 2, 4] },
      { steps: [0, 1], values: [3, 6] },
      { steps: [1, 3], values: [7, Number.NaN] },
    ]);
    expect(band.steps).toEqual([0, 1, 2]);
    expect(band.mean).toEqual([2, 5, 4]);
    expect(band.std[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(band.std[1]).toBeCloseTo(Math.sqrt(7), 12);
    expect(band.std[2]).toBe(0);
    expect(band.n).toEqual([2, 3, 1]);
  });

  it('draws mean − std and a stacked 2·std area on a shared step axis', () => {
    const opt = bandChartOption([
      { label: 'lr=a', band: { steps: [0, 2], mean: [1, 2], std: [0.5, 1], n: [2, 2] } },
      { label: 'lr=b', band: { steps: [1, 2], mean: [3, 4], std: [0, 2], n: [2, 2] } },
    ]);
    expect((opt.xAxis as { data: string[] }).data).toEqual(['0', '1', '2']);
    const s = opt.series as { name: string; data: (number | null)[]; stack?: string; areaStyle?: unknown }[];
    expect(s.map((x) => x.name)).toEqual(['lr=a (mean − std)', 'lr=a (± std)', 'lr=a', 'lr=b (mean − std)', 'lr=b (± std)', 'lr=b']);
    expect(s[0]!.data).toEqual([0.5, null, 1]);
    expect(s[1]!.data).toEqual([1, null, 2]);
    expect(s[1]!.stack).toBe(s[0]!.stack);
    expect(s[1]!.areaStyle).toBeDefined();
    expect(s[2]!.data).toEqual([1, null, 2]);
    expect(s[3]!.data).toEqual([null, 3, 2]);
    expect(s[4]!.data).toEqual([null, 0, 4]);
    expect(s[3]!.stack).not.toBe(s[0]!.stack);
  });
});

describe('ranking and parallel coordinates', () => {
  const finals = { a: { acc: 0.5, loss: 2 }, b: { acc: 0.7, loss: 1.5 }, c: { acc: 0.6 }, d: {} };

  it('sorts by the metric in the chosen direction, the best marked, runs without it last', () => {
    expect(rankRuns(runs, finals, 'acc', 'max').map((r) => [r.run.id, r.value, r.best])).toEqual([
      ['b', 0.7, true],
      ['c', 0.6, false],
      ['a', 0.5, false],
      ['d', null, false],
    ]);
    expect(rankRuns(runs, finals, 'loss', 'min').map((r) => r.run.id)).toEqual(['b', 'a', 'c', 'd']);
    expect(guessGoal('train/loss')).toBe('min');
    expect(guessGoal('eval/knights_knaves/accuracy')).toBe('max');
    expect(sharedFinalKeys(runs, finals)).toEqual(['acc']);
  });

  it('has one axis per field plus the metric; a 100× numeric spread is logarithmic; the best is its own series', () => {
    const opt = parallelOption(rankRuns(runs, finals, 'acc', 'max'), fields, 'acc');
    const axes = opt.parallelAxis as { dim: number; name: string; type: string }[];
    expect(axes.map((a) => [a.dim, a.name, a.type])).toEqual([
      [0, 'learning_rate', 'log'],
      [1, 'seed', 'value'],
      [2, 'acc', 'value'],
    ]);
    const [rest, best] = opt.series as { data: unknown[][] }[];
    expect(best!.data).toEqual([[1e-5, 2, 0.7]]);
    expect(rest!.data).toEqual([
      [1e-3, 1, 0.6],
      [1e-5, 1, 0.5],
    ]);
  });

  it('puts non-numeric values on category axes', () => {
    const r = [run('x', { loss_type: 'dapo', seed: 1 }), run('y', { loss_type: 'grpo', seed: 1 })];
    const opt = parallelOption(rankRuns(r, { x: { m: 1 }, y: { m: 2 } }, 'm', 'max'), ['loss_type', 'seed'], 'm');
    const axes = opt.parallelAxis as { type: string; data?: string[] }[];
    expect(axes[0]).toMatchObject({ type: 'category', data: ['grpo', 'dapo'] });
    expect((opt.series as { data: unknown[][] }[])[1]!.data).toEqual([['grpo', 1, 2]]);
  });
});
