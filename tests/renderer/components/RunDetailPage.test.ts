// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { EChartsOption } from 'echarts';
import type { BenchtopApi, PushEvent } from '../../../src/shared/api';
import type { MetricSeries, RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';

// ECharts cannot draw in happy-dom: stand in for vue-echarts and keep its `option` prop.
const VChartStub = defineComponent({
  name: 'VChart',
  props: { option: { type: Object, required: true } },
  setup: (p) => () => h('div', { class: 'vchart-stub', 'data-series': JSON.stringify((p.option as EChartsOption).series) }),
});

const RUN: RunRecord = {
  id: 'r1', kind: 'pretrain', name: 'tiny arithmetic', status: 'running', config: { kind: 'pretrain', name: 'tiny arithmetic' },
  modelRef: null, tags: ['demo'], parentId: null, createdAt: 0, startedAt: Date.now() - 5000, endedAt: null, exitReason: null,
  progress: { step: 20, total: 100, etaSeconds: 30, phase: 'train' }, device: 'cpu',
};

describe('RunDetailPage', () => {
  it('draws one chart per metric key, grouped, and feeds live points into the chart option', async () => {
    const series: Record<string, MetricSeries> = {
      'loss/train': { key: 'loss/train', steps: [0, 10, 20], values: [3, 2, 1.5], downsampled: false },
      'eval/acc': { key: 'eval/acc', steps: [10, 20], values: [0.2, 0.25], downsampled: false },
      'train/trainable_parameters': { key: 'train/trainable_parameters', steps: [0], values: [1234], downsampled: false },
      seed: { key: 'seed', steps: [0, 10, 20], values: [7, 7, 7], downsampled: false },
    };
    const listeners = new Set<(e: PushEvent) => void>();
    let cancelled = 0;
    let current = RUN;
    const api = {
      getRun: async () => current,
      getMetricKeys: async () => Object.keys(series),
      getMetricSeries: async (_: string, k: string) => series[k],
      getEvents: async () => [],
      getSamples: async () => [],
      querySamples: async () => ({ total: 1, rows: [{ id: 1, runId: 'r1', step: 20, prompt: '12+30=', completion: '42', reward: 1, extra: {} }], tasks: [], minStep: 20, maxStep: 20 }),
      getArtifacts: async () => [{ runId: 'r1', kind: 'checkpoint', path: 'ckpt/step-20.bin', bytes: 2048, sha256: 'ab'.repeat(32), createdAt: 0 }],
      cancelRun: async () => (cancelled++, (current = { ...RUN, status: 'cancelled' })),
      onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });

    const router = createRouter({ history: createMemoryHistory(), routes });
    await router.push('/runs/r1');
    const w = mount(RunDetailPage, {
      props: { id: 'r1' },
      global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } },
    });
    await flushPromises();

    expect(w.text()).toContain('tiny arithmetic');
    expect(w.find('[data-status="running"]').exists()).toBe(true);
    expect(w.find('[data-run-progress]').text()).toContain('train · 20/100 · ETA 0:30');
    expect(w.findAll('[data-metric-group]').map((g) => g.attributes('data-metric-group'))).toEqual(['loss', 'eval']);
    // Sections in TRL naming (a pretrain run's loss section is "Training"); a single point and a
    // constant series go to the summary table instead of a chart.
    expect(w.findAll('[data-section]').map((g) => g.attributes('data-section'))).toEqual(['policy', 'evaluation', 'summary']);
    expect(w.find('[data-section="policy"] h3').text()).toBe('Training');
    expect(w.findAll('[data-summary-key]').map((r) => r.attributes('data-summary-key'))).toEqual(['seed', 'train/trainable_parameters']);
    expect(w.find('[data-summary-key="seed"]').text()).toContain('0–20');

    const lossChart = () => w.findAllComponents(VChartStub).find((c) => ((c.props('option') as EChartsOption).series as { name: string }[])[0].name === 'loss/train')!;
    const data = () => ((lossChart().props('option') as EChartsOption).series as { data: unknown[] }[])[0].data;
    expect(data()).toEqual([[0, 3], [10, 2], [20, 1.5]]);
    expect(w.find('[data-metric="loss/train"]').attributes('data-points')).toBe('3');

    for (const l of listeners) l({ type: 'metrics', runId: 'r1', points: [{ key: 'loss/train', step: 30, value: 1.2, time: 1 }] });
    // Applied at the next flush, drawn at the next animation frame.
    await new Promise((r) => setTimeout(r, 400));
    await flushPromises();
    expect(data()).toEqual([[0, 3], [10, 2], [20, 1.5], [30, 1.2]]);
    expect(w.find('[data-metric="loss/train"]').attributes('data-points')).toBe('4');

    await w.find('[data-tab="samples"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-samples]').text()).toContain('12+30=');
    await w.find('[data-tab="artifacts"]').trigger('click');
    expect(w.find('[data-artifacts]').text()).toContain('ckpt/step-20.bin');
    expect(w.find('[data-artifacts]').text()).toContain('2.0 KiB');

    await w.find('[data-action="cancel"]').trigger('click');
    await flushPromises();
    expect(cancelled).toBe(1);
    expect(w.find('[data-status="cancelled"]').exists()).toBe(true);
    expect(w.find('[data-action="cancel"]').exists()).toBe(false);
    w.unmount();
  });

  it('shows a clear message when the run cannot be loaded', async () => {
    const api = {
      getRun: () => Promise.reject(new Error('database is locked')),
      getMetricKeys: async () => [], getEvents: async () => [], getSamples: async () => [], getArtifacts: async () => [],
      onEvent: () => () => {},
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const router = createRouter({ history: createMemoryHistory(), routes });
    const w = mount(RunDetailPage, { props: { id: 'r1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
    await flushPromises();
    expect(w.find('[data-load-error]').text()).toContain('Could not load run r1: database is locked');
    w.unmount();
  });
});

describe('RunDetailPage notes and tags', () => {
  it('shows the notes and saves edited notes and tags through updateRun', async () => {
    const base: RunRecord = { ...RUN, status: 'succeeded', notes: 'first try' };
    const patches: unknown[] = [];
    const api = {
      getRun: async () => base,
      getMetricKeys: async () => [], getMetricSeries: async () => null, getEvents: async () => [], getSamples: async () => [], getArtifacts: async () => [],
      updateRun: async (_id: string, p: { notes?: string; tags?: string[] }) => (patches.push(p), { ...base, ...p }),
      onEvent: () => () => {},
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const router = createRouter({ history: createMemoryHistory(), routes });
    await router.push('/runs/r1');
    const w = mount(RunDetailPage, { props: { id: 'r1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
    await flushPromises();
    expect(w.find('[data-notes-text]').text()).toBe('first try');
    await w.find('[data-action="edit-notes"]').trigger('click');
    expect((w.find('[data-field="tags"]').element as HTMLInputElement).value).toBe('demo');
    await w.find('[data-field="notes"]').setValue('seed 2 diverged');
    await w.find('[data-field="tags"]').setValue('demo, seed2  baseline');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(patches).toEqual([{ notes: 'seed 2 diverged', tags: ['demo', 'seed2', 'baseline'] }]);
    expect(w.find('[data-notes-text]').text()).toBe('seed 2 diverged');
    expect(w.findAll('.run-head .tag').map((t) => t.text())).toEqual(['demo', 'seed2', 'baseline']);
    w.unmount();
  });
});
