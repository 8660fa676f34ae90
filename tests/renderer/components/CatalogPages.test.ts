// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent, h } from 'vue';
import type { BenchtopApi } from '../../../src/shared/api';
import type { DatasetExample, JsonlFieldMapping, JsonlInspection } from '../../../src/shared/datasets';
import type { DatasetEntry, ModelEntry } from '../../../src/shared/records';
import { setBackend } from '../../../src/renderer/src/api';
import { routes } from '../../../src/renderer/src/router';
import DatasetsPage from '../../../src/renderer/src/pages/DatasetsPage.vue';
import ModelsPage from '../../../src/renderer/src/pages/ModelsPage.vue';
import ToastHost from '../../../src/renderer/src/components/ToastHost.vue';
import { formatCount } from '../../../src/renderer/src/format';

const VChartStub = defineComponent({ name: 'VChart', props: { option: { type: Object, required: true } }, setup: () => () => h('div') });

const GEN: DatasetEntry = {
  id: 'builtin:arithmetic', name: 'arithmetic', source: 'builtin', path: null, rows: 0, addedAt: 0,
  info: { generator: true, kind: 'generative', description: 'Integer arithmetic', knobs: ['digits', 'operands'] },
};
const ex = (prompt: string, answer: string, metadata: DatasetExample['metadata'] = {}): DatasetExample => ({ id: prompt, prompt, answer, metadata });

function use(api: Partial<BenchtopApi>) {
  setBackend({ api: { onEvent: () => () => {}, ...api } as BenchtopApi, transport: 'ws', onStatus: () => () => {}, reconnectNow: () => {} });
}
function mountPage(page: unknown) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  const Host = defineComponent({ setup: () => () => [h(page as never), h(ToastHost)] });
  return mount(Host, { global: { plugins: [createPinia(), router], stubs: { Echarts: VChartStub } }, attachTo: document.body });
}

