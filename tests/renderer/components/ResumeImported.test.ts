// @vitest-environment happy-dom
/** Resume on an imported run asks first (origin, validated config, re-rooted paths); a local run resumes at once. */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { BenchtopApi } from '../../../src/shared/api';
import type { RunEvent, RunRecord } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';
import { importedPathChanges } from '../../../src/renderer/src/components/resume/importedPathChanges';

function interruptedRun(imported: RunRecord['imported']): RunRecord {
  return {
    id: 'r1', kind: 'eval', name: 'eval from lab', status: 'interrupted',
    config: { kind: 'eval', model: '/data/models/tiny', tasks: [{ task: 'arithmetic' }], output_dir: null },
    modelRef: '/data/models/tiny', tags: imported ? ['imported'] : [], parentId: null, createdAt: 0, startedAt: 1, endedAt: 2,
    exitReason: 'the app closed', progress: { step: 12, total: 100, etaSeconds: null }, device: 'cpu', imported,
  };
}

// The note import writes (src/core/bundles/importBundle.ts): origin, then the paths it moved.
const IMPORT_EVENT: RunEvent = {
  id: 1, runId: 'r1', time: 0, level: 'info',
  text: 'imported from lab.zip (run 20260101-abc, exported 2026-01-01T00:00:00Z by Benchtop 0.4.0); paths in its config were moved into this data folder or cleared: '
    + 'model "/home/ann/models/tiny, v2" → "/data/models/tiny, v2", output_dir "/home/ann/out" → (default)',
};

async function mountWith(run: RunRecord, events: RunEvent[]) {
  const calls: unknown[][] = [];
  const api = {
    getRun: async () => run,
    getMetricKeys: async () => [],
    getMetricSeries: async () => ({ key: '', steps: [], values: [], downsampled: false }),
    getEvents: async () => events,
    getSamples: async () => [],
    getArtifacts: async () => [],
    resumeRun: async (...args: unknown[]) => {
      calls.push(args);
      return { ...run, status: 'queued', imported: run.imported ? { ...run.imported, resumeTrusted: true } : run.imported };
    },
    onEvent: () => () => {},
  } as unknown as BenchtopApi;
  setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push('/runs/r1');
  const w = mount(RunDetailPage, { props: { id: 'r1' }, global: { plugins: [createPinia(), router], stubs: { Echarts: true } } });
  await flushPromises();
  return { w, calls };
}

const ORIGIN = { bundle: 'lab.zip', sourceRunId: '20260101-abc', exportedAt: '2026-01-01T00:00:00Z', appVersion: '0.4.0', resumeTrusted: false };

describe('resuming an imported run', () => {
  it('a run made here resumes at once, without the dialog', async () => {
    const { w, calls } = await mountWith(interruptedRun(null), []);
    await w.find('[data-action="resume"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-resume-imported]').exists()).toBe(false);
    expect(calls).toEqual([['r1']]);
    expect(w.find('[data-status="queued"]').exists()).toBe(true);
    w.unmount();
  });

  it('an imported run shows its origin, config and moved paths; Cancel resumes nothing', async () => {
    const { w, calls } = await mountWith(interruptedRun(ORIGIN), [IMPORT_EVENT]);
    await w.find('[data-action="resume"]').trigger('click');
    await flushPromises();
    const dlg = w.find('[data-resume-imported]');
    expect(dlg.exists()).toBe(true);
    expect(calls).toEqual([]);
    expect(dlg.find('[data-import-origin]').text()).toContain('lab.zip');
    expect(dlg.find('[data-import-origin]').text()).toContain('20260101-abc');
    const yaml = dlg.find('[data-resume-config]').text();
    expect(yaml).toContain('kind: eval');
    expect(yaml).toContain('model: /data/models/tiny');
    expect(dlg.findAll('[data-rerooted-field]').map((r) => r.attributes('data-rerooted-field'))).toEqual(['model', 'output_dir']);
    expect(dlg.find('[data-rerooted-field="model"]').text()).toContain('/home/ann/models/tiny, v2');
    expect(dlg.find('[data-rerooted-field="output_dir"]').text()).toContain("(this run's own folder)");
    await dlg.find('[data-action="resume-cancel"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-resume-imported]').exists()).toBe(false);
    expect(calls).toEqual([]);
    expect(w.find('[data-status="interrupted"]').exists()).toBe(true);
    w.unmount();
  });

  it('confirming resumes with trustImported and closes the dialog', async () => {
    const { w, calls } = await mountWith(interruptedRun(ORIGIN), [IMPORT_EVENT]);
    await w.find('[data-action="resume"]').trigger('click');
    await flushPromises();
    await w.find('[data-action="resume-confirm"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual([['r1', { trustImported: true }]]);
    expect(w.find('[data-resume-imported]').exists()).toBe(false);
    expect(w.find('[data-status="queued"]').exists()).toBe(true);
    w.unmount();
  });

  it('an imported run the user already trusted resumes without asking again', async () => {
    const { w, calls } = await mountWith(interruptedRun({ ...ORIGIN, resumeTrusted: true }), []);
    await w.find('[data-action="resume"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-resume-imported]').exists()).toBe(false);
    expect(calls).toEqual([['r1']]);
    w.unmount();
  });
});

describe('importedPathChanges', () => {
  it('reads each moved or cleared path, commas inside paths included', () => {
    expect(importedPathChanges([IMPORT_EVENT])).toEqual([
      { field: 'model', from: '/home/ann/models/tiny, v2', to: '/data/models/tiny, v2' },
      { field: 'output_dir', from: '/home/ann/out', to: null },
    ]);
  });
  it('is empty when the import moved nothing', () => {
    expect(importedPathChanges([{ ...IMPORT_EVENT, text: 'imported from lab.zip (run x, exported y by Benchtop 0.4.0)' }])).toEqual([]);
  });
});
