// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { defineComponent, h, ref } from 'vue';
import { CONFIG_SCHEMAS, validateRunConfig, type RunKind } from '../../../src/shared/config';
import ConfigEditor from '../../../src/renderer/src/components/config/ConfigEditor.vue';
import { formSpecFromSchema, withDefaults } from '../../../src/renderer/src/config/formSpec';

/** Host with v-model, like the New run page. */
function mountEditor(kind: RunKind, initial?: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const config = ref(initial ?? withDefaults(formSpecFromSchema(CONFIG_SCHEMAS[kind]), { kind }));
  const Host = defineComponent({
    setup: () => () =>
      h(ConfigEditor, {
        kind,
        modelValue: config.value,
        'onUpdate:modelValue': (v: Record<string, unknown>) => (config.value = v),
        ...extra,
      }),
  });
  return { wrapper: mount(Host, { attachTo: document.body }), config };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

/** What the shared validator says about `path` for this config: the editor must show exactly that. */
function messagesFor(config: Record<string, unknown>, path: string): string[] {
  const v = validateRunConfig(config);
  return v.ok ? [] : v.issues.filter((i) => i.path === path).map((i) => i.message);
}

describe('ConfigEditor', () => {
  it('shows each field’s documentation from the schema beside it', () => {
    const { wrapper } = mountEditor('grpo');
    expect(wrapper.find('[data-doc-for="num_generations"]').text()).toMatch(/completions sampled per prompt/);
    expect(wrapper.find('[data-doc-for="llds"]').text()).toMatch(/LLDS regulariser/);
    expect(wrapper.find('[data-doc-for="llds.lambda"]').text()).toMatch(/weight of the LLDS term/);
    // Every top-level field of the form has its documentation shown.
    const top = formSpecFromSchema(CONFIG_SCHEMAS.grpo).fields.filter((f) => f.type !== 'const' && f.type !== 'objectList');
    for (const f of top) expect(wrapper.find(`[data-doc-for="${f.key}"]`).exists(), f.key).toBe(true);
    wrapper.unmount();
  });

  it('renders one input per schema field, with schema defaults', () => {
    const { wrapper } = mountEditor('pretrain');
    for (const p of ['name', 'seed', 'tags', 'model.hidden_size', 'model.architecture', 'model.tie_word_embeddings', 'data.seq_len', 'training.learning_rate', 'training.lr_scheduler_type', 'data.tasks.0.task', 'data.tasks.0.weight']) {
      expect(wrapper.find(`[data-field="${p}"]`).exists(), p).toBe(true);
    }
    expect(wrapper.find('[data-field="kind"]').exists()).toBe(false);
    expect((wrapper.find('[data-field="training.learning_rate"]').element as HTMLInputElement).value).toBe('0.001');
    expect((wrapper.find('[data-field="model.architecture"]').element as HTMLSelectElement).value).toBe('llama');
    expect((wrapper.find('[data-field="model.tie_word_embeddings"]').element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.findAll('[data-error-for]')).toHaveLength(0);
    wrapper.unmount();
  });

  it('shows the schema message under a field given an invalid value, and clears it when fixed', async () => {
    const { wrapper, config } = mountEditor('pretrain');
    const lr = wrapper.find('[data-field="training.learning_rate"]');
    await lr.setValue('5');
    expect((config.value.training as Record<string, unknown>).learning_rate).toBe(5);
    const err = wrapper.find('[data-error-for="training.learning_rate"]');
    expect(err.exists()).toBe(true);
    expect(err.text()).toContain('≤ 1');
    expect(err.text()).toBe(messagesFor(config.value, 'training.learning_rate')[0]);
    await lr.setValue('abc');
    expect((config.value.training as Record<string, unknown>).learning_rate).toBe('abc');
    expect(wrapper.find('[data-error-for="training.learning_rate"]').text()).toContain('number');
    expect(wrapper.find('[data-error-for="training.learning_rate"]').text()).toBe(messagesFor(config.value, 'training.learning_rate')[0]);
    await lr.setValue('0.01');
    expect(wrapper.find('[data-error-for="training.learning_rate"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('shows cross-field refinements under the field they name', async () => {
    const { wrapper, config } = mountEditor('pretrain');
    await wrapper.find('[data-field="model.num_attention_heads"]').setValue('3');
    const shown = wrapper.find('[data-error-for="model.num_attention_heads"]').text();
    expect(shown).toContain('hidden_size');
    expect(shown).toBe(messagesFor(config.value, 'model.num_attention_heads')[0]);
    wrapper.unmount();
  });

  it('hides missing required values until revealAll, then names them', () => {
    const { wrapper } = mountEditor('sft');
    expect(wrapper.find('[data-error-for="model"]').exists()).toBe(false);
    const revealed = mountEditor('sft', undefined, { revealAll: true });
    expect(revealed.wrapper.find('[data-error-for="model"]').text()).toContain('expected');
    expect(revealed.wrapper.find('[data-error-for="data.tasks"]').text()).toContain('expected at least one dataset or task');
    wrapper.unmount();
    revealed.wrapper.unmount();
  });

  it('shows server issues under their field', () => {
    const { wrapper } = mountEditor('pretrain', undefined, { serverIssues: [{ path: 'data.seq_len', message: 'longer than the model context (256)' }] });
    expect(wrapper.find('[data-error-for="data.seq_len"]').text()).toBe('longer than the model context (256)');
    wrapper.unmount();
  });

  it('adds list items and edits enum lists', async () => {
    const { wrapper, config } = mountEditor('sft');
    await wrapper.find('[data-add-item="data.tasks"]').trigger('click');
    expect(getTasks(config.value)).toEqual([{ weight: 1, options: {} }]);
    await wrapper.find('[data-field="data.tasks.0.task"]').setValue('parity');
    expect(getTasks(config.value)[0]).toMatchObject({ task: 'parity', weight: 1 });
    await wrapper.find('[data-field="lora.target_modules:gate"]').setValue(true);
    expect((config.value.lora as { target_modules: string[] }).target_modules).toEqual(['q', 'k', 'v', 'o', 'gate']);
    wrapper.unmount();
  });

  it('round-trips with the YAML view: text edits update the form', async () => {
    const { wrapper, config } = mountEditor('pretrain');
    const ta = wrapper.find('[data-config-text]');
    const text = (ta.element as HTMLTextAreaElement).value;
    expect(text).toContain('learning_rate: 0.001');
    await ta.setValue(text.replace('learning_rate: 0.001', 'learning_rate: 0.02'));
    await ta.trigger('blur');
    await flush();
    expect((config.value.training as Record<string, unknown>).learning_rate).toBe(0.02);
    expect((wrapper.find('[data-field="training.learning_rate"]').element as HTMLInputElement).value).toBe('0.02');
    // And form edits show up in the text.
    await wrapper.find('[data-field="name"]').setValue('round trip');
    expect((wrapper.find('[data-config-text]').element as HTMLTextAreaElement).value).toContain('name: round trip');
    // Broken YAML is reported, not applied.
    await ta.setValue('kind: pretrain\ntraining: [1,\n');
    await ta.trigger('blur');
    expect(wrapper.find('[data-error-for="(text)"]').text()).toMatch(/^YAML line/);
    expect(config.value.name).toBe('round trip');
    wrapper.unmount();
  });
});

function getTasks(c: Record<string, unknown>): Record<string, unknown>[] {
  return (c.data as { tasks: Record<string, unknown>[] }).tasks;
}
