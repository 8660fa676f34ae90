// @vitest-environment happy-dom
/**
 * "Export bundle" (run page) and "Import bundle" (Runs page) with a fake api and a fake bundle
 * transfer: browser mode (download/upload) and Electron (native dialogs, or a path field).
 */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { BenchtopApi, ExportRunOptions } from '../../../src/shared/api';
import type { DesktopDialogs } from '../../../src/shared/desktopDialogs';
import type { RunRecord } from '../../../src/shared/records';
import { setBackend, type BundleTransfer } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import RunsPage from '../../../src/renderer/src/pages/RunsPage.vue';
import RunDetailPage from '../../../src/renderer/src/pages/RunDetailPage.vue';
import ExportBundle from '../../../src/renderer/src/components/bundles/ExportBundle.vue';
import ImportBundle from '../../../src/renderer/src/components/bundles/ImportBundle.vue';
import ToastHost from '../../../src/renderer/src/components/ToastHost.vue';

const RUN: RunRecord = {
  id: 'r1', kind: 'pretrain', name: 'tiny', status: 'succeeded', config: { kind: 'pretrain' }, modelRef: null, tags: [], parentId: null,
  createdAt: 0, startedAt: 0, endedAt: 1000, exitReason: null, progress: null, device: 'cpu',
};
const IMPORTED: RunRecord = { ...RUN, id: 'r9', name: 'from elsewhere', tags: ['imported'] };
const TAMPERED = "tampered.zip: 'metrics.jsonl' fails verification: sha256 00ff differs from 11aa in manifest.json (the bundle was damaged or modified)";

