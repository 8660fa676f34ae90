// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import SchemaField from '../../../src/renderer/src/components/config/SchemaField.vue';
import { EDITOR_CONTEXT, type EditorContext } from '../../../src/renderer/src/components/config/editorContext';
import type { FieldSpec } from '../../../src/renderer/src/config/formSpec';

function mountCheckbox(value: unknown, def: unknown) {
  const set: [string, unknown][] = [];
  const ctx: EditorContext = { get: () => value, set: (p, v) => set.push([p, v]), errorsFor: () => [], suggestions: { tasks: [], models: [] } };
  const spec = { key: 'enabled', type: 'boolean', required: false, default: def, hint: '' } as FieldSpec;
  const w = mount(SchemaField, { props: { spec, path: 'llds.enabled' }, global: { provide: { [EDITOR_CONTEXT as symbol]: ctx } } });
  return { w, set, box: () => w.find('[data-field="llds.enabled"]').element as HTMLInputElement };
}

describe('a checkbox left out of the YAML', () => {
  it('shows the default the run will use', () => {
    expect(mountCheckbox(undefined, true).box().checked).toBe(true);
    expect(mountCheckbox(undefined, false).box().checked).toBe(false);
    expect(mountCheckbox(undefined, undefined).box().checked).toBe(false);
    // An explicit value wins over the default.
    expect(mountCheckbox(false, true).box().checked).toBe(false);
    expect(mountCheckbox(true, false).box().checked).toBe(true);
  });

  it('unchecking a defaulted-true box sets false explicitly', async () => {
    const m = mountCheckbox(undefined, true);
    await m.w.find('[data-field="llds.enabled"]').setValue(false);
    expect(m.set).toEqual([['llds.enabled', false]]);
  });
});
