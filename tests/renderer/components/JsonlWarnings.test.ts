// @vitest-environment happy-dom
/** The JSONL import preview shows the backend's coverage warning (U+FFFD / unknown characters) beside the mapped rows. */
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import type { BenchtopApi } from '../../../src/shared/api';
import type { JsonlFieldMapping, JsonlInspection } from '../../../src/shared/datasets';
import { setBackend } from '../../../src/renderer/src/api';
import JsonlImport from '../../../src/renderer/src/components/datasets/JsonlImport.vue';

const WARNING = "latin1.jsonl: 4.2% of its characters are U+FFFD replacement characters (invalid UTF-8 in the source file) — above the 1.0% warning threshold; the model cannot read that text";

describe('JSONL import preview', () => {
  it('shows coverage warnings for the mapped rows', async () => {
    const api = {
      inspectJsonl: async (path: string, mapping?: JsonlFieldMapping): Promise<JsonlInspection> => ({
        path,
        fields: ['question', 'answer'],
        suggested: { prompt: 'question', answer: 'answer' },
        problem: null,
        examples: mapping ? [{ id: 'x:1', prompt: 'caf\uFFFD', answer: 'ok', metadata: {} }] : [],
        ...(mapping ? { warnings: [WARNING] } : {}),
      }),
      listDatasets: async () => [],
      onEvent: () => () => {},
    } as unknown as BenchtopApi;
    setBackend({ api, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
    const w = mount(JsonlImport, { global: { plugins: [createPinia()] } });
    await w.find('[data-field="jsonlPath"]').setValue('/data/latin1.jsonl');
    await w.find('[data-jsonl-import] form').trigger('submit');
    await flushPromises();
    await vi.waitFor(() => expect(w.find('[data-import-warning]').exists()).toBe(true), { timeout: 5000, interval: 20 });
    expect(w.find('[data-import-warning]').text()).toBe(WARNING);
    w.unmount();
  });
});
