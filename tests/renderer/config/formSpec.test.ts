import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMAS, validateRunConfig, type RunKind } from '../../../src/shared/config';
import { PRESETS } from '../../../src/shared/config/presets';
import { formSpecFromSchema, renderedPaths, withDefaults, type FieldSpec, type ObjectSpec } from '../../../src/renderer/src/config/formSpec';
import { getAt, setAt } from '../../../src/renderer/src/config/paths';
import { configToText, parseConfigText, parseIssueLines } from '../../../src/renderer/src/config/configText';
import { parseNumberInput, parseNumberList, parseStringList } from '../../../src/renderer/src/config/fieldInput';

function field(spec: ObjectSpec, path: string): FieldSpec {
  let cur: FieldSpec = spec;
  for (const seg of path.split('.')) {
    if (cur.type === 'objectList') cur = cur.item;
    if (cur.type !== 'object') throw new Error(`${path}: ${seg} is not inside an object`);
    const next: FieldSpec | undefined = cur.fields.find((f) => f.key === seg);
    if (!next) throw new Error(`no field ${seg} in ${path}`);
    cur = next;
  }
  return cur;
}

describe('formSpecFromSchema', () => {
  const sft = formSpecFromSchema(CONFIG_SCHEMAS.sft);
  const pre = formSpecFromSchema(CONFIG_SCHEMAS.pretrain);
  const ev = formSpecFromSchema(CONFIG_SCHEMAS.eval);

  it('keeps the schema field order and maps each type to an input kind', () => {
    expect(sft.fields.map((f) => f.key)).toEqual(['kind', 'name', 'seed', 'tags', 'notes', 'expected_effect', 'model', 'prompt_format', 'sequence_end', 'data', 'lora', 'training', 'output_dir']);
    expect(field(sft, 'kind')).toMatchObject({ type: 'const', value: 'sft' });
    expect(field(sft, 'seed')).toMatchObject({ type: 'number', integer: true, default: 0, hint: 'integer ≥ 0' });
    expect(field(sft, 'tags')).toMatchObject({ type: 'stringList' });
    expect(field(sft, 'notes')).toMatchObject({ type: 'string', multiline: true });
    expect(field(sft, 'model')).toMatchObject({ type: 'string', required: true, suggest: 'models' });
    expect(field(sft, 'lora.enabled')).toMatchObject({ type: 'boolean', default: true });
    expect(field(sft, 'lora.target_modules')).toMatchObject({ type: 'enumList', options: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
    expect(field(sft, 'training.lr_scheduler_type')).toMatchObject({ type: 'enum', options: ['constant', 'cosine', 'constant_with_warmup'] });
    expect(field(sft, 'training.learning_rate')).toMatchObject({ type: 'number', integer: false, hint: 'number > 0, ≤ 1' });
    expect(field(sft, 'data.tasks')).toMatchObject({ type: 'objectList', required: true });
    expect(field(sft, 'data.tasks.task')).toMatchObject({ type: 'string', required: true, suggest: 'tasks' });
    expect(field(sft, 'data.tasks.options')).toMatchObject({ type: 'json' });
    expect(field(pre, 'model')).toMatchObject({ type: 'object', required: false });
    expect(field(pre, 'model.vocab_size')).toMatchObject({ type: 'number', required: false, default: undefined });
    expect(field(ev, 'k')).toMatchObject({ type: 'numberList', integer: true });
  });

  it('withDefaults reproduces the schema defaults (checked against zod parsing)', () => {
    for (const kind of ['pretrain', 'sft', 'eval'] as RunKind[]) {
      const spec = formSpecFromSchema(CONFIG_SCHEMAS[kind]);
      const required = kind === 'pretrain' ? {} : kind === 'sft' ? { model: 'm', data: { tasks: [{ task: 'arithmetic' }] } } : { model: 'm', tasks: [{ task: 'parity' }] };
      const filled = withDefaults(spec, { kind, ...required });
      const parsed = CONFIG_SCHEMAS[kind].parse({ kind, ...required });
      expect(filled).toEqual(parsed);
    }
  });

  it('withDefaults fills a preset the way the schema would', () => {
    for (const p of PRESETS) {
      const filled = withDefaults(formSpecFromSchema(CONFIG_SCHEMAS[p.kind]), p.config);
      const v = validateRunConfig(p.config);
      expect(v.ok).toBe(true);
      if (v.ok) expect(filled).toEqual(v.config);
    }
  });

  it('leaves required values unset so validation names them', () => {
    const filled = withDefaults(sft, { kind: 'sft' });
    expect(filled.model).toBeUndefined();
    expect(getAt(filled, 'data.tasks')).toEqual([]);
    const v = validateRunConfig(filled);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.issues.map((i) => i.path).sort()).toEqual(['data.tasks', 'model']);
  });

  it('renderedPaths lists nested and per-item paths', () => {
    const cfg = withDefaults(sft, { kind: 'sft', data: { tasks: [{ task: 'a' }, { task: 'b' }] } });
    const p = renderedPaths(sft, cfg);
    expect(p.has('training.learning_rate')).toBe(true);
    expect(p.has('data.tasks.1.weight')).toBe(true);
    expect(p.has('data.tasks.2.weight')).toBe(false);
    expect(p.has('kind')).toBe(false);
  });
});

describe('paths', () => {
  it('sets, reads and deletes by dotted path, creating containers', () => {
    const o: Record<string, unknown> = {};
    setAt(o, 'a.b', 1);
    setAt(o, 'list.0.x', 'y');
    expect(o).toEqual({ a: { b: 1 }, list: [{ x: 'y' }] });
    expect(getAt(o, 'list.0.x')).toBe('y');
    setAt(o, 'a.b', undefined);
    expect(o.a).toEqual({});
    expect(getAt(o, 'nope.deeper')).toBeUndefined();
  });
});

describe('config text', () => {
  const cfg = { kind: 'pretrain', name: 'x', training: { learning_rate: 0.003, max_steps: 10 }, tags: ['a', 'b'] };
  it('round-trips YAML and JSON', () => {
    for (const f of ['yaml', 'json'] as const) {
      const parsed = parseConfigText(configToText(cfg, f), f);
      expect(parsed).toEqual({ ok: true, value: cfg });
    }
  });
  it('reports where YAML is broken', () => {
    const r = parseConfigText('kind: pretrain\ntraining:\n  max_steps: [1,\n', 'yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^YAML line \d+, column \d+/);
    const top = parseConfigText('- 1\n- 2\n', 'yaml');
    expect(top.ok).toBe(false);
  });
  it('splits a server message into per-field issues for known fields', () => {
    const known = new Set(['training.learning_rate', 'seed']);
    const r = parseIssueLines('training.learning_rate: expected a learning rate ≤ 1, got 5\nseed: expected a seed ≥ 0, got -1\nthe store is locked', known);
    expect(r.issues).toEqual([
      { path: 'training.learning_rate', message: 'expected a learning rate ≤ 1, got 5' },
      { path: 'seed', message: 'expected a seed ≥ 0, got -1' },
    ]);
    expect(r.rest).toEqual(['the store is locked']);
  });
});

describe('field input parsing', () => {
  it('keeps non-numbers as typed so the schema can name them', () => {
    expect(parseNumberInput(' 1e-3 ')).toBe(0.001);
    expect(parseNumberInput('')).toBeUndefined();
    expect(parseNumberInput('abc')).toBe('abc');
    expect(parseStringList('a, b,, c ')).toEqual(['a', 'b', 'c']);
    expect(parseNumberList('1, 4, x')).toEqual([1, 4, 'x']);
  });
});
