// @vitest-environment happy-dom
/** New run asks before dropping edits (leaving the page, switching kind), and only then. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter, RouterView, type RouteRecordRaw } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { BenchtopApi } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';

const Elsewhere = defineComponent({ setup: () => () => h('p', { 'data-elsewhere': '' }, 'elsewhere') });

function setup() {
  const created: Record<string, unknown>[] = [];
  const api = {
    getRun: async () => null,
    listModels: async () => [],
    listDatasets: async () => [],
    validateConfig: async () => ({ ok: true, issues: [] }),
    preflightConfig: async () => ({ ok: true, issues: [], warnings: [] }),
    createRun: async (c: Record<string, unknown>) => {
      created.push(c);
      return { id: 'new-1', kind: c.kind, name: c.name, status: 'queued', config: c, tags: [], createdAt: 1 } as unknown as RunRecord;
    },
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  return created;
}

// The leave/update guards only act on a page shown by a RouterView, as in the app.
async function mountAt(path: string) {
  const testRoutes: RouteRecordRaw[] = [
    ...routes.filter((r) => r.name !== 'run'),
    { path: '/runs/:id', name: 'run', component: Elsewhere },
    { path: '/elsewhere', name: 'elsewhere', component: Elsewhere },
  ];
  const router = createRouter({ history: createMemoryHistory(), routes: testRoutes });
  await router.push(path);
  const w = mount(defineComponent({ setup: () => () => h(RouterView) }), { global: { plugins: [createPinia(), router] } });
  await vi.waitFor(() => expect(w.find('[data-page="new-run"]').exists()).toBe(true), { timeout: 10_000 });
  await flushPromises();
  return { w, router };
}

async function editName(w: Awaited<ReturnType<typeof mountAt>>['w'], name: string) {
  await w.find('[data-field="name"]').setValue(name);
  await flushPromises();
}

// happy-dom has no window.confirm: stand in for the user's answer.
function stubConfirm(answer: boolean) {
  const fn = vi.fn((_message?: string) => answer);
  Object.defineProperty(window, 'confirm', { value: fn, configurable: true, writable: true });
  return fn;
}
afterEach(() => {
  Reflect.deleteProperty(window, 'confirm');
});

describe('New run: unsaved edits', () => {
  it('leaves without asking when nothing was edited', async () => {
    setup();
    const confirm = stubConfirm(false);
    const { w, router } = await mountAt('/new/pretrain');
    await router.push('/elsewhere');
    expect(confirm).not.toHaveBeenCalled();
    expect(router.currentRoute.value.name).toBe('elsewhere');
    w.unmount();
  });

  it('asks before leaving with edits: declining stays with the edits, accepting leaves', async () => {
    setup();
    const confirm = stubConfirm(false);
    const { w, router } = await mountAt('/new/pretrain');
    await editName(w, 'my edited run');
    await router.push('/elsewhere');
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(router.currentRoute.value.name).toBe('new');
    expect((w.find('[data-field="name"]').element as HTMLInputElement).value).toBe('my edited run');
    confirm.mockReturnValue(true);
    await router.push('/elsewhere');
    await flushPromises();
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(router.currentRoute.value.name).toBe('elsewhere');
    w.unmount();
  });

  it('asks before a kind switch drops edits: declining keeps the kind and the edits', async () => {
    setup();
    const confirm = stubConfirm(false);
    const { w, router } = await mountAt('/new/pretrain');
    await editName(w, 'my edited run');
    await w.find('[data-kind="sft"]').trigger('click');
    await flushPromises();
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(router.currentRoute.value.params.kind).toBe('pretrain');
    expect(w.find('[data-kind="pretrain"]').attributes('aria-checked')).toBe('true');
    expect((w.find('[data-field="name"]').element as HTMLInputElement).value).toBe('my edited run');
    confirm.mockReturnValue(true);
    await w.find('[data-kind="sft"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.params.kind).toBe('sft');
    expect((w.find('[data-field="name"]').element as HTMLInputElement).value).not.toBe('my edited run');
    w.unmount();
  });

  it('switches kind without asking when nothing was edited, and an edit undone is no edit', async () => {
    setup();
    const confirm = stubConfirm(false);
    const { w, router } = await mountAt('/new/pretrain');
    const original = (w.find('[data-field="name"]').element as HTMLInputElement).value;
    await editName(w, 'temporary');
    await editName(w, original);
    await w.find('[data-kind="sft"]').trigger('click');
    await flushPromises();
    expect(confirm).not.toHaveBeenCalled();
    expect(router.currentRoute.value.params.kind).toBe('sft');
    w.unmount();
  });

  it('does not ask once the run was started', async () => {
    const created = setup();
    const confirm = stubConfirm(false);
    const { w, router } = await mountAt('/new/pretrain');
    await w.find('[data-preset]').setValue('pretrain-tiny-arithmetic');
    await editName(w, 'edited then started');
    await w.find('[data-action="submit"]').trigger('click');
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/runs/new-1'), { timeout: 10_000 });
    expect(created).toHaveLength(1);
    expect(created[0].name).toBe('edited then started');
    expect(confirm).not.toHaveBeenCalled();
    w.unmount();
  });
});
