// @vitest-environment happy-dom
/**
 * The expected-effect badge on the run page (decision 0038): observed / not observed as recorded
 * when the run ended, each check's numbers from the run's series, "pending" while it runs, and a
 * link to the group for a sweep run whose checks compare arms. No badge without an expected effect.
 */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { BenchtopApi } from '../../../src/shared/api';
import type { MetricSeries, RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';
import ExpectedEffectBadge from '../../../src/renderer/src/components/effects/ExpectedEffectBadge.vue';

const EFFECT = { statement: 'GRPO raises held-out accuracy', checks: [{ metric: 'eval/kk/accuracy', of: 'change', op: '>', than: 0.03 }] };

function grpoRun(status: RunRecord['status'], effect: unknown, sweep: RunRecord['sweep'] = null): RunRecord {
  return {
    id: 'r1', kind: 'grpo', name: 'grpo preset', status,
    config: { kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'knights_knaves' }], ...(effect ? { expected_effect: effect } : {}) },
    modelRef: 'builtin:benchtop-tiny', tags: [], parentId: null, createdAt: 0, startedAt: 1, endedAt: status === 'running' ? null : 2,
    exitReason: null, progress: { step: 40, total: 40, etaSeconds: null }, device: 'cpu', sweep,
  };
}

async function mountRun(run: RunRecord, series: Record<string, [number, number][]>) {
  const api = {
    getRun: async () => run,
    getMetricKeys: async () => Object.keys(series),
    getMetricSeries: async (_id: string, key: string): Promise<MetricSeries> => ({
      key, steps: (series[key] ?? []).map((p) => p[0]), values: (series[key] ?? []).map((p) => p[1]), downsampled: false,
    }),
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
  await flushPromises();
  return w;
}

describe('expected-effect badge', () => {
  it('shows observed with the check’s numbers (0.40 − 0.33 = 0.07 > 0.03)', async () => {
    const w = await mountRun(grpoRun('succeeded', EFFECT), { 'eval/kk/accuracy': [[0, 0.33], [40, 0.4]], 'expected_effect/observed': [[40, 1]] });
    const badge = w.find('[data-expected-effect]');
    expect(badge.attributes('data-expected-effect')).toBe('observed');
    expect(badge.text()).toContain('expected effect: observed');
    expect(badge.text()).toContain('GRPO raises held-out accuracy');
    expect(badge.text()).toContain('✓ eval/kk/accuracy change = 0.07 > 0.03');
    w.unmount();
  });

  it('shows not observed when accuracy did not rise enough (0.35 − 0.33 = 0.02)', async () => {
    const w = await mountRun(grpoRun('succeeded', EFFECT), { 'eval/kk/accuracy': [[0, 0.33], [40, 0.35]], 'expected_effect/observed': [[40, 0]] });
    const badge = w.find('[data-expected-effect]');
    expect(badge.attributes('data-expected-effect')).toBe('not_observed');
    expect(badge.text()).toContain('expected effect: not observed');
    expect(badge.text()).toContain('✗ eval/kk/accuracy change = 0.02 > 0.03');
    w.unmount();
  });

  it('is pending while the run is going; absent without an expected effect', async () => {
    const running = await mountRun(grpoRun('running', EFFECT), { 'eval/kk/accuracy': [[0, 0.33]] });
    expect(running.find('[data-expected-effect]').attributes('data-expected-effect')).toBe('pending');
    expect(running.find('[data-effect-note]').text()).toContain('checked when the run ends');
    running.unmount();
    const plain = await mountRun(grpoRun('succeeded', null), { 'eval/kk/accuracy': [[0, 0.33], [40, 0.4]] });
    expect(plain.find('[data-expected-effect]').exists()).toBe(false);
    plain.unmount();
  });

  it('points a sweep run whose checks compare arms to its group page', async () => {
    const arms = { statement: 'p > 0 beats p < 0', checks: [{ metric: 'eval/kk/accuracy', op: '>', arm: { 'thr.p': 0.5 }, than_arm: { 'thr.p': -0.5 } }] };
    const w = await mountRun(grpoRun('succeeded', arms, { sweepId: 'sweep-9', point: { 'thr.p': 0.5 } }), { 'eval/kk/accuracy': [[0, 0.33], [40, 0.4]] });
    expect(w.find('[data-expected-effect]').text()).toContain('expected effect: on the group');
    expect(w.find('[data-effect-note] a').attributes('href')).toBe('/sweeps/sweep-9');
    w.unmount();
  });

  it('renders a group verdict as given (the sweep page passes the derived one)', () => {
    const w = mount(ExpectedEffectBadge, {
      props: { verdict: { state: 'not_observed', statement: 'arms differ', checks: [{ text: 'acc change: a 0.1 (n=2) > b 0.2 (n=2)', holds: false }] } },
      global: { stubs: { RouterLink: true } },
    });
    expect(w.find('.badge').classes()).toContain('st-failed');
    expect(w.text()).toContain('✗ acc change: a 0.1 (n=2) > b 0.2 (n=2)');
  });
});
