// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { EChartsOption } from 'echarts';
import type { BenchtopApi, PushEvent } from '../../../src/shared/api';
import type { MetricPoint, MetricSeries, RunRecord, SampleRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';
import { toSeries } from '../pruneFixture';

const VChartStub = defineComponent({
  name: 'VChart',
  props: { option: { type: Object, required: true } },
  setup: () => () => h('div', { class: 'vchart-stub' }),
});

/**
 * Twelve train examples as the value executor writes them (docs/dev/VALUE-CONTRACT.md
 * "Samples"): train order, value in `reward` and `extra.value`, rank 1 = highest, three
 * corrupted, the top ceil(0.1·12) = 2 selected. Values lie in [−0.5, 0.5]: five bins of 0.2.
 */
const TRAIN: [task: string, value: number, corruption: string | null, rank: number][] = [
  ['arithmetic', 0.05, null, 6],
  ['arithmetic', -0.5, 'number', 12],
  ['arithmetic', 0.12, null, 4],
  ['arithmetic', -0.02, null, 8],
  ['brackets_classify', 0.5, null, 1],
  ['brackets_classify', -0.35, 'label_flip', 11],
  ['brackets_classify', 0.2, null, 3],
  ['brackets_classify', -0.15, null, 9],
  ['compare', 0.33, null, 2],
  ['compare', 0.08, 'label_flip', 5],
  ['compare', -0.25, null, 10],
  ['compare', 0.01, null, 7],
];

function sampleRows(train = TRAIN): SampleRecord[] {
  return train.map(([task, value, corruption, rank], index) => ({
    id: index + 1, runId: 'v1', step: 0,
    prompt: `${task} prompt ${index}`,
    completion: corruption ? `wrong ${index}` : `right ${index}`,
    reward: value,
    extra: {
      index, value, id: `${task}:${index}`, task, rank, mislabeled: corruption !== null, corruption,
      original_completion: corruption ? `right ${index}` : null, selected: rank <= 2, positions: 3, mean_logprob: -0.1,
    },
  }));
}

const METRICS: Record<string, number> = {
  'value/auc_influence': 0.61, 'value/auc_influence_std': 0.05, 'value/recall_influence': 0.52, 'value/recall_influence_std': 0.04,
  'value/auc_mislabel': 0.8, 'value/recall_mislabel': 2 / 3, 'value/selected': 2, 'value/selected_clean_ratio': 1, 'value/clean_ratio': 0.75,
  'value/arithmetic/auc_mislabel': 1, 'value/brackets_classify/auc_mislabel': 1, 'value/compare/auc_mislabel': 0.5,
  'value/arithmetic/auc_influence': 0.7, 'value/brackets_classify/auc_influence': 0.55, 'value/compare/auc_influence': 0.6,
  'value/arithmetic/recall_influence': 0.5, 'value/brackets_classify/recall_influence': 0.5, 'value/compare/recall_influence': 0.5,
  'data/train_examples': 12, 'data/val_examples': 6, 'data/mislabeled': 3,
  'time/features_seconds': 0.25, 'time/score_seconds': 0.01, 'time/protocols_seconds': 0.002,
};

const RUN = {
  id: 'v1', kind: 'value', name: 'value tiny', status: 'succeeded',
  config: {
    kind: 'value', name: 'value tiny', model: 'builtin:benchtop-tiny',
    train: { tasks: [{ task: 'arithmetic' }, { task: 'brackets_classify' }, { task: 'compare' }], num_examples: 12 },
    val: { num_examples: 6 }, mislabel_ratio: 0.25, select_ratio: 0.1,
  },
  modelRef: 'builtin:benchtop-tiny', tags: [], parentId: null, createdAt: 0, startedAt: 1000, endedAt: 3000, exitReason: null,
  progress: { step: 1, total: 1, etaSeconds: 0, phase: 'protocols' }, device: 'cpu',
} as unknown as RunRecord;

let wrapper: VueWrapper | null = null;
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
});

