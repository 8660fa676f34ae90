import { describe, expect, it } from 'vitest';
import { BUILTIN_CHARS } from '../../../src/engine/model/tokenizer';
import { formatExample, getTask, hasTask, listTasks, TaskError } from '../../../src/engine/tasks/index';
import { TASK_NAMES } from '../../../src/shared/config/taskRefs';

describe('task registry', () => {
  it('registers every name in TASK_NAMES and nothing else', () => {
    expect(listTasks().map((t) => t.name).sort()).toEqual([...TASK_NAMES].sort());
    for (const n of TASK_NAMES) expect(hasTask(n)).toBe(true);
  });

  it('unknown names and bad options give errors naming what was expected', () => {
    expect(() => getTask('sudoku')).toThrow(TaskError);
    expect(() => getTask('sudoku')).toThrow(/sudoku: unknown task; expected one of arithmetic, brackets/);
    const kk = getTask('knights_knaves');
    expect(() => kk.generate('train', 1, 0, { people: [9] })).toThrow(/knights_knaves: option 'people': expected a non-empty list of whole numbers in \[2, 8\], got \[9\]/);
    expect(() => kk.generate('train', 1, 0, { format: 'latex' })).toThrow(/option 'format': expected one of compact, natural, think, got 'latex'/);
    expect(() => getTask('parity').generate('train', 1, 0, { base: 3 })).toThrow(/option 'base': expected one of 2, 10, got 3/);
    expect(() => getTask('compare').generate('train', -1, 0)).toThrow(/option 'count': expected a whole number/);
    expect(() => getTask('compare').generate('train', 1, 1.5)).toThrow(/option 'seed'/);
    expect(() => getTask('compare').generate('dev' as 'train', 1, 0)).toThrow(/option 'split': expected 'train' or 'test'/);
    expect(() => getTask('parity').generate('test', 1000, 0, { max_len: 3, min_len: 1 })).toThrow(/only \d+ of 1000 distinct test problems/);
    expect(getTask('parity').generate('train', 1000, 0, { max_len: 3, min_len: 1 })).toHaveLength(1000); // train may repeat
  });

  it('formatExample gives prompt and completion; the text fits the built-in character vocabulary', () => {
    const vocab = new Set(BUILTIN_CHARS);
    for (const t of listTasks()) {
      const task = getTask(t.name);
      const variants = t.name === 'knights_knaves' ? [{}, { format: 'natural' }, { format: 'think' }] : [{}];
      for (const opts of variants) {
        for (const e of task.generate('train', 30, 1, opts)) {
          const { prompt, completion } = formatExample(e);
          expect(prompt).toBe(e.prompt);
          expect(completion).toBe(e.choices ? e.choices[e.label!] : e.answer);
          expect(completion.length).toBeGreaterThan(0);
          const bad = [...prompt + completion].filter((c) => !vocab.has(c));
          expect(bad).toEqual([]);
        }
      }
    }
  });

  it('compact formats stay short enough for the tiny model', () => {
    const longest = (name: string, opts = {}) =>
      Math.max(...getTask(name).generate('train', 200, 1, opts).map((e) => e.prompt.length + formatExample(e).completion.length));
    expect(longest('arithmetic')).toBeLessThanOrEqual(12);
    expect(longest('brackets')).toBeLessThanOrEqual(14);
    expect(longest('knights_knaves')).toBeLessThanOrEqual(96);
  });
});

describe('task option schemas', () => {
  it('are zod schemas built from each task’s option list: defaults, docs, bounds and unknown names', async () => {
    const { taskOptionsSchema } = await import('../../../src/engine/tasks/options');
    const { getTask, listTasks } = await import('../../../src/engine/tasks');
    const { z } = await import('zod');
    for (const info of listTasks()) {
      const task = getTask(info.name);
      const schema = taskOptionsSchema(task.options);
      const defaults = schema.parse({});
      for (const o of task.options) expect(defaults[o.name], `${info.name}.${o.name}`).toEqual(o.default);
      const json = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, { description?: string }>; additionalProperties?: unknown };
      for (const o of task.options) expect(json.properties[o.name]!.description, `${info.name}.${o.name}`).toBe(o.doc);
      expect(json.additionalProperties).toBe(false);
      expect(schema.safeParse({ no_such_option: 1 }).success).toBe(false);
      for (const o of task.options) {
        if (o.type === 'int' || o.type === 'number') {
          expect(schema.safeParse({ [o.name]: o.max + 1 }).success, `${info.name}.${o.name} > max`).toBe(false);
          expect(schema.safeParse({ [o.name]: o.min }).success, `${info.name}.${o.name} = min`).toBe(true);
        }
      }
    }
  });
});
