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
    const c: Record<string, unknown> = { kind: 'sft', model: 'x', data: { tasks: [] } };
    expect(() => applyOverride(c, 'model')).toThrow(/--set model: expected path=value/);
    expect(() => applyOverride(c, 'data..x=1')).toThrow(/empty part/);
    expect(() => applyOverride(c, 'data.tasks.5.task=a')).toThrow(/'5' is not an index of the list at data\.tasks \(0–0\)/);
    expect(() => applyOverride(c, 'model.name=y')).toThrow(/model is a single value, not an object or list; it has no field 'name'/);
  });

  it('takes only paths of the kind\'s schema, so nothing reaches Object.prototype', () => {
    const cases: [string, RegExp][] = [
      ['__proto__.polluted=1', /'__proto__' is not a config field/],
      ['constructor.prototype.polluted=1', /'constructor' is not a config field/],
      ['data.__proto__.polluted=1', /'__proto__' is not a config field/],
      ['data.tasks.0.options.__proto__.polluted=1', /'__proto__' is not a config field/],
      ['toString=1', /'toString' is not a field of a sft config; expected one of kind, name/],
      ['training.hasOwnProperty=1', /'hasOwnProperty' is not a field of training/],
      ['training.max_step=1', /'max_step' is not a field of training; expected one of max_steps/],
      ['lora.target_modules.x=q', /lora\.target_modules is a list; expected an index/],
    ];
    for (const [assignment, message] of cases) {
      const c: Record<string, unknown> = { kind: 'sft', model: 'x', data: { tasks: [{ task: 'arithmetic', options: {} }] } };
      const before = JSON.stringify(c);
      expect(() => applyOverride(c, assignment), assignment).toThrow(message);
      expect(JSON.stringify(c), assignment).toBe(before);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Free-form maps (a task's options) take any other key.
    const c: Record<string, unknown> = { kind: 'sft', model: 'x', data: { tasks: [{ task: 'arithmetic', options: {} }] } };
    applyOverride(c, 'data.tasks.0.options.max_digits=3');
    expect((c.data as { tasks: { options: Record<string, unknown> }[] }).tasks[0]!.options).toEqual({ max_digits: 3 });
    // Without a valid kind, only kind can be set.
    expect(() => applyOverride({}, 'training.max_steps=1')).toThrow(/no valid 'kind'.*set kind first/);
    const k: Record<string, unknown> = {};
    applyOverride(k, 'kind=eval');
    applyOverride(k, 'num_examples=5');
    expect(k).toEqual({ kind: 'eval', num_examples: 5 });
  });
});