async function mountRun(opts: { samples?: SampleRecord[]; metrics?: MetricPoint[]; run?: RunRecord } = {}) {
  const points = opts.metrics ?? Object.entries(METRICS).map(([key, value]) => ({ key, step: 0, value, time: 0 }));
  const series: Record<string, MetricSeries> = toSeries(points);
  const samples = opts.samples ?? sampleRows();
  const calls: { limit?: number; offset?: number }[] = [];
  const api = {
    getRun: async () => opts.run ?? RUN,
    getMetricKeys: async () => Object.keys(series),
    getMetricSeries: async (_: string, k: string) => series[k],
    getEvents: async () => [], getArtifacts: async () => [],
    getSamples: async (_: string, o: { limit?: number; offset?: number } = {}) => {
      calls.push(o);
      const from = o.offset ?? 0;
      return samples.slice(from, from + (o.limit ?? 100));
    },
    listDatasets: async () => [],
    onEvent: (l: (e: PushEvent) => void) => (void l, () => {}),
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push('/runs/v1');
  const w = mount(RunDetailPage, { props: { id: 'v1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
  wrapper = w;
  await flushPromises();
  return { w, calls };
}

type W = Awaited<ReturnType<typeof mountRun>>['w'];
const optionOf = (w: W, chart: string) => w.find(`[data-value-chart="${chart}"]`).findComponent(VChartStub).props('option') as EChartsOption;
const rowIds = (w: W) => w.findAll('[data-value-rows] tbody tr').map((r) => r.attributes('data-row-id'));

describe('RunDetailPage for a value run', () => {
  it('tables the protocol figures and draws the histogram and per-task AUCs', async () => {
    const { w } = await mountRun();
    expect(w.find('h2').text()).toBe('Data values');
    const fig = (k: string) => w.find(`[data-figure="${k}"] td.num`).text();
    expect(fig('value/auc_influence')).toBe('0.610 ± 0.050');
    expect(fig('value/auc_mislabel')).toBe('0.800');
    expect(fig('value/recall_mislabel')).toBe('0.667');
    expect(fig('value/selected_clean_ratio')).toBe('1.000');
    expect(fig('time/features_seconds')).toBe('0.25 s');
    // Figures the run did not record get no row.
    expect(w.find('[data-figure="value/auc_clean_per_val"]').exists()).toBe(false);

    // Hand count over TRAIN in bins [-.5,-.3) [-.3,-.1) [-.1,.1) [.1,.3) [.3,.5]:
    // clean: -0.25 -0.15 | 0.05 -0.02 0.01 | 0.12 0.2 | 0.5 0.33; mislabeled: -0.5 -0.35 | 0.08.
    const hist = optionOf(w, 'histogram');
    const [clean, bad] = hist.series as { name: string; data: number[]; stack: string; itemStyle: { color: string } }[];
    expect([clean.name, bad.name]).toEqual(['clean', 'mislabeled']);
    expect(clean.data).toEqual([0, 2, 3, 2, 2]);
    expect(bad.data).toEqual([2, 0, 1, 0, 0]);
    expect(clean.stack).toBe(bad.stack);
    expect(clean.itemStyle.color).not.toBe(bad.itemStyle.color);
    expect((hist.xAxis as { data: string[] }).data).toEqual(['-0.4', '-0.2', '0', '0.2', '0.4']);
    expect(w.find('[data-value-chart="histogram"]').attributes('data-total')).toBe(String(TRAIN.length));

    // Per task, first task on top (ECharts draws categories bottom-up).
    const tasks = optionOf(w, 'tasks');
    expect((tasks.yAxis as { data: string[] }).data).toEqual(['compare', 'brackets_classify', 'arithmetic']);
    const bars = Object.fromEntries((tasks.series as { name: string; data: number[] }[]).map((s) => [s.name, s.data]));
    expect(bars['mislabel AUC']).toEqual([0.5, 1, 1]);
    expect(bars['influence AUC']).toEqual([0.6, 0.55, 0.7]);

    // None of the step-0 figures becomes a generic line chart.
    expect(w.find('[data-metric]').exists()).toBe(false);
    expect(w.find('[data-charts]').exists()).toBe(false);
  });

  it('lists the train examples lowest value first, with badges, and sorts on click', async () => {
    const { w, calls } = await mountRun();
    expect(calls.some((c) => c.offset === 0 && (c.limit ?? 0) >= TRAIN.length)).toBe(true);
    const byValue = TRAIN.map((t, i) => [t[1], i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => `${TRAIN[i][0]}:${i}`);
    expect(rowIds(w)).toEqual(byValue);
    const first = w.find('[data-value-rows] tbody tr');
    expect(first.find('[data-col="rank"]').text()).toBe('12');
    expect(first.find('[data-col="value"]').text()).toBe('-0.5');
    expect(first.find('[data-col="answer"]').text()).toContain('wrong 1');
    expect(first.find('[data-col="original"]').text()).toBe('was: right 1');
    expect(first.find('[data-badge="mislabeled"]').text()).toBe('mislabeled · number');
    // Badges: exactly the corrupted rows are marked mislabeled, the top two selected.
    const badged = (b: string) => w.findAll(`[data-badge="${b}"]`).map((e) => e.element.closest('tr')!.getAttribute('data-row-id')).sort();
    expect(badged('mislabeled')).toEqual(['arithmetic:1', 'brackets_classify:5', 'compare:9']);
    expect(badged('selected')).toEqual(['brackets_classify:4', 'compare:8']);
    expect(w.findAll('[data-col="original"]')).toHaveLength(3);

    // Clicking value again: highest first; rank ascending gives the same order.
    await w.find('[data-sort="value"]').trigger('click');
    expect(rowIds(w)).toEqual(byValue.slice().reverse());
    await w.find('[data-sort="rank"]').trigger('click');
    expect(rowIds(w)).toEqual(byValue.slice().reverse());
    await w.find('[data-sort="task"]').trigger('click');
    expect(rowIds(w)!.slice(0, 4)).toEqual(['arithmetic:0', 'arithmetic:1', 'arithmetic:2', 'arithmetic:3']);

    await w.find('[data-value-only-mislabeled]').setValue(true);
    expect(rowIds(w)).toEqual(['arithmetic:1', 'brackets_classify:5', 'compare:9']);
  });

  it('pages through a long list', async () => {
    const train = Array.from({ length: 30 }, (_, i) => ['compare', (i * 7) % 30, null, 30 - ((i * 7) % 30)] as (typeof TRAIN)[number]);
    const { w } = await mountRun({ samples: sampleRows(train) });
    expect(rowIds(w)).toHaveLength(25);
    expect(w.find('[data-value-rows] tbody tr [data-col="value"]').text()).toBe('0');
    expect(w.find('[data-page-text]').text()).toBe('1–25 of 30');
    await w.find('[data-page="next"]').trigger('click');
    expect(w.findAll('[data-value-rows] tbody tr [data-col="value"]').map((c) => c.text())).toEqual(['25', '26', '27', '28', '29']);
    expect(w.find('[data-page="next"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-value-chart="histogram"]').attributes('data-total')).toBe('30');
  });

  it('waits for a running value run instead of listing nothing', async () => {
    const { w, calls } = await mountRun({ samples: [], metrics: [], run: { ...RUN, status: 'running', endedAt: null } as RunRecord });
    expect(w.find('[data-value-empty]').text()).toContain('Results appear');
    // The store loads its first samples page; the ranked list waits for the run to end.
    expect(calls.filter((c) => (c.limit ?? 0) === 1000)).toHaveLength(0);
    expect(w.find('[data-value-rows]').exists()).toBe(false);
  });
});
