/** The desktop dialog dispatcher: only the app's pages, only validated arguments, and a saved
 * bundle path always ending in .zip (exportRun refuses anything else). */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createDialogDispatcher, type NativeDialogs } from '../../src/main/dialogs';
import { DESKTOP_METHODS } from '../../src/shared/desktopDialogs';

/** Records what the dispatcher asked for and answers with scripted choices. */
function recorder(answers: { save?: string | null; open?: string | null } = {}) {
  const asked: unknown[][] = [];
  const native: NativeDialogs = {
    async showSave(o) {
      asked.push(['save', o.defaultPath, o.filters[0].extensions]);
      return answers.save ?? null;
    },
    async showOpen(o) {
      asked.push(['open', o.filters[0].extensions]);
      return answers.open ?? null;
    },
    showItemInFolder(p) {
      asked.push(['reveal', p]);
    },
  };
  return { asked, native };
}

const APP = { url: 'file:///app/index.html#/runs/abc' };
const isApp = (u: string) => u.startsWith('file:///app/');
const DOWNLOADS = join('/home', 'me', 'Downloads');

describe('desktop dialog dispatcher', () => {
  it('offers the default name in the Downloads folder and returns the chosen .zip path', async () => {
    const r = recorder({ save: '/tmp/out/my run.zip' });
    const d = createDialogDispatcher(r.native, isApp, DOWNLOADS);
    await expect(d(APP, 'saveBundleDialog', ['benchtop-run-abc.zip'])).resolves.toBe('/tmp/out/my run.zip');
    expect(r.asked).toEqual([['save', join(DOWNLOADS, 'benchtop-run-abc.zip'), ['zip']]]);
  });

  it('adds .zip when the platform dialog did not, and passes a cancel on as null', async () => {
    const typed = createDialogDispatcher(recorder({ save: '/tmp/out/bundle' }).native, isApp, DOWNLOADS);
    await expect(typed(APP, 'saveBundleDialog', ['b.zip'])).resolves.toBe('/tmp/out/bundle.zip');
    const upper = createDialogDispatcher(recorder({ save: '/tmp/out/B.ZIP' }).native, isApp, DOWNLOADS);
    await expect(upper(APP, 'saveBundleDialog', ['b.zip'])).resolves.toBe('/tmp/out/B.ZIP');
    const cancel = createDialogDispatcher(recorder({ save: null, open: null }).native, isApp, DOWNLOADS);
    await expect(cancel(APP, 'saveBundleDialog', ['b.zip'])).resolves.toBeNull();
    await expect(cancel(APP, 'openBundleDialog', [])).resolves.toBeNull();
  });

  it('opens a bundle and reveals a file', async () => {
    const r = recorder({ open: '/data/x.zip' });
    const d = createDialogDispatcher(r.native, isApp, DOWNLOADS);
    await expect(d(APP, 'openBundleDialog', [])).resolves.toBe('/data/x.zip');
    await expect(d(APP, 'showItemInFolder', ['/data/bundles/x.zip'])).resolves.toBeNull();
    expect(r.asked).toEqual([['open', ['zip']], ['reveal', '/data/bundles/x.zip']]);
  });

  it('refuses other pages, unknown methods and bad arguments before showing anything', async () => {
    const r = recorder({ save: '/tmp/x.zip', open: '/tmp/x.zip' });
    const d = createDialogDispatcher(r.native, isApp, DOWNLOADS);
    await expect(d({ url: 'https://evil.test/' }, 'openBundleDialog', [])).rejects.toThrow(/unknown page \(https:\/\/evil\.test\/\)/);
    await expect(d({ url: '' }, 'openBundleDialog', [])).rejects.toThrow(/unknown page \(no url\)/);
    await expect(d(APP, 'showOpenDialog', [])).rejects.toThrow(/unknown desktop method 'showOpenDialog'/);
    await expect(d(APP, 42, [])).rejects.toThrow(/unknown desktop method '42'/);
    await expect(d(APP, 'saveBundleDialog', 'b.zip')).rejects.toThrow(/saveBundleDialog: expected an argument list/);
    for (const bad of ['../../.bashrc.zip', '/etc/cron.d/x.zip', 'sub/dir.zip', '.hidden.zip', 'bundle.tar', '', 'a'.repeat(300) + '.zip']) {
      await expect(d(APP, 'saveBundleDialog', [bad]), bad).rejects.toThrow(/saveBundleDialog argument 0: expected a (bare file name|file name of at most)/);
    }
    await expect(d(APP, 'saveBundleDialog', [])).rejects.toThrow(/saveBundleDialog/);
    await expect(d(APP, 'openBundleDialog', ['/etc'])).rejects.toThrow(/openBundleDialog/);
    await expect(d(APP, 'showItemInFolder', ['relative/x.zip'])).rejects.toThrow(/showItemInFolder argument 0: expected an absolute file path/);
    await expect(d(APP, 'showItemInFolder', [7])).rejects.toThrow(/showItemInFolder argument 0/);
    expect(r.asked).toEqual([]);
  });

  it('has a schema for every method the preload exposes', async () => {
    const { DIALOG_ARG_SCHEMAS } = await import('../../src/main/dialogs');
    expect(Object.keys(DIALOG_ARG_SCHEMAS).sort()).toEqual([...DESKTOP_METHODS].sort());
  });
});
