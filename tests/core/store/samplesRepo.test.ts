import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RunStore } from '../../../src/core/store';
import type { SampleRecord } from '../../../src/shared/records';
import type { SampleQuery } from '../../../src/shared/sampleQuery';
import { validateApiArgs } from '../../../src/shared/api';
import { tempDir } from '../support/backend';

let store: RunStore;
let cleanup: () => void;
let all: SampleRecord[];

beforeEach(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  store = RunStore.open(join(t.dir, 'benchtop.db'));
  for (const id of ['r1', 'r2']) {
    store.runs.create({ id, kind: 'grpo', name: id, notes: '', config: { kind: 'grpo' }, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
  }
  // 120 RL samples: 30 steps × 4 completions; a sample without reward or advantage; another run.
  all = [];
  for (let step = 1; step <= 30; step++) {
    for (let j = 0; j < 4; j++) {
      const correct = (step + j) % 3 === 0;
      all.push({
        runId: 'r1', step, prompt: `p${j % 2}`, completion: `c${step}.${j}`, reward: correct ? 1 : (j === 3 ? 0.5 : 0),
        extra: { task: j === 2 ? 'countdown' : 'arithmetic', correct, advantage: ((step * 7 + j * 3) % 11) / 10 - 0.5, group: j % 2 },
      });
    }
  }
  all.push({ runId: 'r1', step: 31, prompt: 'p0', completion: 'no score', reward: null, extra: {} });
  store.telemetry.insertSamples(all);
  store.telemetry.insertSamples([{ runId: 'r2', step: 1, prompt: 'p0', completion: 'other run', reward: 1, extra: { task: 'arithmetic', correct: true } }]);
});
afterEach(() => {
  store.close();
  cleanup();
});

/** The same query answered by filtering and sorting in JS (an independent reference). */
function reference(q: SampleQuery): SampleRecord[] {
  let rows = all.map((s, i) => ({ ...s, id: i + 1 }));
  rows = rows.filter((s) =>
    (q.fromStep === undefined || s.step >= q.fromStep) && (q.toStep === undefined || s.step <= q.toStep) &&
    (q.correct === undefined || s.extra.correct === q.correct) && (q.task === undefined || s.extra.task === q.task) &&
    (q.minReward === undefined || (s.reward !== null && s.reward >= q.minReward)) && (q.maxReward === undefined || (s.reward !== null && s.reward <= q.maxReward)) &&
    (q.prompt === undefined || s.prompt === q.prompt) && (!q.text || s.prompt.includes(q.text) || s.completion.includes(q.text)));
  const key = (s: SampleRecord & { id: number }): number | null =>
    q.sort === 'step' ? s.step : q.sort === 'reward' ? s.reward : q.sort === 'advantage' ? (typeof s.extra.advantage === 'number' ? s.extra.advantage : null) : s.id;
  const sgn = q.desc ? -1 : 1;
  rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if ((ka === null) !== (kb === null)) return ka === null ? 1 : -1;
    if (ka !== null && kb !== null && ka !== kb) return sgn * (ka - kb);
    return sgn * (a.id - b.id);
  });
  return rows.slice(q.offset ?? 0, (q.offset ?? 0) + (q.limit ?? 50));
}

describe('samples query', () => {
  it('filters, sorts and pages like a brute-force reference', () => {
    const queries: SampleQuery[] = [
      {},
      { limit: 7, offset: 14 },
      { fromStep: 5, toStep: 9 },
      { correct: true },
      { correct: false, task: 'countdown' },
      { minReward: 0.5, sort: 'reward', desc: true },
      { maxReward: 0 },
      { sort: 'advantage', limit: 200 },
      { sort: 'advantage', desc: true, limit: 10, offset: 3 },
      { sort: 'step', desc: true, fromStep: 28 },
      { prompt: 'p1', sort: 'step' },
      { text: '12.' },
    ];
    for (const q of queries) {
      const page = store.samples.query('r1', q);
      const want = reference(q);
      expect(page.rows.map((r) => r.completion), JSON.stringify(q)).toEqual(want.map((r) => r.completion));
      expect(page.rows.every((r) => r.runId === 'r1')).toBe(true);
      expect(page.total, JSON.stringify(q)).toBe(reference({ ...q, limit: 10_000, offset: 0 }).length);
    }
  });

  it('reports the tasks and the step range for the filter controls', () => {
    const page = store.samples.query('r1', { limit: 1 });
    expect(page.tasks).toEqual(['arithmetic', 'countdown']);
    expect(page.minStep).toBe(1);
    expect(page.maxStep).toBe(31);
    expect(page.rows[0].extra).toMatchObject({ task: 'arithmetic' });
    expect(store.samples.query('none')).toEqual({ total: 0, rows: [], tasks: [], minStep: null, maxStep: null });
  });

  it('refuses a bad query at the API boundary, naming the field', () => {
    const bad = validateApiArgs('querySamples', ['r1', { limit: 5000 }]);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/limit.*≤ 500/);
    const unknown = validateApiArgs('querySamples', ['r1', { colour: 'red' }]);
    expect(unknown.ok).toBe(false);
    expect(validateApiArgs('querySamples', ['r1', { correct: true, sort: 'reward' }]).ok).toBe(true);
  });
});
