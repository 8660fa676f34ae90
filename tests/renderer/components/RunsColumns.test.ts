// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { BenchtopApi } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunsPage from '../../../src/renderer/src/pages/RunsPage.vue';

const run = (id: string, seed: number, createdAt: number): RunRecord => ({
  id, kind: 'grpo', name: `run ${id}`, status: 'succeeded', config: { kind: 'grpo', training: { seed } }, modelRef: null, tags: [], parentId: null,
  createdAt, startedAt: 1, endedAt: 2, exitReason: null, progress: null, device: 'cpu',
});
const FINAL: Record<string, number> = { a: 0.4, b: 0.7, c: 0.55 };

describe('Runs table analysis columns', () => {
  it('adds a config column and a final-metric column, sorts by one and filters by the other', async () => {
    localStorage.clear();
    const asked: string[][] = [];
    const api = {
      listRuns: async () => [run('a', 1, 3), run('b', 2, 2), run('c', 3, 1)],
      getFinalMetrics: async (ids: string[], keys: string[]) => {
        asked.push(keys);
        return { keys: ['eval/acc', 'loss'], values: Object.fromEntries(ids.map((id) => [id, keys.includes('eval/acc') ? { 'eval/acc': FINAL[id] } : {}])) };
      },
      onEvent: () => () => {},
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const router = createRouter({ history: createMemoryHistory(), routes });
    const w = mount(RunsPage, { global: { plugins: [createPinia(), router] } });
    await flushPromises();
    const order = () => w.findAll('[data-run-id]').map((r) => r.attributes('data-run-id'));
    expect(order()).toEqual(['a', 'b', 'c']);
    // The picker offers the metric keys the shown runs have.
    expect(w.findAll('#metric-keys option').map((o) => o.attributes('value'))).toEqual(['eval/acc', 'loss']);

    await w.find('[data-column-path]').setValue('eval/acc');
    await w.find('[data-columns-picker]').trigger('submit');
    await flushPromises();
    expect(asked.at(-1)).toEqual(['eval/acc']);
    expect(w.find('[data-run-id="b"] [data-cell="metric:eval/acc"]').text()).toBe('0.7');

    await w.find('[data-column-kind]').setValue('config');
    await w.find('[data-column-path]').setValue('training.seed');
    await w.find('[data-columns-picker]').trigger('submit');
    await flushPromises();
    expect(w.find('[data-run-id="c"] [data-cell="config:training.seed"]').text()).toBe('3');

    await w.find('[data-sort-column="metric:eval/acc"]').trigger('click');
    expect(order()).toEqual(['a', 'c', 'b']);
    await w.find('[data-sort-column="metric:eval/acc"]').trigger('click');
    expect(order()).toEqual(['b', 'c', 'a']);
    await w.find('[data-column-filter="config:training.seed"]').setValue('>=2');
    expect(order()).toEqual(['b', 'c']);
    // The chosen columns are remembered.
    expect(JSON.parse(localStorage.getItem('benchtop.runsTable.columns')!)).toEqual([{ kind: 'metric', path: 'eval/acc' }, { kind: 'config', path: 'training.seed' }]);
    w.unmount();
  });
});
