// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { EChartsOption } from 'echarts';
import type { BenchtopApi, PushEvent } from '../../../src/shared/api';
import type { DatasetEntry, MetricPoint, MetricSeries, RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import { effectiveTheme } from '../../../src/renderer/src/theme';
import { PALETTES } from '../../../src/renderer/src/charts/palette';
import { METRIC_FLUSH_MS } from '../../../src/renderer/src/stores/runDetail';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';
import {
  ACCURACY, ANGULAR_DISTANCE, BLOCK_INFLUENCE, NLL, NORMALIZED, PARAMETERS, SIMILARITY, TASK_KINDS,
  removalPoints, scorePoints, sweepPoints, toSeries,
} from '../pruneFixture';

// ECharts cannot draw in happy-dom: stand in for vue-echarts and keep its `option` prop.
const VChartStub = defineComponent({
  name: 'VChart',
  props: { option: { type: Object, required: true } },
  setup: () => () => h('div', { class: 'vchart-stub' }),
});

const RUN = {
  id: 'p1', kind: 'prune', name: 'prune tiny', status: 'running',
  config: {
    kind: 'prune', name: 'prune tiny', model: 'builtin:benchtop-tiny', method: 'block_influence', num_layers: 2, protect_first: 1, protect_last: 0,
    eval: { tasks: [{ task: 'arithmetic' }, { task: 'compare' }, { task: 'majority' }, { task: 'brackets' }], num_examples: 10, sweep: true },
  },
  modelRef: 'builtin:benchtop-tiny', tags: [], parentId: null, createdAt: 0, startedAt: Date.now() - 1000, endedAt: null, exitReason: null,
  progress: { step: 1, total: 5, etaSeconds: 10, phase: 'score' }, device: 'cpu',
} as unknown as RunRecord;

const DATASETS: DatasetEntry[] = Object.entries(TASK_KINDS).map(([name, kind]) => ({
  id: `builtin:${name}`, name, source: 'builtin', path: null, rows: 0, addedAt: 0, info: { generator: true, kind },
}));

let wrapper: VueWrapper | null = null;
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  effectiveTheme.value = 'light';
});

