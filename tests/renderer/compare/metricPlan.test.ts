import { describe, expect, it } from 'vitest';
import type { MetricSeries, RunRecord } from '../../../src/shared/records';
import { barFamilies, comparableKeys, isSingleResult, planComparison } from '../../../src/renderer/src/compare/metricPlan';

const s = (key: string, steps: number[], values: number[]): MetricSeries => ({ key, steps, values, downsampled: false });
const map = (...xs: MetricSeries[]) => Object.fromEntries(xs.map((x) => [x.key, x]));
const run = (id: string, o: Partial<RunRecord> = {}): RunRecord => ({
  id, kind: 'pretrain', name: id, status: 'succeeded', config: {}, modelRef: null, tags: [], parentId: null,
  createdAt: 0, startedAt: 0, endedAt: 1, exitReason: null, progress: null, device: null, ...o,
});

describe('what a comparison draws', () => {
  it('compares keys two runs have, or all of them when asked', () => {
    const a = map(s('loss', [1], [1]), s('grad_norm', [1], [1]), s('only/a', [1], [1]));
    const b = map(s('loss', [1], [1]), s('grad_norm', [1], [1]), s('empty', [], []));
    const c = map(s('loss', [1], [1]), s('empty', [], []));
    expect(comparableKeys([a, b, c], false)).toEqual(['grad_norm', 'loss']);
    expect(comparableKeys([a, b, c], true)).toEqual(['loss']);
  });

  it('treats eval results, breakdowns and finished one-point metrics as single results, not a running one', () => {
    expect(isSingleResult(run('e', { kind: 'eval' }), 'eval/t/accuracy', s('x', [0], [1]))).toBe(true);
    expect(isSingleResult(run('p', { status: 'running' }), 'breakdown/t/k=1', s('x', [5], [1]))).toBe(true);
    expect(isSingleResult(run('p'), 'eval/t/accuracy', s('x', [10, 20], [0.1, 0.2]))).toBe(false);
    expect(isSingleResult(run('p', { status: 'running' }), 'eval/t/accuracy', s('x', [10], [0.1]))).toBe(false);
    expect(isSingleResult(run('p'), 'perf/tokens_per_s', s('x', [100], [900]))).toBe(true);
  });

  it('groups single results per task (config order) and per knob value (natural order)', () => {
    const fams = barFamilies(
      ['breakdown/arith/digits=10', 'breakdown/arith/digits=2', 'eval/zeta/accuracy', 'eval/arith/accuracy', 'eval/arith/nll', 'perf/x'],
      ['zeta', 'arith'],
    );
    expect(fams.map((f) => [f.id, f.percent, f.categories.map((c) => c.label), f.categories.map((c) => c.key)])).toEqual([
      ['eval/{task}/accuracy', true, ['zeta', 'arith'], ['eval/zeta/accuracy', 'eval/arith/accuracy']],
      ['eval/{task}/nll', false, ['arith'], ['eval/arith/nll']],
      ['breakdown/arith/digits', true, ['digits=2', 'digits=10'], ['breakdown/arith/digits=2', 'breakdown/arith/digits=10']],
      ['perf/x', false, ['perf/x'], ['perf/x']],
    ]);
  });

  it('draws a key as lines when any run has a curve of it', () => {
    const evalRun = { run: run('e', { kind: 'eval', config: { tasks: [{ task: 'b' }, { task: 'a' }] } }), series: map(s('eval/a/accuracy', [0], [0.5]), s('eval/b/accuracy', [0], [0.1])) };
    const evalRun2 = { run: run('f', { kind: 'eval' }), series: map(s('eval/a/accuracy', [0], [0.7]), s('eval/b/accuracy', [0], [0.2])) };
    const trainRun = { run: run('t'), series: map(s('eval/a/accuracy', [10, 20], [0.2, 0.4]), s('loss', [1, 2], [2, 1])) };
    const both = planComparison([evalRun, evalRun2], false);
    expect(both.lineGroups).toEqual([]);
    expect(both.barFamilies.map((f) => [f.id, f.categories.map((c) => c.label)])).toEqual([['eval/{task}/accuracy', ['b', 'a']]]);
    const mixed = planComparison([evalRun, evalRun2, trainRun], false);
    expect(mixed.lineGroups).toEqual([{ name: 'eval', keys: ['eval/a/accuracy'] }]);
    expect(mixed.barFamilies.map((f) => f.categories.map((c) => c.key))).toEqual([['eval/b/accuracy']]);
    expect(mixed.keys).toEqual(['eval/a/accuracy', 'eval/b/accuracy']);
    expect(planComparison([evalRun, evalRun2, trainRun], true).keys).toEqual(['eval/a/accuracy']);
  });
});
