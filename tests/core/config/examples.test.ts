/**
 * The committed example configs: each validates; the built-in model's recipe and eval in
 * examples/ are the same as the presets the app offers (so the editor and the README agree).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateRunConfig } from '../../../src/shared/config';
import { PRESETS } from '../../../src/shared/config/presets';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', '..', 'examples');

function valid(raw: unknown, what: string): Record<string, unknown> {
  const v = validateRunConfig(raw);
  if (!v.ok) throw new Error(`${what}: ${JSON.stringify(v.issues)}`);
  return v.config as unknown as Record<string, unknown>;
}
const example = (f: string) => valid(parse(readFileSync(join(EXAMPLES, f), 'utf8')), f);
const preset = (id: string) => valid(PRESETS.find((p) => p.id === id)!.config, id);

describe('example configs', () => {
  it('every examples/*.yaml validates', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['pretrain-builtin.yaml', 'eval-builtin.yaml']));
    for (const f of files) example(f);
  });

  it('the built-in recipe and eval match the presets', () => {
    const recipe = example('pretrain-builtin.yaml');
    const mixture = preset('pretrain-task-mixture');
    for (const key of ['seed', 'model', 'data', 'training']) expect(mixture[key], key).toEqual(recipe[key]);
    expect(preset('eval-builtin').tasks).toEqual(example('eval-builtin.yaml').tasks);
    expect(preset('eval-builtin').model).toBe('builtin:benchtop-tiny');
  });
});