describe('DatasetsPage', () => {
  it('previews a task generator on demand, with another seed on request', async () => {
    const calls: unknown[][] = [];
    use({
      listDatasets: async () => [GEN],
      previewDataset: async (id: string, opts?: { count?: number; seed?: number }) => {
        calls.push([id, opts]);
        const s = opts?.seed ?? 0;
        return [ex(`${s}+1=`, String(s + 1), { digits: 1 }), ex(`${s}+2=`, String(s + 2)), ex(`${s}+3=`, String(s + 3))];
      },
    });
    const w = mountPage(DatasetsPage);
    await flushPromises();
    expect(w.find('[data-dataset="builtin:arithmetic"]').text()).toContain('digits, operands');
    expect(calls).toEqual([]);
    await w.find('[data-dataset="builtin:arithmetic"] [data-action="preview"]').trigger('click');
    await flushPromises();
    expect(calls).toEqual([['builtin:arithmetic', { count: 3, seed: 0 }]]);
    const items = () => w.findAll('[data-preview="builtin:arithmetic"] [data-example]');
    expect(items().map((i) => [i.find('[data-example-prompt]').text(), i.find('[data-example-answer]').text()])).toEqual([['0+1=', '1'], ['0+2=', '2'], ['0+3=', '3']]);
    expect(items()[0].text()).toContain('digits=1');
    await w.find('[data-action="more-examples"]').trigger('click');
    await flushPromises();
    expect(calls[1]).toEqual(['builtin:arithmetic', { count: 3, seed: 1 }]);
    expect(items()[0].find('[data-example-prompt]').text()).toBe('1+1=');
    await w.find('[data-dataset="builtin:arithmetic"] [data-action="preview"]').trigger('click');
    expect(w.find('[data-preview="builtin:arithmetic"]').exists()).toBe(false);
    w.unmount();
  });

  it('imports a JSONL file: maps fields, previews rows, shows a bad row and registers only a good file', async () => {
    let imported: DatasetEntry[] = [];
    let fileIsGood = false;
    const importCalls: [string, JsonlFieldMapping, string][] = [];
    const inspections: (JsonlFieldMapping | undefined)[] = [];
    use({
      listDatasets: async () => [GEN, ...imported],
      inspectJsonl: async (path: string, mapping?: JsonlFieldMapping): Promise<JsonlInspection> => {
        inspections.push(mapping);
        const base = { path, fields: ['q', 'a', 'difficulty'], suggested: null, problem: null, examples: [] as DatasetExample[] };
        if (!mapping) return base;
        if (!mapping.answer) return { ...base, problem: { file: 'qa.jsonl', line: null, field: 'answer', message: "qa.jsonl: mapping: map 'answer' (generative rows) or 'choices' + 'label' (choice rows)" } };
        return { ...base, examples: [ex('Q1', 'A1', mapping.metadata?.includes('difficulty') ? { difficulty: 2 } : {})] };
      },
      importDataset: async (path: string, mapping: JsonlFieldMapping, name: string) => {
        importCalls.push([path, mapping, name]);
        if (!fileIsGood) throw new Error("qa.jsonl line 7: field 'a' missing — nothing was imported");
        const e: DatasetEntry = { id: name, name, source: 'jsonl', path: `/data/datasets/${name}.jsonl`, rows: 9, addedAt: 5, info: { source: path, kind: 'generative', train: 9, test: 0 } };
        imported = [e];
        return e;
      },
    });
    const w = mountPage(DatasetsPage);
    await flushPromises();
    expect(w.find('[data-datasets]').exists()).toBe(false);

    await w.find('[data-action="read-jsonl"]').trigger('submit');
    await flushPromises();
    expect(w.find('[data-error-for="jsonlPath"]').text()).toContain('Enter the path of a .jsonl file');

    await w.find('[data-field="jsonlPath"]').setValue('/home/me/QA Set.jsonl');
    await w.find('[data-jsonl-import] form').trigger('submit');
    await flushPromises();
    // No suggestion: the first field is taken as the prompt, the rest is left to the user.
    expect((w.find('[data-map="prompt"]').element as HTMLSelectElement).value).toBe('q');
    expect((w.find('[data-field="datasetName"]').element as HTMLInputElement).value).toBe('qa-set');
    await vi.waitFor(() => expect(w.find('[data-import-problem]').text()).toContain("map 'answer'"));

    await w.find('[data-map="answer"]').setValue('a');
    await w.find('[data-map-knob="difficulty"]').setValue(true);
    await vi.waitFor(() => expect(w.find('[data-jsonl-import] [data-example]').text()).toContain('difficulty=2'));
    expect(inspections.at(-1)).toEqual({ prompt: 'q', answer: 'a', metadata: ['difficulty'] });

    await w.find('[data-action="import"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-import-error]').text()).toBe("qa.jsonl line 7: field 'a' missing — nothing was imported");
    expect(w.find('[data-datasets]').exists()).toBe(false);

    await w.find('[data-field="datasetName"]').setValue('Bad Name');
    expect(w.find('[data-error-for="datasetName"]').exists()).toBe(true);
    expect(w.find('[data-action="import"]').attributes('disabled')).toBeDefined();
    await w.find('[data-field="datasetName"]').setValue('qa');

    fileIsGood = true;
    await w.find('[data-action="import"]').trigger('click');
    await flushPromises();
    expect(importCalls.at(-1)).toEqual(['/home/me/QA Set.jsonl', { prompt: 'q', answer: 'a', metadata: ['difficulty'] }, 'qa']);
    expect(w.find('[data-datasets] [data-dataset="qa"]').text()).toContain('9');
    expect(w.find('[data-toast]').text()).toContain('Imported 9 rows as “qa”.');
    expect(w.find('[data-import-error]').exists()).toBe(false);
    w.unmount();
  });
});

