import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RunStore } from '../../../src/core/store';
import { tempDir } from '../support/backend';

let store: RunStore;
let cleanup: () => void;
beforeEach(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  store = RunStore.open(join(t.dir, 'benchtop.db'));
  for (const id of ['a', 'b', 'c']) store.runs.create({ id, kind: 'pretrain', name: id, notes: '', config: {}, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
  const rows: { runId: string; key: string; step: number; value: number; time: number }[] = [];
  // Inserted out of step order: the last value is the one at the largest step.
  for (const step of [3, 1, 2]) rows.push({ runId: 'a', key: 'loss', step, value: 10 - step, time: 0 });
  rows.push({ runId: 'a', key: 'acc', step: 5, value: 0.5, time: 0 }, { runId: 'b', key: 'loss', step: 9, value: NaN, time: 0 });
  rows.push({ runId: 'b', key: 'loss', step: 4, value: 2, time: 0 }, { runId: 'c', key: 'other', step: 1, value: 1, time: 0 });
  store.telemetry.insertMetrics(rows);
});
afterEach(() => {
  store.close();
  cleanup();
});

describe('final metric values of many runs', () => {
  it('gives the value at each run’s last step of each key, and the keys the runs have', () => {
    const f = store.finals.query(['a', 'b'], ['loss', 'acc']);
    expect(f.keys).toEqual(['acc', 'loss']);
    expect(f.values).toEqual({ a: { loss: 7, acc: 0.5 }, b: { loss: null } });
    expect(store.finals.query(['c'], []).keys).toEqual(['other']);
    expect(store.finals.query([], ['loss'])).toEqual({ keys: [], values: {} });
  });
});
