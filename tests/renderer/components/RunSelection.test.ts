// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { BenchtopApi } from '../../../src/shared/api';
import type { RunFilter, RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunsPage from '../../../src/renderer/src/pages/RunsPage.vue';

const run = (id: string, o: Partial<RunRecord> = {}): RunRecord => ({
  id, kind: 'pretrain', name: `run ${id}`, status: 'succeeded', config: {}, modelRef: null, tags: [], parentId: null,
  createdAt: 1, startedAt: 1, endedAt: 2, exitReason: null, progress: null, device: 'cpu', ...o,
});

async function mountRuns(rows: RunRecord[]) {
  const api = {
    listRuns: async (f: RunFilter = {}) => rows.filter((r) => (!f.kind || r.kind === f.kind) && (!f.status || r.status === f.status)),
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push('/runs');
  /** Every navigation asked for after the page is shown (they resolve lazily, so record the ask). */
  const asked: string[] = [];
  router.beforeEach((to) => void asked.push(to.fullPath));
  const w = mount(RunsPage, { global: { plugins: [createPinia(), router] }, attachTo: document.body });
  await flushPromises();
  return { w, router, asked };
}

describe('selecting runs to compare', () => {
  it('ticks rows without opening them, keeps the selection through filtering and opens the comparison', async () => {
    const rows = [run('a', { createdAt: 3 }), run('b', { createdAt: 2, kind: 'sft' }), run('c', { createdAt: 1 })];
    const { w, router, asked } = await mountRuns(rows);
    const compare = () => w.find('[data-action="compare"]');
    const box = (id: string) => w.find(`[data-run-id="${id}"] [data-select-run]`);
    expect(compare().text()).toBe('Compare (0)');
    expect(compare().attributes('disabled')).toBeDefined();

    await box('a').setValue(true);
    expect(compare().text()).toBe('Compare (1)');
    expect(compare().attributes('disabled')).toBeDefined();
    expect(compare().attributes('title')).toBe('Select 2–8 runs to compare');
    // Keyboard: Enter on a focused checkbox ticks it and does not open the row's run.
    await box('b').trigger('keydown', { key: 'Enter' });
    await flushPromises();
    expect((box('b').element as HTMLInputElement).checked).toBe(true);
    expect(w.find('[data-run-id="b"]').classes()).toContain('selected');
    expect(compare().attributes('disabled')).toBeUndefined();

    // Filter b away: it stays selected (and counted), and comes back ticked.
    await w.find('[data-filter="kind"]').setValue('pretrain');
    await flushPromises();
    expect(w.findAll('[data-run-id]').map((r) => r.attributes('data-run-id'))).toEqual(['a', 'c']);
    expect(w.find('[data-selection-summary]').text()).toContain('2 selected (1 hidden by the filters)');
    expect(compare().text()).toBe('Compare (2)');
    await w.find('[data-filter="kind"]').setValue('');
    await flushPromises();
    expect((box('b').element as HTMLInputElement).checked).toBe(true);

    // Neither clicking nor Enter on a checkbox opened a run.
    expect(asked).toEqual([]);
    // The comparison keeps the order of ticking.
    await compare().trigger('click');
    // The compare page is a lazily imported route component: wait for the navigation.
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('compare'), { timeout: 10_000 });
    expect(router.currentRoute.value.query.ids).toBe('a,b');
    w.unmount();
  });

  it('selects every shown run at once and refuses more than eight', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => run(`r${i}`, { createdAt: 20 - i }));
    const { w } = await mountRuns(rows);
    const all = w.find('[data-select-all]');
    await all.setValue(true);
    expect(w.findAll('[data-select-run]').every((b) => (b.element as HTMLInputElement).checked)).toBe(true);
    const compare = w.find('[data-action="compare"]');
    expect(compare.text()).toBe('Compare (9)');
    expect(compare.attributes('disabled')).toBeDefined();
    expect(compare.attributes('title')).toBe('At most 8 runs can be compared; 9 are selected');
    await w.find('[data-run-id="r4"] [data-select-run]').setValue(false);
    expect((all.element as HTMLInputElement).indeterminate).toBe(true);
    expect(w.find('[data-action="compare"]').attributes('disabled')).toBeUndefined();
    await w.find('[data-action="clear-selection"]').trigger('click');
    expect(w.find('[data-action="compare"]').text()).toBe('Compare (0)');
    w.unmount();
  });

  it('opens a run with Enter on its row', async () => {
    const { w, router } = await mountRuns([run('a'), run('b')]);
    await w.find('[data-run-id="a"]').trigger('keydown', { key: 'Enter' });
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/runs/a'), { timeout: 10_000 });
    w.unmount();
  });
});
