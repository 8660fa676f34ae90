import { describe, expect, it } from 'vitest';
import { MISSING, configDiff, flattenConfig, formatConfigValue } from '../../../src/renderer/src/compare/configDiff';

describe('config diff', () => {
  it('flattens to dotted paths: objects and lists of objects walked, value lists and empties kept whole', () => {
    const flat = flattenConfig({
      name: 'x',
      training: { learning_rate: 0.01, schedule: { warmup: 10 } },
      data: { tasks: [{ task: 'arithmetic', options: { dim: 8 } }, { task: 'parity' }] },
      lora: { target_modules: ['q_proj', 'v_proj'] },
      extra: {},
      stop: [],
      seed: null,
    });
    expect([...flat.entries()]).toEqual([
      ['name', 'x'],
      ['training.learning_rate', 0.01],
      ['training.schedule.warmup', 10],
      ['data.tasks.0.task', 'arithmetic'],
      ['data.tasks.0.options.dim', 8],
      ['data.tasks.1.task', 'parity'],
      ['lora.target_modules', ['q_proj', 'v_proj']],
      ['extra', {}],
      ['stop', []],
      ['seed', null],
    ]);
  });

  it('marks exactly the paths whose values differ, including fields only some runs have', () => {
    const a = { kind: 'sft', name: 'a', training: { lr: 0.01, steps: 100 }, data: { tasks: [{ task: 't', weight: 1 }] }, lora: { target_modules: ['q', 'v'] } };
    const b = { kind: 'sft', name: 'b', training: { lr: 0.01, steps: 200 }, data: { tasks: [{ task: 't', weight: 1 }, { task: 'u', weight: 2 }] }, lora: { target_modules: ['q', 'v'] } };
    const c = { kind: 'sft', name: 'c', training: { lr: 0.01, steps: 100, seed: null }, data: { tasks: [{ task: 't', weight: 1 }] }, lora: { target_modules: ['q'] } };
    const rows = configDiff([a, b, c]);
    expect(rows.map((r) => r.path)).toEqual([
      'kind', 'name', 'training.lr', 'training.steps', 'data.tasks.0.task', 'data.tasks.0.weight', 'lora.target_modules',
      'data.tasks.1.task', 'data.tasks.1.weight', 'training.seed',
    ]);
    expect(rows.filter((r) => r.differs).map((r) => r.path).sort()).toEqual([
      'data.tasks.1.task', 'data.tasks.1.weight', 'lora.target_modules', 'name', 'training.seed', 'training.steps',
    ]);
    const seed = rows.find((r) => r.path === 'training.seed')!;
    // An explicit null and an absent field are different.
    expect(seed.values).toEqual([MISSING, MISSING, null]);
    expect(rows.find((r) => r.path === 'data.tasks.1.task')!.values).toEqual([MISSING, 'u', MISSING]);
    expect(configDiff([a, structuredClone(a)]).some((r) => r.differs)).toBe(false);
  });

  it('tells 1 from "1" and writes values plainly', () => {
    const [row] = configDiff([{ x: 1 }, { x: '1' }]);
    expect(row.differs).toBe(true);
    expect([MISSING, 'text', 3, false, null, ['a', 'b'], {}].map(formatConfigValue)).toEqual(['—', 'text', '3', 'false', 'null', '["a","b"]', '{}']);
  });
});
