// @vitest-environment happy-dom
/**
 * The score kind end to end on the page side: the run page finds the kind's view by name, the
 * view draws the histogram the executor wrote, and the bundle renders the same chart to SVG.
 */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { defineComponent, h } from 'vue';
import type { EChartsOption } from 'echarts';
import type { MetricSeries, RunRecord } from '../../../src/shared/records';
import { runKindModule } from '../../../src/shared/kinds';
import { SCORE_KEYS } from '../../../src/shared/kinds/score';
import { resultsViewOf } from '../../../src/renderer/src/views';
import { renderPlots } from '../../../src/core/bundles/plots';

const VChartStub = defineComponent({ name: 'VChart', props: { option: { type: Object, required: true } }, setup: () => () => h('div', { class: 'vchart-stub' }) });

const series = (key: string, points: [number, number][]): MetricSeries => ({ key, steps: points.map((p) => p[0]), values: points.map((p) => p[1]), downsampled: false });
// Three bins of width 0.5 from −2: counts 1, 0, 3.
const SERIES: Record<string, MetricSeries> = {
  [SCORE_KEYS.binLower]: series(SCORE_KEYS.binLower, [[0, -2], [1, -1.5], [2, -1]]),
  [SCORE_KEYS.binCount]: series(SCORE_KEYS.binCount, [[0, 1], [1, 0], [2, 3]]),
  [SCORE_KEYS.binWidth]: series(SCORE_KEYS.binWidth, [[0, 0.5]]),
  [SCORE_KEYS.examples]: series(SCORE_KEYS.examples, [[0, 4]]),
  'logprob/compare/mean': series('logprob/compare/mean', [[0, -1.25]]),
};
const RUN = {
  id: 's1', kind: 'score', name: 'score', status: 'succeeded', config: { kind: 'score', model: 'm', tasks: [{ task: 'compare' }], per_token: false },
  modelRef: 'm', tags: [], parentId: null, createdAt: 0, startedAt: 0, endedAt: 1, exitReason: null, progress: null, device: 'cpu',
} as unknown as RunRecord;

describe('score kind view', () => {
  it('is found by the name its kind module gives and draws the run’s histogram and task means', () => {
    const view = resultsViewOf('score');
    expect(view?.spec).toEqual(runKindModule('score').results);
    const w = mount(view!.component, { props: { run: RUN, series: SERIES, active: false, spec: view!.spec }, global: { stubs: { Echarts: VChartStub } } });
    const option = w.findComponent(VChartStub).props('option') as EChartsOption & { series: { data: number[] }[]; xAxis: { data: string[] } };
    expect(option.series[0]!.data).toEqual([1, 0, 3]);
    expect(option.xAxis.data).toEqual(['-1.75', '-1.25', '-0.75']);
    expect(w.find('[data-score-tasks]').text()).toContain('compare');
    expect(w.find('[data-score-tasks]').text()).toContain('-1.25');
  });

  it('shows a plain empty state before the histogram exists', () => {
    const view = resultsViewOf('score')!;
    const w = mount(view.component, { props: { run: RUN, series: {}, active: true, spec: view.spec }, global: { stubs: { Echarts: VChartStub } } });
    expect(w.text()).toContain('The histogram appears when every example is scored');
  });

  it('bundles draw the same histogram as an SVG plot of the kind', async () => {
    const kindPlots = runKindModule('score').plots!(SERIES, RUN.config as never);
    expect(kindPlots.map((p) => p.name)).toEqual(['logprob-histogram']);
    const { plots, failed } = await renderPlots([], { kindPlots });
    expect(failed).toEqual([]);
    expect(plots.map((p) => [p.path, p.kind])).toEqual([['plots/kind/logprob-histogram.svg', 'kind']]);
    expect(plots[0]!.svg).toContain('-1.75');
    expect(runKindModule('score').plots!({}, RUN.config as never)).toEqual([]);
  });
});
