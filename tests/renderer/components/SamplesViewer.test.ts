// @vitest-environment happy-dom
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { join } from 'node:path';
import type { BenchtopApi } from '../../../src/shared/api';
import { RunStore } from '../../../src/core/store';
import { setBackend } from '../../../src/renderer/src/api';
import SamplesViewer from '../../../src/renderer/src/components/SamplesViewer.vue';
import { fixtureRlSample } from '../../fixtures/fixtureExecutor';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

// The viewer against the real store's query (src/core/store/samplesRepo.ts).
let store: RunStore;
let cleanup: () => void;
const queries: unknown[] = [];

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'benchtop-samples-'));
  cleanup = () => rmSync(dir, { recursive: true, force: true });
  store = RunStore.open(join(dir, 'benchtop.db'));
  store.runs.create({ id: 'r1', kind: 'grpo', name: 'r1', notes: '', config: { kind: 'grpo' }, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
  const rows = [];
  for (let step = 10; step <= 100; step += 10) for (let j = 0; j < 6; j++) rows.push({ runId: 'r1', ...fixtureRlSample(step, j), reward: fixtureRlSample(step, j).reward ?? null, extra: fixtureRlSample(step, j).extra ?? {} });
  store.telemetry.insertSamples(rows);
  const api = {
    querySamples: async (id: string, q: Parameters<RunStore['samples']['query']>[1]) => (queries.push(q), store.samples.query(id, q)),
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
});
afterAll(() => {
  store.close();
  cleanup();
});

describe('SamplesViewer', () => {
  it('pages, filters and sorts through the store, and expands a completion to token heat and across steps', async () => {
    const w = mount(SamplesViewer, { props: { runId: 'r1' } });
    await flushPromises();
    expect(w.find('[data-samples-range]').text()).toBe('1–25 of 60');
    expect(w.findAll('[data-sample-id]')).toHaveLength(25);
    // Newest first by default; the columns show gold, correct, advantage and group.
    const first = w.find('[data-sample-id]');
    expect(first.text()).toContain('100');
    expect(first.find('[data-correct]').exists()).toBe(true);

    await w.find('[data-action="next-page"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-samples-range]').text()).toBe('26–50 of 60');

    // Only wrong answers in steps 20–40: 3 of 6 per step × 3 steps; the page goes back to 1.
    await w.find('[data-filter="correct"]').setValue('no');
    await w.find('[data-filter="fromStep"]').setValue('20');
    await w.find('[data-filter="toStep"]').setValue('40');
    await flushPromises();
    expect(w.find('[data-samples-range]').text()).toBe('1–9 of 9');
    expect(w.findAll('[data-correct]').every((c) => c.attributes('data-correct') === 'false')).toBe(true);
    expect(queries.at(-1)).toMatchObject({ correct: false, fromStep: 20, toStep: 40, offset: 0, limit: 25 });

    // Task filter offered from the recorded tasks.
    expect(w.findAll('[data-filter="task"] option').map((o) => o.text())).toEqual(['all', 'arithmetic', 'countdown']);
    await w.find('[data-filter="task"]').setValue('countdown');
    await flushPromises();
    expect(w.find('[data-samples-range]').text()).toBe('1–3 of 3');

    // Sort by step ascending.
    await w.find('[data-filter="task"]').setValue('');
    await w.find('[data-sort="step"]').trigger('click');
    await flushPromises();
    const steps = w.findAll('[data-sample-id] td:first-child').map((td) => Number(td.text()));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps[0]).toBe(20);

    // Expand: per-token log-prob heat, one span per recorded token with its value.
    await w.find('[data-sample-id]').trigger('click');
    const heat = w.findAll('[data-token-heat] .heat-token');
    const sample = fixtureRlSample(20, 1);
    expect(heat.map((h) => h.text())).toEqual(sample.extra!.token_text);
    expect(heat.map((h) => Number(h.attributes('data-heat-value')))).toEqual(sample.extra!.token_logprob);
    await w.find('[data-heat-field="token_entropy"]').trigger('click');
    expect(w.findAll('[data-token-heat] .heat-token').map((h) => Number(h.attributes('data-heat-value')))).toEqual(sample.extra!.token_entropy);

    // The same prompt across steps: every step that logged it, in order.
    await w.find('[data-action="across-steps"]').trigger('click');
    await flushPromises();
    const across = w.findAll('[data-across-step]').map((c) => Number(c.attributes('data-across-step')));
    const want = store.samples.query('r1', { prompt: sample.prompt, sort: 'step', limit: 500 }).rows.map((r) => r.step);
    expect(across).toEqual(want.slice(0, 60));
    expect(new Set(across).size).toBe(10);
    w.unmount();
  });
});
