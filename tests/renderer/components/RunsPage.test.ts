// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { BenchtopApi, PushEvent } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend, type ConnectionStatus } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunsPage from '../../../src/renderer/src/pages/RunsPage.vue';
import ToastHost from '../../../src/renderer/src/components/ToastHost.vue';
import ConnectionBanner from '../../../src/renderer/src/components/ConnectionBanner.vue';
import { useConnectionStore } from '../../../src/renderer/src/stores/connection';
import { RUN_KINDS, RUN_KIND_LABELS } from '../../../src/shared/config';

const run = (id: string, o: Partial<RunRecord> = {}): RunRecord => ({
  id, kind: 'pretrain', name: `run ${id}`, status: 'succeeded', config: {}, modelRef: null, tags: ['t1'], parentId: null,
  createdAt: 1, startedAt: 1, endedAt: 60_001, exitReason: null, progress: { step: 10, total: 10, etaSeconds: 0 }, device: 'cpu', ...o,
});

describe('RunsPage', () => {
  it('lists runs, deletes a finished one and undoes it from the toast', async () => {
    let rows = [run('a'), run('b', { status: 'running', createdAt: 2, endedAt: null, progress: { step: 3, total: 10, etaSeconds: 20 } })];
    const calls: string[] = [];
    const listeners = new Set<(e: PushEvent) => void>();
    const api = {
      listRuns: async () => rows,
      deleteRun: async (id: string) => {
        calls.push(`delete ${id}`);
        rows = rows.filter((r) => r.id !== id);
      },
      restoreRun: async (id: string) => {
        calls.push(`restore ${id}`);
        const r = run(id);
        rows = [...rows, r];
        return r;
      },
      onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const router = createRouter({ history: createMemoryHistory(), routes });
    const Host = defineComponent({ setup: () => () => [h(RunsPage), h(ToastHost)] });
    const w = mount(Host, { global: { plugins: [createPinia(), router] }, attachTo: document.body });
    await flushPromises();

    const rowsShown = () => w.findAll('[data-run-id]').map((r) => r.attributes('data-run-id'));
    expect(rowsShown()).toEqual(['b', 'a']);
    expect(w.find('[data-run-id="a"]').text()).toContain('1:00');
    expect(w.find('[data-run-id="b"]').text()).toContain('3/10');
    // Only finished runs can be deleted.
    expect(w.find('[data-run-id="b"] [data-action="delete"]').exists()).toBe(false);

    await w.find('[data-run-id="a"] [data-action="delete"]').trigger('click');
    await flushPromises();
    expect(rowsShown()).toEqual(['b']);
    expect(w.find('[data-toast]').text()).toContain('Moved “run a” to the trash.');
    await w.find('[data-toast-action]').trigger('click');
    await flushPromises();
    expect(calls).toEqual(['delete a', 'restore a']);
    expect(rowsShown()).toEqual(['b', 'a']);

    // A pushed run appears without a reload.
    for (const l of listeners) l({ type: 'run', run: run('c', { status: 'queued', createdAt: 3, startedAt: null, endedAt: null, progress: null }) });
    await flushPromises();
    expect(rowsShown()).toEqual(['c', 'b', 'a']);
    w.unmount();
  });

  it('filters by and labels every registered kind', async () => {
    const rows = RUN_KINDS.map((k, i) => run(`r-${k}`, { kind: k, createdAt: 10 - i }));
    const filters: unknown[] = [];
    const api = {
      listRuns: async (f: { kind?: string }) => (filters.push(f), rows.filter((r) => !f?.kind || r.kind === f.kind)),
      onEvent: () => () => {},
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const router = createRouter({ history: createMemoryHistory(), routes });
    const w = mount(RunsPage, { global: { plugins: [createPinia(), router] } });
    await flushPromises();
    const options = w.findAll('[data-filter="kind"] option').slice(1);
    expect(options.map((o) => [o.attributes('value'), o.text()])).toEqual(RUN_KINDS.map((k) => [k, RUN_KIND_LABELS[k].title]));
    for (const k of RUN_KINDS) expect(w.find(`[data-run-id="r-${k}"]`).text()).toContain(RUN_KIND_LABELS[k].title);
    const last = RUN_KINDS[RUN_KINDS.length - 1];
    await w.find('[data-filter="kind"]').setValue(last);
    await flushPromises();
    expect(w.findAll('[data-run-id]').map((r) => r.attributes('data-run-id'))).toEqual([`r-${last}`]);
    w.unmount();
  });
  // An empty history shows the Start here panel: tests/renderer/components/StartHere.test.ts.
});

describe('ConnectionBanner', () => {
  it('appears when the connection drops and offers an immediate retry', async () => {
    let push: (s: ConnectionStatus) => void = () => {};
    const retry = vi.fn();
    const pinia = createPinia();
    setActivePinia(pinia);
    const conn = useConnectionStore();
    conn.bind({ api: {} as BenchtopApi, transport: 'ws', onStatus: (l) => ((push = l), () => {}), reconnectNow: retry });
    const w = mount(ConnectionBanner, { global: { plugins: [pinia] } });
    push({ state: 'open', retryAt: null, attempts: 0, everOpened: true });
    await flushPromises();
    expect(w.find('[data-disconnected]').exists()).toBe(false);
    push({ state: 'closed', retryAt: Date.now() + 4000, attempts: 2, everOpened: true });
    await flushPromises();
    expect(w.find('[data-disconnected]').text()).toContain('Disconnected from the Benchtop server.');
    expect(w.find('[data-disconnected]').text()).toContain('attempt 2');
    await w.find('[data-disconnected] button').trigger('click');
    expect(retry).toHaveBeenCalledTimes(1);
    push({ state: 'open', retryAt: null, attempts: 0, everOpened: true });
    await flushPromises();
    expect(w.find('[data-disconnected]').exists()).toBe(false);
    expect(conn.reconnects).toBe(1);
    w.unmount();
  });
});
