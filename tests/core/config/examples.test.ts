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
import { isSweepFile } from '../../../src/shared/sweepFile';

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
    // Sweep files (name, base, grid; decision 0038) are checked in rlvrPresets.test.ts.
    for (const f of files) if (!isSweepFile(parse(readFileSync(join(EXAMPLES, f), 'utf8')))) example(f);
  });

  it('the built-in recipe and eval match the presets', () => {
    const recipe = example('pretrain-builtin.yaml');
    const mixture = preset('pretrain-task-mixture');
    for (const key of ['seed', 'model', 'data', 'training']) expect(mixture[key], key).toEqual(recipe[key]);
    expect(preset('eval-builtin').tasks).toEqual(example('eval-builtin.yaml').tasks);
    expect(preset('eval-builtin').model).toBe('builtin:benchtop-tiny');
  });

  it('the larger recipe (decision 0046) differs from the built-in one only in size and learning rate', () => {
    const small = example('pretrain-small.yaml') as Record<string, any>;
    const tiny = example('pretrain-builtin.yaml') as Record<string, any>;
    expect(small.seed).toBe(tiny.seed);
    expect(small.data).toEqual(tiny.data);
    const size = { hidden_size: 0, num_hidden_layers: 0, intermediate_size: 0 };
    expect({ ...small.model, ...size }).toEqual({ ...tiny.model, ...size });
    expect([small.model.hidden_size, small.model.num_hidden_layers, small.model.intermediate_size]).toEqual([256, 6, 768]);
    expect({ ...small.training, learning_rate: 0 }).toEqual({ ...tiny.training, learning_rate: 0 });
  });
});

describe('recovery config', () => {
  it('a prune run → a valid sft config on its saved model, taught by the unpruned one', async () => {
    const { recoverySftConfig } = await import('../../../src/shared/config/recovery');
    const prune = example('prune-builtin.yaml');
    const sft = valid(recoverySftConfig({ id: '20261123-180914-153631', config: prune }), 'recovery') as Record<string, any>;
    expect(sft.model).toBe('run:20261123-180914-153631');
    expect(sft.data.responses).toMatchObject({ source: 'self_generated', teacher: 'builtin:benchtop-tiny', temperature: 0.9, top_p: 0.95, only_correct: false });
    expect(sft.data.tasks).toEqual((prune.calibration as { tasks: unknown[] }).tasks);
    expect(sft.lora).toEqual({ enabled: true, r: 16, alpha: 32, target_modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
    // the committed example is the same recipe (its model is set on the command line)
    const ex = example('recover-builtin.yaml') as Record<string, any>;
    for (const key of ['lora', 'training']) expect(ex[key], key).toEqual(sft[key]);
    expect({ ...ex.data.responses }).toEqual(sft.data.responses);
  });
});
