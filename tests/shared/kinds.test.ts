/**
 * The kind list is the one registry: every module must be complete — its engine folder exports the
 * executor it names, its results view exists, its presets validate, and every derived registry
 * agrees with the list.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMAS, RUN_KIND_LABELS, RUN_KIND_MODULES, RUN_KINDS, runConfigSchema, runKindModule, PRESETS, isRunKind } from '../../src/shared/kinds';
import { presetsFor } from '../../src/shared/config/presets';
import { validateRunConfig } from '../../src/shared/config';
import { loadExecutor } from '../../src/engine/executors';

const root = join(__dirname, '..', '..');

describe('run kind modules', () => {
  it('derive every registry from the one list', () => {
    const kinds = RUN_KIND_MODULES.map((m) => m.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect([...RUN_KINDS]).toEqual(kinds);
    expect(Object.keys(CONFIG_SCHEMAS)).toEqual(kinds);
    expect(Object.keys(RUN_KIND_LABELS)).toEqual(kinds);
    for (const m of RUN_KIND_MODULES) {
      expect(CONFIG_SCHEMAS[m.kind]).toBe(m.schema);
      expect(RUN_KIND_LABELS[m.kind]).toEqual({ title: m.title, description: m.description });
      expect(runKindModule(m.kind)).toBe(m);
      expect(presetsFor(m.kind)).toEqual([...m.presets]);
    }
    expect(PRESETS.length).toBe(RUN_KIND_MODULES.reduce((n, m) => n + m.presets.length, 0));
    expect(isRunKind('pretrain')).toBe(true);
    expect(isRunKind('nope')).toBe(false);
    expect(() => runKindModule('nope' as never)).toThrow(/unknown run kind 'nope': expected one of pretrain, /);
  });

  it('the config union dispatches on kind to each module’s schema', () => {
    for (const m of RUN_KIND_MODULES) {
      const preset = m.presets[0];
      if (!preset) continue;
      const viaUnion = runConfigSchema.parse(preset.config);
      expect(viaUnion).toEqual(m.schema.parse(preset.config));
    }
  });

  it('every preset is valid for its own kind and says so', () => {
    for (const m of RUN_KIND_MODULES) {
      for (const p of m.presets) {
        expect(p.kind, p.id).toBe(m.kind);
        expect(p.config.kind, p.id).toBe(m.kind);
        expect(validateRunConfig(p.config).ok, p.id).toBe(true);
      }
    }
  });

  it('every kind names an engine folder whose run.ts exports its executor, and a results view that exists', async () => {
    for (const m of RUN_KIND_MODULES) {
      expect(existsSync(join(root, 'src', 'engine', m.engine.folder, 'run.ts')), m.kind).toBe(true);
      const mod = (await import(`../../src/engine/${m.engine.folder}/run.ts`)) as Record<string, unknown>;
      expect(typeof mod[m.engine.executor], `${m.kind}: ${m.engine.executor}`).toBe('function');
      expect(await loadExecutor(m.kind)).toBe(mod[m.engine.executor]);
      if (m.results) expect(existsSync(join(root, 'src', 'renderer', 'src', 'views', `${m.results.view}.vue`)), m.results.view).toBe(true);
    }
  });

  it('reads the task order of each kind from where its config keeps the tasks', () => {
    const order = (kind: (typeof RUN_KINDS)[number], config: Record<string, unknown>) => runKindModule(kind).taskOrder(config as never);
    expect(order('eval', { tasks: [{ task: 'b' }, { task: 'a' }] })).toEqual(['b', 'a']);
    expect(order('pretrain', { data: { tasks: [{ task: 'x' }] } })).toEqual(['x']);
    expect(order('sft', { data: { tasks: [{ task: 'y' }] } })).toEqual(['y']);
    expect(order('prune', { eval: { tasks: [{ task: 'p' }, { task: 'q' }] }, calibration: { tasks: [{ task: 'z' }] } })).toEqual(['p', 'q']);
    expect(order('grpo', { tasks: [{ task: 'knights_knaves' }] })).toEqual(['knights_knaves']);
    expect(order('value', { train: { tasks: [{ task: 'compare' }, { task: 'arithmetic' }] } })).toEqual(['compare', 'arithmetic']);
    expect(order('value', {})).toEqual([]);
  });
});
