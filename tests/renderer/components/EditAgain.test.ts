// @vitest-environment happy-dom
/** A run that failed before its first step offers "Edit and run again" (New run with its config), not Resume; one that failed later offers Resume. */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { BenchtopApi } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';

function failedRun(progress: RunRecord['progress']): RunRecord {
  return {
    id: 'r1', kind: 'eval', name: 'bad eval', status: 'failed', config: { kind: 'eval', model: '/gone', tasks: [{ task: 'arithmetic' }] },
    modelRef: '/gone', tags: [], parentId: null, createdAt: 0, startedAt: 1, endedAt: 2, exitReason: "model: '/gone' is not a model folder", progress, device: null,
  };
}

async function mountWith(run: RunRecord) {
  const api = {
    getRun: async () => run,
    getMetricKeys: async () => [],
    getMetricSeries: async () => ({ key: '', steps: [], values: [], downsampled: false }),
    getEvents: async () => [],
    getSamples: async () => [],
    getArtifacts: async () => [],
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push('/runs/r1');
  const w = mount(RunDetailPage, { props: { id: 'r1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: true } } });
  await flushPromises();
  return { w, router };
}

describe('a failed run\'s next step', () => {
  it('before its first step: Edit and run again opens New run with its config; no Resume', async () => {
    const { w, router } = await mountWith(failedRun(null));
    expect(w.find('[data-action="resume"]').exists()).toBe(false);
    const link = w.find('[data-action="edit-again"]');
    expect(link.text()).toBe('Edit and run again');
    const target = router.resolve(link.attributes('href')!);
    expect(target.name).toBe('new');
    expect(target.params.kind).toBe('eval');
    expect(target.query.from).toBe('r1');
    w.unmount();
  });

  it('after some steps: Resume, not Edit and run again', async () => {
    const { w } = await mountWith(failedRun({ step: 12, total: 100, etaSeconds: null }));
    expect(w.find('[data-action="resume"]').exists()).toBe(true);
    expect(w.find('[data-action="edit-again"]').exists()).toBe(false);
    w.unmount();
  });
});
