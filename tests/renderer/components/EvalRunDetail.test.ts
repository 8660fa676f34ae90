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
import { METRIC_FLUSH_MS } from '../../../src/renderer/src/stores/runDetail';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';

// ECharts cannot draw in happy-dom: stand in for vue-echarts and keep its `option` prop.
const VChartStub = defineComponent({
  name: 'VChart',
  props: { option: { type: Object, required: true } },
  setup: () => () => h('div', { class: 'vchart-stub' }),
});

const RUN: RunRecord = {
  id: 'e1', kind: 'eval', name: 'built-in model eval', status: 'running',
  config: { kind: 'eval', model: 'builtin:benchtop-tiny', tasks: [{ task: 'parity' }, { task: 'arithmetic' }], num_examples: 4 },
  modelRef: 'builtin:benchtop-tiny', tags: [], parentId: null, createdAt: 0, startedAt: Date.now() - 1000, endedAt: null, exitReason: null,
  progress: { step: 4, total: 8, etaSeconds: 1, phase: 'arithmetic' }, device: 'cpu',
};

const one = (key: string, value: number): MetricSeries => ({ key, steps: [0], values: [value], downsampled: false });

/** Bars of a stubbed chart inside `[data-eval-chart=id]`, top to bottom. */
function barsOf(w: ReturnType<typeof mount>, id: string): [string, number][] {
  const chart = w.find(`[data-eval-chart="${id}"]`).findComponent(VChartStub);
  const o = chart.props('option') as EChartsOption;
  const cats = (o.yAxis as { data: string[] }).data;
  const vals = (o.series as { data: number[] }[])[0].data;
  return cats.map((c, i) => [c, vals[i]] as [string, number]).reverse();
}

describe('RunDetailPage for an eval run', () => {
  it('draws accuracy per task and per knob as bars, live as each task finishes, and no single-point lines', async () => {
    const series: Record<string, MetricSeries> = {
      'eval/parity/accuracy': one('eval/parity/accuracy', 0.5),
      'eval/parity/pass@1': one('eval/parity/pass@1', 0.5),
      'breakdown/parity/length=8': one('breakdown/parity/length=8', 1),
      'breakdown/parity/length=2': one('breakdown/parity/length=2', 0),
      'breakdown/parity/ood=false': one('breakdown/parity/ood=false', 0.5),
    };
    const listeners = new Set<(e: PushEvent) => void>();
    const api = {
      getRun: async () => RUN,
      getMetricKeys: async () => Object.keys(series),
      getMetricSeries: async (_: string, k: string) => series[k],
      getEvents: async () => [], getSamples: async () => [], getArtifacts: async () => [],
      onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const router = createRouter({ history: createMemoryHistory(), routes });
    await router.push('/runs/e1');
    const w = mount(RunDetailPage, { props: { id: 'e1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
    await flushPromises();

    expect(barsOf(w, 'accuracy')).toEqual([['parity', 0.5]]);
    expect(barsOf(w, 'breakdown/parity/length')).toEqual([['length=2', 0], ['length=8', 1]]);
    expect(barsOf(w, 'breakdown/parity/ood')).toEqual([['ood=false', 0.5]]);
    expect(w.find('[data-eval-chart="accuracy"]').text()).toContain('4 test examples per task');
    expect(w.find('[data-metric]').exists()).toBe(false);
    expect(w.find('[data-charts]').exists()).toBe(false);

    // The next task finishes: its bar joins, in the config's task order.
    for (const l of listeners) {
      l({ type: 'metrics', runId: 'e1', points: [
        { key: 'eval/arithmetic/accuracy', step: 0, value: 0.25, time: 1 },
        { key: 'breakdown/arithmetic/digits=2', step: 0, value: 0.25, time: 1 },
      ] });
    }
    // Pushed points are applied together once per METRIC_FLUSH_MS.
    await new Promise((r) => setTimeout(r, METRIC_FLUSH_MS + 50));
    await flushPromises();
    expect(barsOf(w, 'accuracy')).toEqual([['parity', 0.5], ['arithmetic', 0.25]]);
    expect(w.find('[data-eval-chart="accuracy"]').attributes('data-bars')).toBe('2');
    expect(barsOf(w, 'breakdown/arithmetic/digits')).toEqual([['digits=2', 0.25]]);
    w.unmount();
  });

  it('keeps eval curves as lines on a training run and adds the latest accuracies as bars', async () => {
    const run: RunRecord = { ...RUN, id: 'p1', kind: 'pretrain', config: { kind: 'pretrain', data: { tasks: [{ task: 'arithmetic' }] } } };
    const series: Record<string, MetricSeries> = {
      'loss/train': { key: 'loss/train', steps: [1, 2], values: [3, 2], downsampled: false },
      'eval/arithmetic/accuracy': { key: 'eval/arithmetic/accuracy', steps: [100, 200], values: [0.1, 0.3], downsampled: false },
    };
    const api = {
      getRun: async () => run,
      getMetricKeys: async () => Object.keys(series),
      getMetricSeries: async (_: string, k: string) => series[k],
      getEvents: async () => [], getSamples: async () => [], getArtifacts: async () => [],
      onEvent: () => () => {},
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const router = createRouter({ history: createMemoryHistory(), routes });
    const w = mount(RunDetailPage, { props: { id: 'p1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
    await flushPromises();
    expect(w.findAll('[data-metric]').map((m) => m.attributes('data-metric'))).toEqual(['loss/train', 'eval/arithmetic/accuracy']);
    expect(barsOf(w, 'accuracy')).toEqual([['arithmetic', 0.3]]);
    expect(w.find('[data-eval-chart="accuracy"]').text()).toContain('latest eval, step 200');
    w.unmount();
  });
});