describe('ModelsPage', () => {
  it('lists the built-in model with its model card and shows why a folder was refused', async () => {
    const builtin: ModelEntry = {
      id: 'builtin:benchtop-tiny', name: 'benchtop-tiny', path: '/app/resources/models/benchtop-tiny', architecture: 'llama', parameters: 800_000, builtin: true, addedAt: 0,
      info: { num_hidden_layers: 4, hidden_size: 128, modelCard: '# benchtop-tiny\n\nA tiny decoder.\n\n## Results\n', modelCardSummary: 'A tiny decoder.' },
    };
    use({
      listModels: async () => [builtin],
      addModel: async (p: string) => {
        throw new Error(`${p}/tokenizer.json: file not found (the tokenizer; an HF model folder needs it)`);
      },
    });
    const w = mountPage(ModelsPage);
    await flushPromises();
    const row = w.find('[data-model-id="builtin:benchtop-tiny"]');
    expect(row.find('[data-builtin-tag]').text()).toBe('built in');
    expect(row.text()).toContain('(built in)');
    expect(row.text()).toContain('/app/resources/models/benchtop-tiny');
    expect(row.find('button').exists()).toBe(false);
    const card = w.find('[data-model-card="builtin:benchtop-tiny"]');
    expect(card.find('.model-card-summary').text()).toBe('A tiny decoder.');
    expect(card.find('pre').text()).toContain('## Results');

    await w.find('[data-field="modelPath"]').setValue('/tmp/m');
    await w.find('.add-form').trigger('submit');
    await flushPromises();
    expect(w.find('[data-error-for="modelPath"]').text()).toBe('/tmp/m/tokenizer.json: file not found (the tokenizer; an HF model folder needs it)');
    w.unmount();
  });
});

describe('ModelsPage checks on add', () => {
  it('opens the checks of the folder just added: tokenizer, BOS/EOS, template, dtype, memory per kind, warnings', async () => {
    const GiB = 1024 ** 3;
    const added: ModelEntry = {
      id: 'm1', name: 'qwen-tiny', path: '/m/qwen-tiny', architecture: 'qwen2', parameters: 494_032_768, builtin: false, addedAt: 1,
      info: {
        checks: {
          architecture: { modelType: 'qwen2', supported: true },
          tokenizer: { style: 'byte-level BPE', vocabSize: 151_665, bosToken: null, addBos: false, eosToken: '<|im_end|>', eosTokens: ['<|im_end|>', '<|endoftext|>'], chatTemplate: true, defaultPromptFormat: 'chat' },
          parameters: 494_032_768,
          dtypes: ['BF16'],
          weightBytes: 988_097_824,
          memory: { byKind: { eval: 17 * GiB, grpo: 49 * GiB }, machineBytes: 24 * GiB, method: 'rough' },
          warnings: ['Weights are stored as BF16: runs compute in fp32, so loaded weights take twice the size of the files.'],
        },
      },
    };
    use({ listModels: async () => [], addModel: async () => added });
    const w = mountPage(ModelsPage);
    await flushPromises();
    expect(w.find('[data-model-checks]').exists()).toBe(false);
    await w.find('[data-field="modelPath"]').setValue('/m/qwen-tiny');
    await w.find('.add-form').trigger('submit');
    await flushPromises();
    const c = w.find('[data-model-checks="qwen-tiny"]');
    expect((c.element as HTMLDetailsElement).open).toBe(true);
    expect(c.find('[data-check="architecture"]').text()).toBe('qwen2 — supported');
    expect(c.find('[data-check="tokenizer-style"]').text()).toBe(`byte-level BPE, ${formatCount(151_665)} tokens`);
    expect(c.find('[data-check="bos"]').text()).toBe('none — sequences start with the first text token');
    expect(c.findAll('[data-check="eos"] .eos-token').map((e) => e.text())).toEqual(['<|im_end|>', '<|endoftext|>']);
    expect(c.find('[data-check="chat-template"]').text()).toBe('found — prompts default to chat');
    expect(c.find('[data-check="dtype"]').text()).toContain('BF16');
    expect(c.find('[data-memory-kind="eval"]').classes()).not.toContain('over');
    expect(c.find('[data-memory-kind="grpo"]').classes()).toContain('over');
    expect(c.find('[data-memory-kind="grpo"]').text()).toContain("more than this machine's 24 GiB");
    expect(c.find('[data-check-warnings]').text()).toContain('stored as BF16');
    expect(document.body.textContent).toContain('Added qwen-tiny — 1 warning, see its checks.');
    w.unmount();
  });
});
