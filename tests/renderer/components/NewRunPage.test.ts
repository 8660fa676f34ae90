// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { BenchtopApi, ConfigCheck } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import NewRunPage from '../../../src/renderer/src/pages/NewRunPage.vue';
import { RUN_KINDS, RUN_KIND_LABELS } from '../../../src/shared/config';
import { presetsFor } from '../../../src/shared/config/presets';

function setup(serverCheck: (c: Record<string, unknown>) => ConfigCheck, createError?: string, runs: RunRecord[] = []) {
  const created: Record<string, unknown>[] = [];
  const api = {
    getRun: async (id: string) => runs.find((r) => r.id === id) ?? null,
    listModels: async () => [],
    listDatasets: async () => [],
    validateConfig: async (c: Record<string, unknown>) => serverCheck(c),
    createRun: async (c: Record<string, unknown>) => {
      if (createError) throw new Error(createError);
      created.push(c);
      return { id: 'new-1', kind: c.kind, name: c.name, status: 'queued', config: c, tags: [], createdAt: 1 } as unknown as RunRecord;
    },
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  return created;
}

async function mountAt(path: string) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(path);
  const q = router.currentRoute.value.query;
  const w = mount(NewRunPage, {
    props: { kind: router.currentRoute.value.params.kind as string, ...(typeof q.recover === 'string' ? { recover: q.recover } : {}) },
    global: { plugins: [createPinia(), router] },
  });
  await flushPromises();
  return { w, router };
}

describe('NewRunPage', () => {
  it('blocks submit on client-side issues and reveals missing required fields', async () => {
    const created = setup(() => ({ ok: true, issues: [] }));
    const { w } = await mountAt('/new/sft');
    expect(w.find('[data-error-for="model"]').exists()).toBe(false);
    await w.find('[data-action="submit"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-error-for="model"]').exists()).toBe(true);
    expect(w.find('[data-problem-count]').text()).toBe('2 problems');
    expect(created).toHaveLength(0);
    w.unmount();
  });

  it('shows server-side issues under their field', async () => {
    setup(() => ({ ok: false, issues: [{ path: 'data.seq_len', message: 'longer than the model context (256)' }] }));
    const { w } = await mountAt('/new/pretrain');
    await w.find('[data-action="submit"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-error-for="data.seq_len"]').text()).toBe('longer than the model context (256)');
    // Editing clears the server's verdict.
    await w.find('[data-field="data.seq_len"]').setValue('32');
    expect(w.find('[data-error-for="data.seq_len"]').exists()).toBe(false);
    w.unmount();
  });

  it('maps a refused createRun message to fields and otherwise shows it', async () => {
    setup(() => ({ ok: true, issues: [] }), 'training.max_steps: expected ≤ 100000 on this machine\nqueue is full');
    const { w } = await mountAt('/new/pretrain');
    await w.find('[data-action="submit"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-error-for="training.max_steps"]').text()).toBe('expected ≤ 100000 on this machine');
    expect(w.find('[data-submit-error]').text()).toContain('queue is full');
    w.unmount();
  });

  it('applies a preset, submits, and opens the new run', async () => {
    const created = setup(() => ({ ok: true, issues: [] }));
    const { w, router } = await mountAt('/new/pretrain');
    await w.find('[data-preset]').setValue('pretrain-tiny-arithmetic');
    expect((w.find('[data-field="name"]').element as HTMLInputElement).value).toBe('tiny addition');
    expect((w.find('[data-field="training.max_steps"]').element as HTMLInputElement).value).toBe('1500');
    await w.find('[data-action="submit"]').trigger('click');
    await flushPromises();
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ kind: 'pretrain', name: 'tiny addition', training: { max_steps: 1500, learning_rate: 0.003, adam_beta1: 0.9 } });
    // The run page is a lazy chunk; navigation settles once it has loaded.
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/runs/new-1'), { timeout: 10_000 });
    w.unmount();
  });

  it('offers every registered kind with its label, form and presets (nothing lists kinds by hand)', async () => {
    setup(() => ({ ok: true, issues: [] }));
    for (const kind of RUN_KINDS) {
      const { w } = await mountAt(`/new/${kind}`);
      expect(w.findAll('[data-kind]').map((c) => c.attributes('data-kind'))).toEqual([...RUN_KINDS]);
      expect(w.find(`[data-kind="${kind}"]`).attributes('aria-checked')).toBe('true');
      expect(w.find(`[data-kind="${kind}"]`).text()).toContain(RUN_KIND_LABELS[kind].title);
      // The form comes from the kind's schema: every kind has the common name field.
      expect(w.find('[data-field="name"]').exists(), kind).toBe(true);
      const offered = w.findAll('[data-preset] option').map((o) => o.attributes('value')).filter(Boolean);
      expect(offered).toEqual(presetsFor(kind).map((p) => p.id));
      w.unmount();
    }
  });

  it('recover=<prune run> starts the recovery sft on that run\'s pruned model', async () => {
    const pruneConfig = presetsFor('prune')[0]!.config;
    const created = setup(() => ({ ok: true, issues: [] }), undefined, [
      { id: 'p-1', kind: 'prune', name: 'pruned', status: 'succeeded', config: pruneConfig, tags: [], createdAt: 1 } as unknown as RunRecord,
    ]);
    const { w } = await mountAt('/new/sft?recover=p-1');
    await flushPromises();
    expect((w.find('[data-field="model"]').element as HTMLInputElement).value).toBe('run:p-1');
    expect((w.find('[data-field="data.responses.teacher"]').element as HTMLInputElement).value).toBe(pruneConfig.model);
    await w.find('[data-action="submit"]').trigger('click');
    await flushPromises();
    expect(created[0]).toMatchObject({ kind: 'sft', model: 'run:p-1', data: { responses: { source: 'self_generated', teacher: 'builtin:benchtop-tiny' } }, lora: { r: 16, alpha: 32 } });
    w.unmount();
  });
});

