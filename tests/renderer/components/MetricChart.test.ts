// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { defineComponent, h } from 'vue';
import type { EChartsOption } from 'echarts';
import type { MetricSeries } from '../../../src/shared/records';
import MetricChart from '../../../src/renderer/src/components/MetricChart.vue';

const VChartStub = defineComponent({
  name: 'VChart',
  props: { option: { type: Object, required: true } },
  setup: (p) => () => h('div', { 'data-n': ((p.option as EChartsOption).series as { data: unknown[] }[])[0]?.data.length }),
});

// A controllable IntersectionObserver (happy-dom's never reports).
let report: ((visible: boolean) => void) | null = null;
class TestObserver {
  constructor(private cb: (e: { isIntersecting: boolean }[]) => void) {}
  observe(): void {
    report = (v) => this.cb([{ isIntersecting: v }]);
  }
  disconnect(): void {}
}
const original = globalThis.IntersectionObserver;
afterEach(() => {
  globalThis.IntersectionObserver = original;
});
const frame = () => new Promise((r) => setTimeout(r, 50));

describe('MetricChart', () => {
  it('redraws on a new version only while on screen, and catches up when scrolled into view', async () => {
    globalThis.IntersectionObserver = TestObserver as unknown as typeof IntersectionObserver;
    const s: MetricSeries = { key: 'loss', steps: [1, 2], values: [3, 2], downsampled: false };
    const w = mount(MetricChart, { props: { title: 'loss', series: [s], version: 1 }, global: { stubs: { Echarts: VChartStub } } });
    const drawn = () => w.find('[data-metric="loss"]').attributes('data-drawn-version');
    expect(drawn()).toBe('1');
    expect(w.find('[data-metric="loss"]').attributes('data-points')).toBe('2');

    report!(false);
    s.steps.push(3);
    s.values.push(1);
    await w.setProps({ version: 2 });
    await frame();
    await flushPromises();
    expect(drawn()).toBe('1');
    expect(w.find('[data-metric="loss"]').attributes('data-points')).toBe('2');

    report!(true);
    await frame();
    await flushPromises();
    expect(drawn()).toBe('2');
    expect(w.find('[data-metric="loss"]').attributes('data-points')).toBe('3');
    w.unmount();
  });

  it('draws a long series down-sampled and caps an accuracy axis at 1', async () => {
    const n = 100_000;
    const s: MetricSeries = { key: 'eval/accuracy', steps: Array.from({ length: n }, (_, i) => i), values: Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i / 500)), downsampled: false };
    const w = mount(MetricChart, { props: { title: 'eval/accuracy', series: [s], version: 1 }, global: { stubs: { Echarts: VChartStub } } });
    const o = w.findComponent(VChartStub).props('option') as EChartsOption;
    const pts = Number(w.find('[data-metric]').attributes('data-points'));
    expect(pts).toBeGreaterThan(100);
    expect(pts).toBeLessThanOrEqual(4000);
    expect((o.yAxis as { max?: number }).max).toBe(1);
    w.unmount();
  });
});
