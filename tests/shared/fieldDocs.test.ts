/**
 * Field documentation lives in the schemas: every field of every kind carries a description, the
 * flat field list says what validation says, and `benchtop schema <kind>` prints it.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_SCHEMAS, RUN_KINDS } from '../../src/shared/kinds';
import { describeFields } from '../../src/shared/config/fieldDocs/describe';
import { documentFields, fieldAt } from '../../src/shared/config/fieldDocs/apply';
import { DOC_MISSING } from '../../src/shared/config/fieldDocs/kinds';
import { formSpecFromSchema, type FieldSpec } from '../../src/renderer/src/config/formSpec';

const ROOT = resolve(__dirname, '..', '..');

describe('field documentation', () => {
  it('every field of every kind has a description, and every documented path names a field', () => {
    expect(DOC_MISSING).toEqual(Object.fromEntries(Object.keys(DOC_MISSING).map((k) => [k, []])));
    const undocumented = RUN_KINDS.flatMap((k) => describeFields(CONFIG_SCHEMAS[k]).filter((f) => f.path !== 'kind' && !f.description).map((f) => `${k}: ${f.path}`));
    expect(undocumented, 'add .meta({ description }) or a line in src/shared/config/fieldDocs').toEqual([]);
  });

  it('flattens a schema into paths with types, constraints, defaults and docs', () => {
    const s = z.object({
      kind: z.literal('x'),
      n: z.number().int().min(1).max(9).default(3).meta({ description: 'how many' }),
      mode: z.enum(['a', 'b']).default('a'),
      items: z.array(z.object({ id: z.string(), w: z.number().positive().optional() })).min(1),
      nested: z.object({ on: z.boolean().default(false) }).default({ on: false }),
    });
    expect(documentFields(s, { 'items.w': 'a weight', 'nested.on': 'switch', 'nope.x': '?' })).toEqual(['nope.x']);
    const docs = describeFields(s);
    expect(docs.map((d) => [d.path, d.type, d.constraints, d.required, d.default, d.description])).toEqual([
      ['kind', 'always "x"', '', true, undefined, undefined],
      ['n', 'integer', '≥ 1, ≤ 9', false, 3, 'how many'],
      ['mode', 'one of a | b', '', false, 'a', undefined],
      ['items', 'list of objects', 'at least 1 item', true, undefined, undefined],
      ['items[].id', 'string', '', true, undefined, undefined],
      ['items[].w', 'number', '> 0', false, undefined, 'a weight'],
      ['nested', 'object', '', false, { on: false }, undefined],
      ['nested.on', 'boolean', '', false, false, 'switch'],
    ]);
    expect(fieldAt(s, 'items.id')).toBe((s.shape.items.element as z.ZodObject).shape.id);
  });

  it('the editor form carries each field’s description', () => {
    const spec = formSpecFromSchema(CONFIG_SCHEMAS.grpo);
    const find = (fields: FieldSpec[], key: string) => fields.find((f) => f.key === key)!;
    expect(find(spec.fields, 'num_generations').description).toMatch(/completions sampled per prompt/);
    const llds = find(spec.fields, 'llds') as Extract<FieldSpec, { type: 'object' }>;
    expect(find(llds.fields, 'lambda').description).toMatch(/weight of the LLDS term/);
  });

  it('`benchtop schema grpo` prints every field with its default and documentation; an unknown kind is a usage error', () => {
    const bin = join(ROOT, 'bin', 'benchtop.mjs');
    const ok = spawnSync(process.execPath, [bin, 'schema', 'grpo'], { encoding: 'utf8', timeout: 60_000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^num_generations {2}integer \(≥ 2, ≤ 1024\) · default 8\n {4}G: completions sampled per prompt/m);
    expect(ok.stdout).toMatch(/^ {2}lambda {2}number \(≥ 0, ≤ 100\) · default 0\.2\n {6}λ, the weight of the LLDS term\./m);
    for (const f of describeFields(CONFIG_SCHEMAS.grpo)) if (f.path !== 'kind') expect(ok.stdout).toContain(f.description!);
    const bad = spawnSync(process.execPath, [bin, 'schema', 'rl'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`unknown run kind 'rl': expected one of ${RUN_KINDS.join(', ')}`);
  });
});
