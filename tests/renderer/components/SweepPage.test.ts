// @vitest-environment happy-dom
/** The sweep group page: table ranked by the chosen final metric with the best highlighted, the
 * parallel-coordinates and band charts fed from the group's runs; and the editor's Sweep form. */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h, reactive } from 'vue';
import type { EChartsOption } from 'echarts';
import type { BenchtopApi, PushEvent } from '../../../src/shared/api';
import type { MetricSeries, RunRecord } from '../../../src/shared/records';
import { sweepProgress, type SweepDetail } from '../../../src/shared/sweeps';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import SweepPage from '../../../src/renderer/src/pages/SweepPage.vue';
import { previewSweep, sweepablePaths } from '../../../src/renderer/src/components/sweeps/sweepForm';

const VChartStub = defineComponent({ name: 'VChart', props: { option: { type: Object, required: true } }, setup: () => () => h('div') });

const run = (id: string, lr: number, seed: number): RunRecord => ({
  id, kind: 'pretrain', name: id, status: 'succeeded', config: {}, modelRef: null, tags: [], parentId: null, createdAt: 0, startedAt: 0, endedAt: 1,
  exitReason: null, progress: null, device: 'cpu', sweep: { sweepId: 'sweep-1', point: { 'training.learning_rate': lr, seed } },
});
const RUNS = [run('a', 0.01, 1), run('b', 0.01, 2), run('c', 0.1, 1), run('d', 0.1, 2)];
const FINAL: Record<string, number> = { a: 0.4, b: 0.6, c: 0.9, d: 0.7 };
const series = (id: string): MetricSeries => ({ key: 'eval/acc', steps: [0, 10], values: [0.1, FINAL[id]!], downsampled: false });

