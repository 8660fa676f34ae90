/** `benchtop run --set path=value`: dotted paths into objects and lists, YAML values, clear errors. */
import { describe, expect, it } from 'vitest';
import { applyOverride } from '../../src/cli/overrides';

describe('--set overrides', () => {
  it('sets nested fields and list items with YAML-typed values', () => {
    const c: Record<string, unknown> = { kind: 'sft', model: 'x', data: { tasks: [{ task: 'arithmetic', weight: 1 }] } };
    applyOverride(c, 'model=run:abc123');
    applyOverride(c, 'training.max_steps=50');
    applyOverride(c, 'data.tasks.0.weight=2.5');
    applyOverride(c, 'data.tasks.1={task: brackets}');
    applyOverride(c, 'lora.target_modules=[q, v]');
    applyOverride(c, 'data.packing=true');
    applyOverride(c, 'notes=a=b');
    expect(c).toEqual({
      kind: 'sft',
      model: 'run:abc123',
      notes: 'a=b',
      training: { max_steps: 50 },
      lora: { target_modules: ['q', 'v'] },
      data: { packing: true, tasks: [{ task: 'arithmetic', weight: 2.5 }, { task: 'brackets' }] },
    });
  });

  it('names the problem', () => {
    const c: Record<string, unknown> = { model: 'x', data: { tasks: [] } };
    expect(() => applyOverride(c, 'model')).toThrow(/--set model: expected path=value/);
    expect(() => applyOverride(c, 'data..x=1')).toThrow(/empty part/);
    expect(() => applyOverride(c, 'data.tasks.5.task=a')).toThrow(/'5' is not an index of the list at data\.tasks \(0–0\)/);
    expect(() => applyOverride(c, 'model.name=y')).toThrow(/model is a string, not an object or list/);
  });
});
