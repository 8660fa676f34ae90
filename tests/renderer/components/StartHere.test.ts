// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import { RouterView } from 'vue-router';
import type { BenchtopApi } from '../../../src/shared/api';
import type { ModelEntry, RunRecord } from '../../../src/shared/records';
import { PRESETS } from '../../../src/shared/config/presets';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';

const BUILTIN: ModelEntry = {
  id: 'builtin:benchtop-tiny', name: 'benchtop-tiny', path: '/app/resources/models/benchtop-tiny', architecture: 'llama', parameters: 812_345,
  builtin: true, addedAt: 0,
  info: { hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 101, modelCardSummary: 'A tiny decoder trained on the synthetic tasks.' },
};

function backend(models: ModelEntry[], runs: RunRecord[] = []) {
  const api = {
    listRuns: async () => runs,
    listModels: async () => models,
    listDatasets: async () => [],
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
}

async function mountApp(path: string) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(path);
  const w = mount(defineComponent({ setup: () => () => h(RouterView) }), { global: { plugins: [createPinia(), router] }, attachTo: document.body });
  await flushPromises();
  await vi.waitFor(() => expect(w.find('[data-page]').exists()).toBe(true));
  await flushPromises();
  return { w, router };
}

describe('Start here (empty run history)', () => {
  it('offers the built-in model and example runs; one click opens the editor prefilled', async () => {
    backend([BUILTIN]);
    const { w, router } = await mountApp('/runs');
    const panel = w.find('[data-start-here]');
    expect(panel.exists()).toBe(true);
    expect(w.find('[data-empty]').exists()).toBe(false);
    expect(panel.find('[data-builtin-arch]').text()).toBe('llama · 4 layers · d 128 · 4 heads (2 KV) · vocab 101');
    expect(panel.find('[data-builtin-params]').text()).toBe('812.3k');
    expect(panel.find('[data-builtin-params]').attributes('title')).toBe('812345 parameters');
    expect(panel.text()).toContain('A tiny decoder trained on the synthetic tasks.');
    expect(panel.find('[data-link="models"]').attributes('href')).toContain('/models');
    const links = panel.findAll('[data-start-preset]');
    expect(links.map((l) => [l.attributes('data-start-preset'), l.find('.start-example-title').text()])).toEqual([
      ['eval-builtin', 'Evaluate the built-in model'],
      ['prune-builtin-bi', 'Prune a layer of the built-in model'],
      ['sft-lora-builtin', 'LoRA finetune of the built-in model'],
      ['pretrain-tiny-arithmetic', 'Pretrain a tiny model'],
      ['grpo-accuracy-builtin', 'RLVR (a): does GRPO raise accuracy?'],
      ['grpo-failure-prefix-builtin', 'RLVR (b): failure-prefix conditioning'],
      ['grpo-llds-builtin', 'RLVR (c): LLDS against likelihood decay'],
      ['grpo-thr-builtin', 'RLVR (d): THR p > 0 vs p < 0'],
      ['value-mislabel-warmup', 'Valuation (e): For-Value flags label noise after a brief SFT'],
    ]);
    expect(links[0].attributes('href')).toContain('/new/eval?preset=eval-builtin');
    expect(panel.find('.start-needs').exists()).toBe(false);

    await links[0].trigger('click');
    await vi.waitFor(() => expect(w.find('[data-page="new-run"]').exists()).toBe(true), { timeout: 10_000 });
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/new/eval?preset=eval-builtin');
    const preset = PRESETS.find((p) => p.id === 'eval-builtin')!.config as { model: string; num_examples: number; tasks: { task: string }[] };
    expect((w.find('[data-preset]').element as HTMLSelectElement).value).toBe('eval-builtin');
    expect((w.find('[data-field="model"]').element as HTMLInputElement).value).toBe(preset.model);
    expect((w.find('[data-field="num_examples"]').element as HTMLInputElement).value).toBe(String(preset.num_examples));
    expect((w.find('[data-field="tasks.4.task"]').element as HTMLInputElement).value).toBe(preset.tasks[4].task);
    w.unmount();
  });

  it('a preset that compares arms opens the editor with its Sweep section filled in (decision 0038)', async () => {
    backend([BUILTIN]);
    const { w, router } = await mountApp('/runs');
    await w.find('[data-start-preset="grpo-thr-builtin"]').trigger('click');
    await vi.waitFor(() => expect(w.find('[data-page="new-run"]').exists()).toBe(true), { timeout: 10_000 });
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/new/grpo?preset=grpo-thr-builtin');
    const section = w.find('[data-sweep-section]');
    expect((section.element as HTMLDetailsElement).open).toBe(true);
    const rows = section.findAll('[data-sweep-row]').map((r) => r.findAll('input').map((i) => (i.element as HTMLInputElement).value));
    expect(rows.map((r) => r.filter((v) => v !== ''))).toEqual([
      ['thr.p', '0.5, -0.5'],
      ['seed', '1, 2'],
    ]);
    w.unmount();
  });

  it('says plainly when the built-in model folder is missing or broken', async () => {
    backend([]);
    let { w } = await mountApp('/runs');
    expect(w.find('[data-builtin-missing]').text()).toContain('resources/models/benchtop-tiny/config.json is missing');
    expect(w.findAll('.start-needs')).toHaveLength(8);
    w.unmount();

    backend([{ ...BUILTIN, parameters: null, info: { problem: '/app/resources/models/benchtop-tiny/config.json: not valid JSON' } }]);
    ({ w } = await mountApp('/runs'));
    expect(w.find('[data-builtin-problem]').text()).toContain('config.json: not valid JSON');
    w.unmount();
  });

  it('gives way to the run list once there is a run', async () => {
    const run = { id: 'r1', kind: 'eval', name: 'e', status: 'succeeded', config: {}, modelRef: null, tags: [], parentId: null, createdAt: 1, startedAt: 1, endedAt: 2, exitReason: null, progress: null, device: null } as RunRecord;
    backend([BUILTIN], [run]);
    const { w } = await mountApp('/runs');
    expect(w.find('[data-start-here]').exists()).toBe(false);
    expect(w.find('[data-run-id="r1"]').exists()).toBe(true);
    w.unmount();
  });
});