async function mountRun(initial: MetricPoint[], run: RunRecord = RUN) {
  const series: Record<string, MetricSeries> = toSeries(initial);
  const listeners = new Set<(e: PushEvent) => void>();
  const api = {
    getRun: async () => run,
    getMetricKeys: async () => Object.keys(series),
    getMetricSeries: async (_: string, k: string) => series[k],
    getEvents: async () => [], getSamples: async () => [], getArtifacts: async () => [],
    listDatasets: async () => DATASETS,
    onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push('/runs/p1');
  const w = mount(RunDetailPage, { props: { id: 'p1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
  wrapper = w;
  await flushPromises();
  const push = async (points: MetricPoint[]) => {
    for (const l of listeners) l({ type: 'metrics', runId: 'p1', points });
    // Pushed points are applied together once per METRIC_FLUSH_MS.
    await new Promise((r) => setTimeout(r, METRIC_FLUSH_MS + 50));
    await flushPromises();
  };
  return { w, push };
}

type W = Awaited<ReturnType<typeof mountRun>>['w'];
const optionOf = (w: W, chart: string) => w.find(`[data-prune-chart="${chart}"]`).findComponent(VChartStub).props('option') as EChartsOption;

/** Per bar (left to right): label, value, and whether it is drawn as removed. */
function bars(w: W, chart: string): [string, number, boolean][] {
  const o = optionOf(w, chart);
  const cats = (o.xAxis as { data: string[] }).data;
  const [kept, removed] = o.series as { data: (number | null)[] }[];
  return cats.map((c, i) => (removed.data[i] !== null ? [c, removed.data[i]!, true] : [c, kept.data[i]!, false]));
}

function lines(w: W, chart: string): Record<string, { data: number[][]; type: string }> {
  const o = optionOf(w, chart);
  return Object.fromEntries((o.series as { name: string; data: number[][]; lineStyle: { type: string } }[]).map((s) => [s.name, { data: s.data, type: s.lineStyle.type }]));
}

const byK = (values: number[]) => values.map((v, k) => [k, v]);

describe('RunDetailPage for a prune run', () => {
  it('draws importance bars, removal, similarity and the sweep as the points arrive', async () => {
    const { w, push } = await mountRun(scorePoints());

    // Scored, nothing chosen yet: plain bars equal to the scores, one chart per metric.
    expect(w.findAll('[data-prune-chart^="score/"]').map((c) => c.attributes('data-prune-chart'))).toEqual(['score/block_influence', 'score/angular_distance']);
    expect(bars(w, 'score/block_influence')).toEqual(BLOCK_INFLUENCE.map((v, l) => [String(l), v, false]));
    expect(w.find('[data-removal-text]').exists()).toBe(false);
    expect(w.find('[data-prune-section="sweep"]').exists()).toBe(false);

    // Heatmap: every cell equals the fixture's cos(h_a, h_b).
    const heat = optionOf(w, 'similarity');
    const cells = (heat.series as { data: { value: [number, number, number] }[] }[])[0].data;
    expect(cells).toHaveLength(25);
    for (const { value: [b, a, v] } of cells) expect(v).toBe(SIMILARITY[a][b]);
    expect((heat.yAxis as { data: string[] }).data).toEqual(['emb', '1', '2', '3', '4']);
    expect(w.find('[data-prune-chart="similarity"]').text()).toContain('4 = output of the last block');

    // The choice arrives: removed layers highlighted, order stated.
    await push(removalPoints());
    expect(bars(w, 'score/block_influence')).toEqual([['0', 0.41, false], ['1', 0.18, false], ['2', 0.07, true], ['3', 0.05, true]]);
    expect(w.find('[data-prune-chart="score/block_influence"]').attributes('data-highlighted')).toBe('2,3');
    // Block metric: the block [2, 3] is the one removed.
    expect(bars(w, 'score/angular_distance')).toEqual([['0–1', ANGULAR_DISTANCE[0], false], ['1–2', ANGULAR_DISTANCE[1], false], ['2–3', ANGULAR_DISTANCE[2], true]]);
    expect(w.find('[data-removal-text]').text()).toBe('removed layers 3, 2 (in that order)');
    expect(w.find('[data-prune-section="importance"]').text()).toContain('block influence (ShortGPT)');

    // The sweep, one k at a time: lines grow point by point.
    await push(sweepPoints(0));
    expect(lines(w, 'sweep/generative').arithmetic.data).toEqual([[0, 1]]);
    await push(sweepPoints(1));
    await push(sweepPoints(2));
    const cls = lines(w, 'sweep/classification');
    const gen = lines(w, 'sweep/generative');
    expect(Object.keys(cls)).toEqual(['compare', 'majority', 'mean']);
    expect(cls.compare.data).toEqual(byK(NORMALIZED.compare));
    expect(cls.majority.data).toEqual(byK(NORMALIZED.majority));
    cls.mean.data.forEach(([k, v]) => expect(v).toBeCloseTo((NORMALIZED.compare[k] + NORMALIZED.majority[k]) / 2, 12));
    // Classification dashed, generative solid; brackets has no normalized curve (dense accuracy 0).
    expect([cls.compare.type, cls.majority.type, gen.arithmetic.type]).toEqual(['dashed', 'dashed', 'solid']);
    expect(Object.keys(gen)).toEqual(['arithmetic']);
    expect(gen.arithmetic.data).toEqual(byK(NORMALIZED.arithmetic));
    expect(w.find('[data-not-normalized]').text()).toContain('brackets');
    // Hover over a normalized point also gives the raw accuracy.
    const tip = (optionOf(w, 'sweep/generative').tooltip as { formatter: (p: unknown) => string }).formatter([
      { seriesName: 'arithmetic', axisValue: 1, value: [1, 0.5], marker: '' },
    ]);
    expect(tip).toContain('accuracy 40%');

    expect(lines(w, 'calibration/nll')['calibration NLL'].data).toEqual(byK(NLL));
    expect(lines(w, 'model/parameters').parameters.data).toEqual(byK(PARAMETERS));
    expect(w.find('[data-prune-chart="model/parameters"]').text()).toContain('426.5k');

    // The accuracy view: raw accuracies, brackets included.
    await w.find('[data-sweep-mode="accuracy"]').trigger('click');
    const raw = lines(w, 'sweep/generative');
    expect(Object.keys(raw)).toEqual(['arithmetic', 'brackets']);
    expect(raw.brackets.data).toEqual(byK(ACCURACY.brackets));
    expect(lines(w, 'sweep/classification').compare.data).toEqual(byK(ACCURACY.compare));
    expect(w.find('[data-not-normalized]').exists()).toBe(false);

    // None of these single-purpose series is drawn again as a generic line chart.
    expect(w.find('[data-metric]').exists()).toBe(false);
    expect(w.find('[data-charts]').exists()).toBe(false);
  });

  it('still draws other metrics as lines and switches chart colours with the theme', async () => {
    const extra: MetricPoint[] = [{ key: 'perf/forward_tokens_per_s', step: 1, value: 900, time: 0 }, { key: 'perf/forward_tokens_per_s', step: 2, value: 950, time: 0 }];
    const { w } = await mountRun([...scorePoints(), ...removalPoints(), ...extra]);
    expect(w.findAll('[data-metric]').map((m) => m.attributes('data-metric'))).toEqual(['perf/forward_tokens_per_s']);
    const removedColor = () => ((optionOf(w, 'score/block_influence').series as { itemStyle: { color: string } }[])[1]).itemStyle.color;
    expect(removedColor()).toBe(PALETTES.light.removed);
    effectiveTheme.value = 'dark';
    await flushPromises();
    expect(removedColor()).toBe(PALETTES.dark.removed);
    expect((optionOf(w, 'similarity').visualMap as { inRange: { color: string[] } }).inRange.color).toEqual(PALETTES.dark.heat.ramp);
  });

  it('says what is coming while a prune run has no results yet', async () => {
    const { w } = await mountRun([]);
    expect(w.find('[data-prune-empty]').text()).toContain('Results appear');
    expect(w.find('[data-charts]').exists()).toBe(false);
  });

  it('offers recovery (sft on self-generated responses) once the prune run succeeded', async () => {
    const running = await mountRun([]);
    expect(running.w.find('[data-action="recover"]').exists()).toBe(false);
    running.w.unmount();
    wrapper = null;
    const { w } = await mountRun([], { ...RUN, status: 'succeeded', endedAt: Date.now() } as RunRecord);
    const link = w.find('[data-action="recover"]');
    expect(link.exists()).toBe(true);
    expect(link.attributes('href')).toContain('/new/sft?recover=p1');
  });
});

