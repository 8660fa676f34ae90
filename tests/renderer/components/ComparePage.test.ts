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
import { PALETTES } from '../../../src/renderer/src/charts/palette';
import ComparePage from '../../../src/renderer/src/pages/ComparePage.vue';
import CompareLineChart from '../../../src/renderer/src/components/compare/CompareLineChart.vue';
import CompareBarChart from '../../../src/renderer/src/components/compare/CompareBarChart.vue';
import CompareBandChart from '../../../src/renderer/src/components/compare/CompareBandChart.vue';

// ECharts cannot draw in happy-dom: stand in for vue-echarts and keep its `option` prop.
const VChartStub = defineComponent({ name: 'VChart', props: { option: { type: Object, required: true } }, setup: () => () => h('div') });

const run = (id: string, o: Partial<RunRecord> = {}): RunRecord => ({
  id, kind: 'pretrain', name: `run ${id}`, status: 'succeeded', config: {}, modelRef: null, tags: [], parentId: null,
  createdAt: 0, startedAt: 0, endedAt: 1000, exitReason: null, progress: { step: 3, total: 3, etaSeconds: 0 }, device: 'cpu', ...o,
});
const s = (key: string, steps: number[], values: number[]): MetricSeries => ({ key, steps, values, downsampled: false });
const cfg = (name: string, lr: number, extra: Record<string, unknown> = {}) => ({
  kind: 'pretrain', name, data: { tasks: [{ task: 'arithmetic', options: { dim: 8 } }] }, training: { learning_rate: lr, max_steps: 3, ...extra },
});

/** Three training runs: b is still running; train/lr and the eval accuracy only in a and c. */
const RUNS: Record<string, RunRecord> = {
  a: run('a', { name: 'lr 0.1', config: cfg('lr 0.1', 0.1) }),
  b: run('b', { name: 'lr 0.05', status: 'running', endedAt: null, progress: { step: 2, total: 3, etaSeconds: 5 }, config: cfg('lr 0.05', 0.05) }),
  c: run('c', { name: 'lr 0.1 seed 3', config: cfg('lr 0.1 seed 3', 0.1, { seed: 3 }) }),
};
const SERIES: Record<string, Record<string, MetricSeries>> = {
  a: {
    loss: s('loss', [1, 2, 3], [3, 2, 1.5]), grad_norm: s('grad_norm', [1, 2, 3], [4, 3, 2]), 'train/lr': s('train/lr', [1, 2, 3], [0.1, 0.1, 0.1]),
    'eval/arithmetic/accuracy': s('eval/arithmetic/accuracy', [1, 3], [0.2, 0.6]),
  },
  b: { loss: s('loss', [1, 2], [3, 1.2]), grad_norm: s('grad_norm', [1, 2], [5, 1]) },
  c: {
    loss: s('loss', [1, 2, 3], [2.9, 1.9, 1.4]), grad_norm: s('grad_norm', [1, 2, 3], [4, 2, 3]), 'train/lr': s('train/lr', [1, 2, 3], [0.1, 0.1, 0.1]),
    'eval/arithmetic/accuracy': s('eval/arithmetic/accuracy', [1, 3], [0.3, 0.5]),
  },
};

