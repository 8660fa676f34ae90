import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../src/shared/records';
import { bestIndices, finalValueRows, lastFinite, metricDirection } from '../../../src/renderer/src/compare/finalValues';

const s = (key: string, steps: number[], values: number[]): MetricSeries => ({ key, steps, values, downsampled: false });

describe('final values', () => {
  it('guesses the direction from the name', () => {
    const cases: [string, string | null][] = [
      ['loss', 'lower'], ['loss/train', 'lower'], ['train/loss', 'lower'], ['eval/nll', 'lower'], ['calibration/nll', 'lower'],
      ['eval/perplexity', 'lower'], ['eval/arithmetic/accuracy', 'higher'], ['reward', 'higher'], ['rewards/mean', 'higher'],
      ['train/reward_mean', 'higher'], ['eval/parity/pass@1', 'higher'], ['reward_std', null], ['rewards/std', null],
      ['grad_norm', null], ['train/learning_rate', null], ['loss_scale_std', null],
    ];
    expect(cases.map(([k]) => [k, metricDirection(k)])).toEqual(cases);
  });

  it('takes the last finite point', () => {
    expect(lastFinite(s('x', [1, 2, 3], [5, 4, NaN]))).toEqual({ value: 4, step: 2 });
    expect(lastFinite(s('x', [1], [NaN]))).toBeNull();
    expect(lastFinite(undefined)).toBeNull();
  });

  it('marks the lowest loss and the highest accuracy, ties included, nothing for one value or no direction', () => {
    expect(bestIndices([0.5, 0.3, null, 0.3], 'lower')).toEqual([1, 3]);
    expect(bestIndices([0.5, 0.3, 0.9], 'higher')).toEqual([2]);
    expect(bestIndices([0.5, null], 'lower')).toEqual([]);
    expect(bestIndices([1, 2], null)).toEqual([]);
    const rows = finalValueRows(['loss', 'eval/t/accuracy', 'grad_norm'], [
      { loss: s('loss', [1, 2], [3, 2]), 'eval/t/accuracy': s('eval/t/accuracy', [0], [0.25]), grad_norm: s('grad_norm', [2], [1]) },
      { loss: s('loss', [1, 2, 3], [3, 1.5, 1.25]), 'eval/t/accuracy': s('eval/t/accuracy', [0], [0.75]), grad_norm: s('grad_norm', [2], [5]) },
    ]);
    expect(rows.map((r) => [r.key, r.direction, r.cells.map((c) => c?.value), r.best])).toEqual([
      ['loss', 'lower', [2, 1.25], [1]],
      ['eval/t/accuracy', 'higher', [0.25, 0.75], [1]],
      ['grad_norm', null, [1, 5], []],
    ]);
  });
});
