import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/shared/records';
import { cellValue, compareCells, configPaths, matchesFilter } from '../../../src/renderer/src/runs/analysisColumns';

const run = (id: string, config: Record<string, unknown>): RunRecord => ({
  id, kind: 'grpo', name: id, status: 'succeeded', config, modelRef: null, tags: [], parentId: null, createdAt: 0, startedAt: 0, endedAt: 1, exitReason: null, progress: null, device: 'cpu',
});

describe('Runs table analysis columns', () => {
  const a = run('a', { training: { seed: 1, beta: 0.04 }, tasks: [{ task: 'gsm8k' }] });
  const b = run('b', { training: { seed: 2 } });
  const finals = { a: { 'eval/acc': 0.5 }, b: { 'eval/acc': null } };

  it('reads config fields and final metrics', () => {
    expect(cellValue(a, { kind: 'config', path: 'training.beta' }, finals)).toBe(0.04);
    expect(cellValue(b, { kind: 'config', path: 'training.beta' }, finals)).toBeNull();
    expect(cellValue(a, { kind: 'config', path: 'tasks.0.task' }, finals)).toBe('gsm8k');
    expect(cellValue(a, { kind: 'metric', path: 'eval/acc' }, finals)).toBe(0.5);
    expect(cellValue(b, { kind: 'metric', path: 'eval/acc' }, finals)).toBeNull();
    expect(configPaths([a, b])).toEqual(['training.seed', 'training.beta', 'tasks.0.task']);
  });

  it('filters by comparison or by text', () => {
    expect(matchesFilter(0.5, '>0.4')).toBe(true);
    expect(matchesFilter(0.5, '>=0.5')).toBe(true);
    expect(matchesFilter(0.5, '<0.5')).toBe(false);
    expect(matchesFilter(2, '=2')).toBe(true);
    expect(matchesFilter(null, '>0')).toBe(false);
    expect(matchesFilter('gsm8k', 'GSM')).toBe(true);
    expect(matchesFilter('gsm8k', 'math')).toBe(false);
    expect(matchesFilter(null, '')).toBe(true);
  });

  it('sorts numbers, then text, empties last either way', () => {
    const cells = ['b', 3, null, 1, 'a', 2];
    expect(cells.slice().sort((x, y) => compareCells(x, y, false))).toEqual([1, 2, 3, 'a', 'b', null]);
    expect(cells.slice().sort((x, y) => compareCells(x, y, true))).toEqual([3, 2, 1, 'b', 'a', null]);
  });
});
