// @vitest-environment happy-dom
/**
 * "Export for a cluster" on the run page: offered for sft and grpo runs only; sends the chosen
 * target to exportLaunch and toasts the folder; a backend error is shown in the panel.
 */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { BenchtopApi, ExportLaunchOptions } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';
import ToastHost from '../../../src/renderer/src/components/ToastHost.vue';

const base: RunRecord = {
  id: 'r1', kind: 'grpo', name: 'g', status: 'succeeded', config: { kind: 'grpo' }, modelRef: null, tags: [], parentId: null,
  createdAt: 0, startedAt: 0, endedAt: 1000, exitReason: null, progress: null, device: 'cpu',
};

async function page(run: RunRecord, exportLaunch: BenchtopApi['exportLaunch']) {
  const api = {
    listRuns: async () => [], onEvent: () => () => {}, getRun: async () => run, getMetricKeys: async () => [], getEvents: async () => [],
    getSamples: async () => [], getArtifacts: async () => [], exportLaunch,
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {}, bundles: { kind: 'http', download: () => {}, upload: async () => run } });
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(`/runs/${run.id}`);
  const Host = defineComponent({ setup: () => () => [h(RunDetailPage as never, { id: run.id }), h(ToastHost)] });
  const w = mount(Host, { global: { plugins: [createPinia(), router] }, attachTo: document.body });
  await flushPromises();
  return w;
}

describe('Export for a cluster (run page)', () => {
  it('is offered for grpo and sft runs, not for others', async () => {
    for (const [kind, shown] of [['grpo', true], ['sft', true], ['eval', false], ['prune', false]] as const) {
      const w = await page({ ...base, kind, config: { kind } }, async () => ({ dir: '', files: [], unmapped: [] }));
      expect(w.find('[data-action="export-launch"]').exists(), kind).toBe(shown);
      w.unmount();
    }
  });

  it('exports with the chosen target and toasts the folder and the settings that do not map', async () => {
    const calls: [string, ExportLaunchOptions][] = [];
    const w = await page(base, async (id, o) => (calls.push([id, o]), { dir: '/data/launch/r1-verl', files: ['MAPPING.md'], unmapped: ['llds.enabled', 'pass_at_k'] }));
    await w.find('[data-action="export-launch"]').trigger('click');
    await w.find('[data-launch-target="verl"]').setValue(true);
    await w.find('[data-action="launch-confirm"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual([['r1', { target: 'verl' }]]);
    expect(document.body.textContent).toContain('Launch folder written to /data/launch/r1-verl. 2 setting(s) have no verl counterpart');
    expect(w.find('[data-launch-panel]').exists()).toBe(false);
    w.unmount();
  });

  it('shows the backend error in the panel', async () => {
    const w = await page(base, async () => {
      throw new Error('--out: /x is not empty; expected a new or empty folder (nothing is overwritten)');
    });
    await w.find('[data-action="export-launch"]').trigger('click');
    await w.find('[data-action="launch-confirm"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-launch-error]').text()).toContain('is not empty');
    w.unmount();
  });
});