/** A promise settled from outside, to look at the page while a call is in flight. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function install(api: Partial<BenchtopApi>, bundles: BundleTransfer, transport: 'ws' | 'ipc' = bundles.kind === 'http' ? 'ws' : 'ipc') {
  const full = { listRuns: async () => [], onEvent: () => () => {}, ...api } as unknown as BenchtopApi;
  setBackend({ api: full, transport, onStatus: () => () => {}, reconnectNow: () => {}, bundles });
}

async function mountWithToasts(component: object, props: Record<string, unknown> = {}, path = '/runs') {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(path);
  const Host = defineComponent({ setup: () => () => [h(component as never, props), h(ToastHost)] });
  const w = mount(Host, { global: { plugins: [createPinia(), router] }, attachTo: document.body });
  await flushPromises();
  return { w, router };
}

function recordDialogs(answers: { save?: string | null; open?: string | null }) {
  const calls: unknown[][] = [];
  const dialogs: DesktopDialogs = {
    saveBundleDialog: async (name) => (calls.push(['save', name]), answers.save ?? null),
    openBundleDialog: async () => (calls.push(['open']), answers.open ?? null),
    showItemInFolder: async (p) => void calls.push(['reveal', p]),
  };
  return { calls, dialogs };
}

async function pickFile(w: ReturnType<typeof mount>, file: File): Promise<void> {
  const input = w.find('[data-import-file]');
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
  await input.trigger('change');
}

describe('Export bundle (run page)', () => {
  it('is offered on a run page', async () => {
    install(
      { getRun: async () => RUN, getMetricKeys: async () => [], getEvents: async () => [], getSamples: async () => [], getArtifacts: async () => [] },
      { kind: 'http', download: () => {}, upload: async () => RUN },
    );
    const { w } = await mountWithToasts(RunDetailPage, { id: 'r1' }, '/runs/r1');
    expect(w.find('.run-head [data-action="export-bundle"]').text()).toBe('Export bundle');
    w.unmount();
  });

  it('browser mode: exports with the weights choice, shows progress, downloads the file and toasts its path', async () => {
    const calls: [string, ExportRunOptions | undefined][] = [];
    const downloads: string[] = [];
    const pending = deferred<string>();
    install(
      { exportRun: (id: string, o?: ExportRunOptions) => (calls.push([id, o]), pending.promise) },
      { kind: 'http', download: (p) => void downloads.push(p), upload: async () => RUN },
    );
    const { w } = await mountWithToasts(ExportBundle, { runId: 'r1' });
    expect(w.find('[data-export-panel]').exists()).toBe(false);
    await w.find('[data-action="export-bundle"]').trigger('click');
    const models = w.find<HTMLInputElement>('[data-export-models]');
    expect(models.element.checked).toBe(true); // weights are in by default
    await models.setValue(false);
    expect(w.find('[data-export-panel]').text()).toContain('Weight files are left out');
    await w.find('[data-action="export-confirm"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual([['r1', { include_models: false }]]);
    expect(w.find('[data-export-busy]').exists()).toBe(true);
    expect(w.find('[data-action="export-bundle"]').text()).toBe('Exporting…');
    expect(w.find('[data-action="export-confirm"]').attributes('disabled')).toBeDefined();

    pending.resolve('/data/bundles/benchtop-run-r1.zip');
    await flushPromises();
    expect(downloads).toEqual(['/data/bundles/benchtop-run-r1.zip']);
    expect(w.find('[data-export-panel]').exists()).toBe(false);
    expect(w.find('[data-toast]').text()).toContain('Bundle benchtop-run-r1.zip is downloading (the server keeps a copy at /data/bundles/benchtop-run-r1.zip).');
    w.unmount();
  });

  it("shows the backend's error as is and keeps the panel open to try again", async () => {
    const downloads: string[] = [];
    let n = 0;
    install(
      {
        exportRun: async () => {
          if (n++ === 0) throw new Error("export: no run with id 'r1'");
          return '/data/bundles/benchtop-run-r1-2.zip';
        },
      },
      { kind: 'http', download: (p) => void downloads.push(p), upload: async () => RUN },
    );
    const { w } = await mountWithToasts(ExportBundle, { runId: 'r1' });
    await w.find('[data-action="export-bundle"]').trigger('click');
    await w.find('[data-action="export-confirm"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-export-error] [data-error-text]').text()).toBe("export: no run with id 'r1'");
    expect(downloads).toEqual([]);
    expect(w.find('[data-action="export-confirm"]').attributes('disabled')).toBeUndefined();
    await w.find('[data-action="export-confirm"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-export-error]').exists()).toBe(false);
    expect(downloads).toEqual(['/data/bundles/benchtop-run-r1-2.zip']);
    w.unmount();
  });

  it('Electron: asks where to save with a native dialog, exports there and offers to show it', async () => {
    const calls: [string, ExportRunOptions | undefined][] = [];
    const d = recordDialogs({ save: '/home/me/run r1.zip' });
    install({ exportRun: async (id: string, o?: ExportRunOptions) => (calls.push([id, o]), o!.out!) }, { kind: 'local', dialogs: d.dialogs });
    const { w } = await mountWithToasts(ExportBundle, { runId: 'r1' });
    await w.find('[data-action="export-bundle"]').trigger('click');
    await w.find('[data-action="export-confirm"]').trigger('click');
    await flushPromises();
    expect(d.calls[0]).toEqual(['save', 'benchtop-run-r1.zip']);
    expect(calls).toEqual([['r1', { include_models: true, out: '/home/me/run r1.zip' }]]);
    expect(w.find('[data-toast]').text()).toContain('Bundle saved to /home/me/run r1.zip');
    await w.find('[data-toast-action]').trigger('click');
    await flushPromises();
    expect(d.calls).toEqual([['save', 'benchtop-run-r1.zip'], ['reveal', '/home/me/run r1.zip']]);
    w.unmount();
  });

  it('Electron: a cancelled save dialog exports nothing; without dialogs it saves to the default place', async () => {
    const calls: [string, ExportRunOptions | undefined][] = [];
    const exportRun = async (id: string, o?: ExportRunOptions) => (calls.push([id, o]), '/data/bundles/benchtop-run-r1.zip');
    const d = recordDialogs({ save: null });
    install({ exportRun }, { kind: 'local', dialogs: d.dialogs });
    const first = await mountWithToasts(ExportBundle, { runId: 'r1' });
    await first.w.find('[data-action="export-bundle"]').trigger('click');
    await first.w.find('[data-action="export-confirm"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual([]);
    expect(first.w.find('[data-export-panel]').exists()).toBe(true);
    expect(first.w.find('[data-toast]').exists()).toBe(false);
    first.w.unmount();

    install({ exportRun }, { kind: 'local', dialogs: null });
    const second = await mountWithToasts(ExportBundle, { runId: 'r1' });
    await second.w.find('[data-action="export-bundle"]').trigger('click');
    await second.w.find('[data-action="export-confirm"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual([['r1', { include_models: true }]]);
    expect(second.w.find('[data-toast]').text()).toContain('Bundle saved to /data/bundles/benchtop-run-r1.zip');
    expect(second.w.find('[data-toast-action]').exists()).toBe(false);
    second.w.unmount();
  });
});

describe('Import bundle (Runs page)', () => {
  it('browser mode: uploads the chosen .zip with progress and opens the imported run', async () => {
    const uploads: string[] = [];
    const pending = deferred<RunRecord>();
    let progress: (f: number) => void = () => {};
    install({}, {
      kind: 'http',
      download: () => {},
      upload: (file, onProgress) => {
        uploads.push(file.name);
        progress = onProgress ?? (() => {});
        return pending.promise;
      },
    });
    const { w, router } = await mountWithToasts(RunsPage);
    expect(w.find('.page-head [data-action="import-bundle"]').text()).toBe('Import bundle');
    await pickFile(w, new File([new Uint8Array([0x50, 0x4b, 3, 4])], 'benchtop-run-r9.zip', { type: 'application/zip' }));
    expect(uploads).toEqual(['benchtop-run-r9.zip']);
    progress(0.42);
    await flushPromises();
    expect(w.find('[data-import-status]').text()).toBe('Uploading… 42%');
    expect(w.find('[data-action="import-bundle"]').attributes('disabled')).toBeDefined();
    progress(1);
    await flushPromises();
    expect(w.find('[data-import-status]').text()).toBe('Verifying and importing…');
    pending.resolve(IMPORTED);
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/runs/r9');
    expect(w.find('[data-toast]').text()).toContain('Imported “from elsewhere” as run r9.');
    w.unmount();
  });

  it("browser mode: shows the importer's refusal as is, and refuses a non-.zip before uploading", async () => {
    const uploads: string[] = [];
    install({}, { kind: 'http', download: () => {}, upload: async (f) => (uploads.push(f.name), Promise.reject(new Error(TAMPERED))) });
    const { w, router } = await mountWithToasts(RunsPage);
    await pickFile(w, new File(['kind: eval'], 'run.yaml'));
    expect(uploads).toEqual([]);
    expect(w.find('[data-import-error] [data-error-text]').text()).toContain('run.yaml is not a run bundle');

    await pickFile(w, new File([new Uint8Array([0x50, 0x4b, 3, 4])], 'tampered.zip'));
    await flushPromises();
    expect(uploads).toEqual(['tampered.zip']);
    expect(w.find('[data-import-error] [data-error-text]').text()).toBe(TAMPERED);
    expect(router.currentRoute.value.fullPath).toBe('/runs');
    await w.find('[data-action="import-dismiss"]').trigger('click');
    expect(w.find('[data-import-error]').exists()).toBe(false);
    w.unmount();
  });

  it('Electron: picks the bundle with a native dialog and imports that path', async () => {
    const imports: string[] = [];
    const d = recordDialogs({ open: '/home/me/Downloads/benchtop-run-r9.zip' });
    install({ importBundle: async (p: string) => (imports.push(p), IMPORTED) }, { kind: 'local', dialogs: d.dialogs });
    const { w, router } = await mountWithToasts(ImportBundle);
    await w.find('[data-action="import-bundle"]').trigger('click');
    await flushPromises();
    expect(d.calls).toEqual([['open']]);
    expect(imports).toEqual(['/home/me/Downloads/benchtop-run-r9.zip']);
    expect(router.currentRoute.value.fullPath).toBe('/runs/r9');
    w.unmount();
  });

  it('Electron: a cancelled dialog imports nothing; without dialogs a path field does, errors shown as is', async () => {
    const imports: string[] = [];
    const importBundle = async (p: string) => {
      imports.push(p);
      if (p.endsWith('missing.zip')) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return IMPORTED;
    };
    install({ importBundle }, { kind: 'local', dialogs: recordDialogs({ open: null }).dialogs });
    const cancelled = await mountWithToasts(ImportBundle);
    await cancelled.w.find('[data-action="import-bundle"]').trigger('click');
    await flushPromises();
    expect(imports).toEqual([]);
    expect(cancelled.w.find('[data-import-panel]').exists()).toBe(false);
    cancelled.w.unmount();

    install({ importBundle }, { kind: 'local', dialogs: null });
    const { w, router } = await mountWithToasts(ImportBundle);
    await w.find('[data-action="import-bundle"]').trigger('click');
    await w.find('form').trigger('submit');
    expect(w.find('[data-error-text]').text()).toBe('Enter the path of a bundle (.zip) on this computer.');
    await w.find('[data-import-path]').setValue('  /tmp/missing.zip ');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(imports).toEqual(['/tmp/missing.zip']);
    expect(w.find('[data-error-text]').text()).toBe("ENOENT: no such file or directory, open '/tmp/missing.zip'");
    await w.find('[data-import-path]').setValue('/tmp/good.zip');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/runs/r9');
    w.unmount();
  });
});