function fakeApi() {
  const detail: SweepDetail = {
    sweep: { id: 'sweep-1', name: 'lr x seed', spec: { name: 'lr x seed', base: {}, grid: [] }, createdAt: 0, fields: ['training.learning_rate', 'seed'] },
    runs: RUNS,
    progress: sweepProgress(RUNS),
    finals: Object.fromEntries(RUNS.map((r) => [r.id, { 'eval/acc': FINAL[r.id]!, 'train/loss': 1 - FINAL[r.id]! }])),
  };
  const api = {
    getSweep: async () => detail,
    getMetricSeries: async (id: string) => series(id),
    onEvent: (_l: (e: PushEvent) => void) => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
}

describe('SweepPage', () => {
  it('ranks runs by the chosen metric, highlights the best, and draws the parallel and band charts', async () => {
    fakeApi();
    const router = createRouter({ history: createMemoryHistory(), routes });
    await router.push('/sweeps/sweep-1');
    const w = mount(SweepPage, { props: { id: 'sweep-1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
    await flushPromises();
    await flushPromises();
    const rows = w.findAll('[data-sweep-runs] tbody tr');
    expect(rows.map((r) => r.attributes('data-run-id'))).toEqual(['c', 'd', 'b', 'a']);
    expect(rows[0]!.classes()).toContain('best');
    expect(rows.slice(1).every((r) => !r.classes().includes('best'))).toBe(true);
    expect(w.find('[data-sweep-progress]').attributes('data-outcome')).toBe('succeeded');

    const charts = w.findAllComponents(VChartStub).map((c) => c.props('option') as EChartsOption);
    const parallel = charts.find((o) => 'parallelAxis' in o)!;
    expect((parallel.series as { type: string; data: unknown[][] }[])[1]!.data).toEqual([[0.1, 1, 0.9]]);
    const bands = charts.find((o) => !('parallelAxis' in o))!;
    const mean = (bands.series as { name: string; data: (number | null)[] }[]).filter((s) => !s.name.includes('std'));
    // lr 0.01: seeds end at 0.4 and 0.6 → mean 0.5; lr 0.1: 0.9 and 0.7 → 0.8.
    expect(mean.map((s) => [s.name, s.data[1]])).toEqual([
      ['learning_rate=0.01', 0.5],
      ['learning_rate=0.1', 0.8],
    ]);
    expect(w.find('[data-sweep-chart="bands"]').attributes('data-settings')).toBe('2');

    // Ranking by a loss puts the lowest first.
    await w.find('[data-rank-metric]').setValue('train/loss');
    await flushPromises();
    expect(w.findAll('[data-sweep-runs] tbody tr').map((r) => r.attributes('data-run-id'))).toEqual(['c', 'd', 'b', 'a']);
    expect((w.find('[data-rank-goal]').element as HTMLSelectElement).value).toBe('min');
  });
});

describe('SweepPage: Cancel remaining', () => {
  const withStatus = (r: RunRecord, status: RunRecord['status']): RunRecord => ({ ...r, status, endedAt: status === 'queued' || status === 'running' ? null : 1 });

  function pendingApi() {
    let runs = [withStatus(RUNS[0]!, 'succeeded'), withStatus(RUNS[1]!, 'running'), withStatus(RUNS[2]!, 'queued'), withStatus(RUNS[3]!, 'queued')];
    const detail = (): SweepDetail => ({
      sweep: { id: 'sweep-1', name: 'lr x seed', spec: { name: 'lr x seed', base: {}, grid: [] }, createdAt: 0, fields: ['training.learning_rate', 'seed'] },
      runs,
      progress: sweepProgress(runs),
      finals: {},
    });
    const calls: string[] = [];
    const api = {
      getSweep: async () => detail(),
      getMetricSeries: async (id: string) => series(id),
      onEvent: () => () => {},
      cancelSweep: async (id: string) => {
        calls.push(id);
        const cancelled = runs.filter((r) => r.status === 'queued').map((r) => r.id);
        const stopping = runs.filter((r) => r.status === 'running').map((r) => r.id);
        runs = runs.map((r) => (cancelled.includes(r.id) || stopping.includes(r.id) ? withStatus(r, 'cancelled') : r));
        return { cancelled, stopping, detail: detail() };
      },
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    return calls;
  }

  async function mountPage() {
    const router = createRouter({ history: createMemoryHistory(), routes });
    await router.push('/sweeps/sweep-1');
    const w = mount(SweepPage, { props: { id: 'sweep-1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } } });
    await flushPromises();
    return w;
  }

  it('asks first, says what it will stop, and does nothing when dismissed', async () => {
    const calls = pendingApi();
    const w = await mountPage();
    expect(w.find('[data-cancel-sweep-confirm]').exists()).toBe(false);
    await w.find('[data-action="cancel-sweep"]').trigger('click');
    expect(w.find('[data-cancel-sweep-confirm]').text()).toContain('Cancel 2 queued runs and stop 1 running run of this sweep?');
    await w.find('[data-action="cancel-sweep-dismiss"]').trigger('click');
    expect(w.find('[data-cancel-sweep-confirm]').exists()).toBe(false);
    expect(calls).toEqual([]);
  });

  it('cancels the group when confirmed and shows the new statuses; no button once nothing is left', async () => {
    const calls = pendingApi();
    const w = await mountPage();
    await w.find('[data-action="cancel-sweep"]').trigger('click');
    await w.find('[data-action="cancel-sweep-confirm"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual(['sweep-1']);
    expect(w.find('[data-cancel-sweep-confirm]').exists()).toBe(false);
    const statuses = w.findAll('[data-sweep-runs] tbody tr').map((r) => [r.attributes('data-run-id'), r.find('[data-status]').attributes('data-status')]);
    expect(Object.fromEntries(statuses)).toEqual({ a: 'succeeded', b: 'cancelled', c: 'cancelled', d: 'cancelled' });
    expect(w.find('[data-sweep-progress]').attributes('data-outcome')).toBe('cancelled');
    expect(w.find('[data-action="cancel-sweep"]').exists()).toBe(false);
  });

  it('offers no cancel for a finished sweep', async () => {
    fakeApi();
    const w = await mountPage();
    expect(w.find('[data-action="cancel-sweep"]').exists()).toBe(false);
  });
});

describe('the editor Sweep form', () => {
  const config = { kind: 'eval', name: 'e', model: 'builtin:benchtop-tiny', tasks: [{ task: 'majority' }], temperature: 0, seed: 0 };

  it('offers every scalar field by dotted path', () => {
    expect(sweepablePaths(config)).toEqual(['model', 'tasks.0.task', 'temperature', 'seed']);
  });

  it('counts the runs of a valid form and names the field and value of an invalid one', () => {
    // The editor's config is a reactive proxy (structuredClone refuses those).
    const ok = previewSweep(reactive(structuredClone(config)), { name: '', randomCount: 3, randomSeed: 1, rows: [
      { path: 'seed', mode: 'grid', text: '1, 2' },
      { path: 'temperature', mode: 'range', text: '0.1:1' },
    ] });
    expect(ok).toMatchObject({ ok: true, runs: 6 });
    const bad = previewSweep(config, { name: '', randomCount: 3, randomSeed: 1, rows: [{ path: 'temperature', mode: 'grid', text: '0.5, -1' }] });
    expect(bad.ok || bad.error).toBe('grid temperature=-1: expected temperature ≥ 0 (0 is greedy), got -1');
    const text = previewSweep(config, { name: '', randomCount: 3, randomSeed: 1, rows: [{ path: 'temperature', mode: 'range', text: 'low:high' }] });
    expect(text.ok || text.error).toMatch(/^temperature: expected min:max with numbers/);
  });
});