function fakeApi(runs: Record<string, RunRecord>, series: Record<string, Record<string, MetricSeries>>) {
  const listeners = new Set<(e: PushEvent) => void>();
  const api = {
    getRun: async (id: string) => runs[id] ?? null,
    getMetricKeys: async (id: string) => Object.keys(series[id] ?? {}),
    getMetricSeries: async (id: string, k: string) => series[id][k],
    onEvent: (l: (e: PushEvent) => void) => (listeners.add(l), () => listeners.delete(l)),
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  return { emit: (e: PushEvent) => listeners.forEach((l) => l(e)), listeners };
}

async function mountPage(ids: string) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(`/compare?ids=${ids}`);
  const w = mount(ComparePage, { props: { ids }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
  await flushPromises();
  return w;
}

type Line = { name: string; data: [number, number | null][]; lineStyle: { color: string } };
const linesOf = (w: Awaited<ReturnType<typeof mountPage>>, key: string) => {
  const chart = w.findAllComponents(CompareLineChart).find((c) => c.props('title') === key);
  if (!chart) return null;
  return (chart.findComponent(VChartStub).props('option') as EChartsOption).series as unknown as Line[];
};
const light = PALETTES.light.series;

describe('ComparePage', () => {
  it('lists the runs and draws one line per run equal to its series, in the run colour', async () => {
    fakeApi(RUNS, SERIES);
    const w = await mountPage('a,b,c');
    const head = w.findAll('[data-compare-run]');
    expect(head.map((r) => r.attributes('data-compare-run'))).toEqual(['a', 'b', 'c']);
    expect(head.map((r) => r.attributes('data-color'))).toEqual([light[0], light[1], light[2]]);
    expect(head[1].find('[data-status]').attributes('data-status')).toBe('running');
    expect(head[0].find('[data-run-link]').text()).toBe('lr 0.1');
    expect(head[0].find('[data-run-link]').attributes('href')).toContain('/runs/a');

    // Grouped like the run page: ungrouped keys first, then train/, then eval/.
    expect(w.findAll('[data-metric]').map((c) => c.attributes('data-metric'))).toEqual(['grad_norm', 'loss', 'train/lr', 'eval/arithmetic/accuracy']);
    const loss = linesOf(w, 'loss')!;
    expect(loss.map((l) => [l.name, l.lineStyle.color])).toEqual([['lr 0.1', light[0]], ['lr 0.05', light[1]], ['lr 0.1 seed 3', light[2]]]);
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      const f = SERIES[id].loss;
      expect(loss[i].data).toEqual(f.steps.map((st, j) => [st, f.values[j]]));
    }
    // A metric only two runs have: two lines, the missing run left out (colours stay per run).
    const acc = linesOf(w, 'eval/arithmetic/accuracy')!;
    expect(acc.map((l) => [l.name, l.lineStyle.color])).toEqual([['lr 0.1', light[0]], ['lr 0.1 seed 3', light[2]]]);
    expect(w.find('[data-metric="eval/arithmetic/accuracy"]').attributes('data-runs')).toBe('2');
    w.unmount();
  });

  it('hides metrics not every run has with "only metrics shared by all"', async () => {
    fakeApi(RUNS, SERIES);
    const w = await mountPage('a,b,c');
    const shown = () => w.findAll('[data-metric]').map((c) => c.attributes('data-metric')).sort();
    const rows = () => w.findAll('[data-final-row]').map((r) => r.attributes('data-final-row')).sort();
    expect(shown()).toEqual(['eval/arithmetic/accuracy', 'grad_norm', 'loss', 'train/lr']);
    await w.find('[data-toggle="shared-only"]').setValue(true);
    expect(shown()).toEqual(['grad_norm', 'loss']);
    expect(rows()).toEqual(['grad_norm', 'loss']);
    await w.find('[data-toggle="shared-only"]').setValue(false);
    expect(shown()).toEqual(['eval/arithmetic/accuracy', 'grad_norm', 'loss', 'train/lr']);
    w.unmount();
  });

  it('lists exactly the differing config paths, and every path with "show all fields"', async () => {
    fakeApi(RUNS, SERIES);
    const w = await mountPage('a,b,c');
    const paths = () => w.findAll('[data-diff-path]').map((r) => r.attributes('data-diff-path'));
    expect(paths()).toEqual(['name', 'training.learning_rate', 'training.seed']);
    const seed = w.find('[data-diff-path="training.seed"]').findAll('td').map((td) => td.text());
    expect(seed).toEqual(['training.seed', '—', '—', '3']);
    expect(w.find('[data-diff-count]').text()).toBe('3 of 7 fields differ');
    await w.find('[data-toggle="all-fields"]').setValue(true);
    expect(paths()).toEqual(['kind', 'name', 'data.tasks.0.task', 'data.tasks.0.options.dim', 'training.learning_rate', 'training.max_steps', 'training.seed']);
    expect(w.findAll('[data-diff-path].differs').map((r) => r.attributes('data-diff-path'))).toEqual(['name', 'training.learning_rate', 'training.seed']);
    w.unmount();
  });

  it('marks the lowest final loss and the highest final accuracy, and nothing for a neutral metric', async () => {
    fakeApi(RUNS, SERIES);
    const w = await mountPage('a,b,c');
    const best = (key: string) => w.find(`[data-final-row="${key}"]`).findAll('[data-best]').map((c) => c.attributes('data-run-id'));
    const cells = (key: string) => w.find(`[data-final-row="${key}"]`).findAll('td[data-run-id]').map((c) => c.text().replace(' ★', ''));
    expect(w.find('[data-final-row="loss"]').attributes('data-direction')).toBe('lower');
    expect(cells('loss')).toEqual(['1.5', '1.2', '1.4']);
    expect(best('loss')).toEqual(['b']);
    expect(w.find('[data-final-row="eval/arithmetic/accuracy"]').attributes('data-direction')).toBe('higher');
    expect(cells('eval/arithmetic/accuracy')).toEqual(['0.6', '—', '0.5']);
    expect(best('eval/arithmetic/accuracy')).toEqual(['a']);
    expect(best('grad_norm')).toEqual([]);
    w.unmount();
  });

  it('keeps a running run live: pushed points extend its line and its final value', async () => {
    const be = fakeApi(RUNS, structuredClone(SERIES));
    const w = await mountPage('a,b,c');
    expect(be.listeners.size).toBe(1);
    be.emit({ type: 'metrics', runId: 'b', points: [{ key: 'loss', step: 3, value: 1.6, time: 1 }] });
    be.emit({ type: 'metrics', runId: 'other', points: [{ key: 'loss', step: 9, value: 0, time: 1 }] });
    be.emit({ type: 'run', run: { ...RUNS.b, status: 'succeeded', endedAt: 2000 } });
    await flushPromises();
    expect(linesOf(w, 'loss')![1].data).toEqual([[1, 3], [2, 1.2], [3, 1.6]]);
    expect(w.find('[data-final-row="loss"] [data-run-id="b"]').text()).toBe('1.6');
    expect(w.find('[data-final-row="loss"] [data-best]').attributes('data-run-id')).toBe('c');
    expect(w.find('[data-compare-run="b"] [data-status]').attributes('data-status')).toBe('succeeded');
    w.unmount();
    expect(be.listeners.size).toBe(0);
  });

  it('draws eval runs\' accuracies as grouped bars per task', async () => {
    const evalCfg = { kind: 'eval', tasks: [{ task: 'parity' }, { task: 'arithmetic' }] };
    const runs = { e1: run('e1', { kind: 'eval', name: 'base', config: evalCfg }), e2: run('e2', { kind: 'eval', name: 'pruned', config: evalCfg }) };
    const one = (k: string, v: number) => s(k, [0], [v]);
    const series = {
      e1: { 'eval/arithmetic/accuracy': one('eval/arithmetic/accuracy', 0.5), 'eval/parity/accuracy': one('eval/parity/accuracy', 0.75) },
      e2: { 'eval/arithmetic/accuracy': one('eval/arithmetic/accuracy', 0.25), 'eval/parity/accuracy': one('eval/parity/accuracy', 0.8) },
    };
    fakeApi(runs, series);
    const w = await mountPage('e1,e2');
    expect(w.findAll('[data-metric]')).toHaveLength(0);
    const bars = w.findAllComponents(CompareBarChart);
    expect(bars.map((b) => b.attributes('data-compare-bars'))).toEqual(['eval/{task}/accuracy']);
    const o = bars[0].findComponent(VChartStub).props('option') as EChartsOption;
    expect((o.xAxis as { data: string[] }).data).toEqual(['parity', 'arithmetic']);
    expect((o.series as { name: string; data: number[]; itemStyle: { color: string } }[]).map((x) => [x.name, x.itemStyle.color, x.data])).toEqual([
      ['base', light[0], [0.75, 0.5]],
      ['pruned', light[1], [0.8, 0.25]],
    ]);
    expect(w.find('[data-final-row="eval/parity/accuracy"] [data-best]').attributes('data-run-id')).toBe('e2');
    expect(w.find('[data-final-row="eval/arithmetic/accuracy"] [data-best]').attributes('data-run-id')).toBe('e1');
    w.unmount();
  });

  it('says clearly when the address names no runs, one run, or runs that do not exist', async () => {
    fakeApi(RUNS, SERIES);
    let w = await mountPage('');
    expect(w.find('[data-compare-problem]').text()).toContain('No runs to compare');
    w.unmount();
    w = await mountPage('a');
    expect(w.find('[data-compare-problem]').text()).toContain('a comparison needs at least 2');
    w.unmount();
    w = await mountPage('a,nope');
    expect(w.find('[data-compare-missing]').text()).toContain('Run nope was not found');
    expect(w.find('[data-compare-missing]').text()).toContain('Fewer than two runs are left to compare');
    expect(w.find('[data-compare-runs]').exists()).toBe(false);
    w.unmount();
    w = await mountPage('a,nope,c');
    expect(w.find('[data-compare-missing]').classes()).toContain('alert-warn');
    expect(w.findAll('[data-compare-run]').map((r) => r.attributes('data-compare-run'))).toEqual(['a', 'c']);
    w.unmount();
  });

  it('shows a load failure with a retry', async () => {
    const api = { getRun: () => Promise.reject(new Error('database is locked')), getMetricKeys: async () => [], onEvent: () => () => {} } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const w = await mountPage('a,b');
    expect(w.find('[data-load-error]').text()).toContain('Could not load the runs to compare: database is locked');
    w.unmount();
  });

  it('groups runs by a differing config field and draws each group as mean ± std', async () => {
    fakeApi(RUNS, SERIES);
    const w = await mountPage('a,b,c');
    const select = w.find('[data-control="group-by"]');
    const fields = select.findAll('option').map((o) => o.attributes('value'));
    expect(fields).toEqual(expect.arrayContaining(['training.learning_rate', 'training.seed']));
    expect(fields).not.toContain('training.max_steps');
    await select.setValue('training.learning_rate');
    await flushPromises();
    expect(w.find('[data-grouped]').exists()).toBe(true);
    const loss = w.findAllComponents(CompareBandChart).find((c) => c.props('title') === 'loss')!;
    const groups = loss.props('groups') as { label: string; band: { steps: number[]; mean: number[]; std: number[] } }[];
    expect(groups.map((g) => g.label)).toEqual(['training.learning_rate=0.1 (2 runs)', 'training.learning_rate=0.05 (1 run)']);
    // lr 0.1 = runs a and c: loss 3 | 2.9, 2 | 1.9, 1.5 | 1.4 → mean 2.95, 1.95, 1.45; std 0.1/√2.
    expect(groups[0].band.steps).toEqual([1, 2, 3]);
    groups[0].band.mean.forEach((m, i) => expect(m).toBeCloseTo([2.95, 1.95, 1.45][i], 12));
    for (const sd of groups[0].band.std) expect(sd).toBeCloseTo(0.1 / Math.SQRT2, 12);
    expect(groups[1].band).toMatchObject({ steps: [1, 2], mean: [3, 1.2], std: [0, 0] });
    w.unmount();
  });
});
