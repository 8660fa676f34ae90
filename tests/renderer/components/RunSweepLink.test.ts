// @vitest-environment happy-dom
/** A run that belongs to a sweep links to the sweep's group page, with the values it was given;
 * a run outside any sweep shows no such line. */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { BenchtopApi } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';

const RUN: RunRecord = {
  id: 'r1', kind: 'pretrain', name: 'lr=0.001 seed=2', status: 'succeeded', config: { kind: 'pretrain' }, modelRef: null, tags: [], parentId: null,
  createdAt: 0, startedAt: 0, endedAt: 1, exitReason: null, progress: null, device: 'cpu',
};

function useRun(run: RunRecord) {
  const api = {
    getRun: async () => run,
    getMetricKeys: async () => [],
    getMetricSeries: async (_: string, key: string) => ({ key, steps: [], values: [], downsampled: false }),
    getEvents: async () => [],
    getSamples: async () => [],
    querySamples: async () => ({ total: 0, rows: [], tasks: [], minStep: null, maxStep: null }),
    getArtifacts: async () => [],
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
}

async function mountRun(id: string) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(`/runs/${id}`);
  const w = mount(RunDetailPage, { props: { id }, global: { plugins: [createPinia(), router] } });
  await flushPromises();
  return { w, router };
}

describe('run page → sweep', () => {
  it('links a sweep run to its group page and names the swept values', async () => {
    useRun({ ...RUN, sweep: { sweepId: 'sweep-20261206-abc', point: { 'training.learning_rate': 0.001, seed: 2 } } });
    const { w, router } = await mountRun('r1');
    const link = w.find('[data-sweep-link]');
    expect(link.text()).toBe('sweep-20261206-abc');
    expect(link.attributes('href')).toBe('/sweeps/sweep-20261206-abc');
    expect(w.find('[data-run-sweep]').text()).toContain('training.learning_rate=0.001, seed=2');
    await link.trigger('click');
    await flushPromises();
    expect(router.currentRoute.value).toMatchObject({ name: 'sweep', params: { id: 'sweep-20261206-abc' } });
  });

  it('shows no sweep line for a run outside any sweep', async () => {
    useRun({ ...RUN, sweep: null });
    const { w } = await mountRun('r1');
    expect(w.text()).toContain('lr=0.001 seed=2');
    expect(w.find('[data-run-sweep]').exists()).toBe(false);
  });
});
