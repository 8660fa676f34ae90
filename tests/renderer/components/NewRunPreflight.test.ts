// @vitest-environment happy-dom
/**
 * The New-run editor checks the config with the backend's preflight as the value changes: each
 * bad value of the shared table shows beside its field (or, for a field the form does not
 * render, in the editor's list of config problems, named by path) without pressing Start, and
 * Start then creates nothing. The API's validateConfig here is the real preflight
 * (src/core/preflight.ts) over a scratch data folder, run in a Node process as the backend runs it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchtopApi, ConfigCheck } from '../../../src/shared/api';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import NewRunPage from '../../../src/renderer/src/pages/NewRunPage.vue';
import { BAD_CONFIGS } from '../../support/badConfigs';
import { startPreflightProcess, type PreflightProcess } from '../../support/preflightProcess';

let dataDir: string;
let backend: PreflightProcess;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'benchtop-editor-preflight-'));
  backend = await startPreflightProcess(dataDir, resolve(process.cwd()));
});
afterAll(() => {
  backend?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function setup(source: Record<string, unknown>) {
  const created: Record<string, unknown>[] = [];
  const checked: unknown[] = [];
  const api = {
    getRun: async (id: string) => ({ id, kind: source.kind, name: 'src', status: 'failed', config: source, tags: [], createdAt: 1 }) as unknown as RunRecord,
    listModels: async () => [],
    listDatasets: async () => [],
    validateConfig: async (c: Record<string, unknown>): Promise<ConfigCheck> => {
      checked.push(c);
      const r = await backend.check(c);
      return { ok: r.ok, issues: r.issues, warnings: r.warnings };
    },
    createRun: async (c: Record<string, unknown>) => {
      created.push(c);
      return { id: 'new-1', kind: c.kind, name: 'x', status: 'queued', config: c, tags: [], createdAt: 1 } as unknown as RunRecord;
    },
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  return { created, checked };
}

async function mountFrom(kind: string) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(`/new/${kind}?from=src-run`);
  const w = mount(NewRunPage, { props: { kind, from: 'src-run' }, global: { plugins: [createPinia(), router] } });
  await flushPromises();
  return w;
}

/** The message shown for `path`: beside its field, or in the editor's list of other problems. */
function shownFor(w: ReturnType<typeof mount>, path: string): string | null {
  const field = w.findAll(`[data-error-for="${path}"]`);
  if (field.length) return field.map((f) => f.text()).join('\n');
  const rest = w.find('[data-error-for="(config)"]');
  if (!rest.exists()) return null;
  const line = rest.findAll('div').map((d) => d.text()).find((t) => t.startsWith(`${path}: `));
  return line ?? null;
}

describe('New run: preflight as the value changes', () => {
  for (const bad of BAD_CONFIGS) {
    it(`shows ${bad.name} at ${bad.path}, and Start creates nothing`, async () => {
      const config = bad.make(dataDir);
      const { created, checked } = setup(config);
      const w = await mountFrom(String(config.kind));
      await vi.waitFor(() => expect(shownFor(w, bad.path)).toMatch(bad.message), { timeout: 10_000, interval: 50 });
      expect(checked.length).toBeGreaterThan(0);
      await w.find('[data-action="submit"]').trigger('click');
      // Start asks the backend again; it refuses, and the button is ready for the next try.
      await vi.waitFor(() => expect(w.find('[data-action="submit"]').text()).toBe('Start run'), { timeout: 10_000, interval: 50 });
      expect(shownFor(w, bad.path)).toMatch(bad.message);
      expect(created).toEqual([]);
      w.unmount();
    });
  }

  it('shows nothing for a good config and lets it start', async () => {
    const { created, checked } = setup({ kind: 'eval', model: 'builtin:benchtop-tiny', tasks: [{ task: 'arithmetic', options: {} }], num_examples: 5 });
    const w = await mountFrom('eval');
    await vi.waitFor(() => expect(checked.length > 0 && !w.find('[data-preflight-checking]').exists()).toBe(true), { timeout: 10_000, interval: 50 });
    await flushPromises();
    expect(w.find('[data-error-for="(config)"]').exists()).toBe(false);
    expect(w.findAll('.field-error')).toEqual([]);
    await w.find('[data-action="submit"]').trigger('click');
    await vi.waitFor(() => expect(created).toHaveLength(1), { timeout: 10_000, interval: 50 });
    w.unmount();
  });
});
