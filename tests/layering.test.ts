/**
 * The layering of ARCHITECTURE.md, checked on every import in src/: shared imports only shared;
 * engine imports shared (and itself); core imports engine and shared, never main/renderer/cli;
 * the renderer imports only shared; none of shared, engine, core imports electron. Static
 * imports, re-exports and dynamic imports with a literal path all count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'src');

type Layer = 'shared' | 'engine' | 'core' | 'main' | 'preload' | 'renderer' | 'cli';

/** Layers each layer may import besides itself. */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  shared: [],
  engine: ['shared'],
  core: ['engine', 'shared'],
  cli: ['core', 'engine', 'shared'],
  main: ['core', 'engine', 'shared'],
  preload: ['shared'],
  renderer: ['shared'],
};
/** Packages a layer must not import. */
const FORBIDDEN_PACKAGES: Partial<Record<Layer, readonly string[]>> = {
  shared: ['electron', 'onnxruntime-node'],
  engine: ['electron'],
  core: ['electron'],
  renderer: ['electron', 'onnxruntime-node'],
};

export function layerOf(file: string): Layer | null {
  const rel = relative(SRC, file).split(/[\\/]/);
  const top = rel[0] as Layer;
  return top in ALLOWED ? top : null;
}

const IMPORT = /(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Every module specifier written in a source file (comments stripped first). */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of code.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** The file a specifier points into, for relative paths and the @shared/@renderer aliases; null for packages. */
export function targetOf(fromFile: string, spec: string): string | null {
  if (spec.startsWith('@shared/')) return join(SRC, 'shared', spec.slice('@shared/'.length));
  if (spec.startsWith('@renderer/')) return join(SRC, 'renderer', 'src', spec.slice('@renderer/'.length));
  if (spec.startsWith('.')) return resolve(dirname(fromFile), spec);
  return null;
}

export interface Violation {
  file: string;
  spec: string;
  why: string;
}

export function violationsOf(file: string, text: string): Violation[] {
  const from = layerOf(file);
  if (!from) return [];
  const out: Violation[] = [];
  for (const spec of importsOf(text)) {
    const target = targetOf(file, spec);
    if (target === null) {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (FORBIDDEN_PACKAGES[from]?.includes(pkg)) out.push({ file: relative(ROOT, file), spec, why: `${from} must not import the package ${pkg}` });
      continue;
    }
    const to = layerOf(target);
    if (!to) {
      out.push({ file: relative(ROOT, file), spec, why: `${from} imports outside src/` });
      continue;
    }
    if (to !== from && !ALLOWED[from].includes(to)) out.push({ file: relative(ROOT, file), spec, why: `${from} must not import ${to}` });
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|vue|mts)$/.test(name) ? [p] : [];
  });
}

describe('layering', () => {
  it('the checker finds each kind of violation (so a clean tree means something)', () => {
    const f = (layer: string, name = 'x.ts') => join(SRC, ...layer.split('/'), name);
    expect(violationsOf(f('engine/rlvr'), "import { x } from '../../core/store';").map((v) => v.why)).toEqual(['engine must not import core']);
    expect(violationsOf(f('core'), "export { y } from '../main/ipc';").map((v) => v.why)).toEqual(['core must not import main']);
    expect(violationsOf(f('core/bundles'), "const m = await import('../../renderer/src/charts/lineChart');").map((v) => v.why)).toEqual(['core must not import renderer']);
    expect(violationsOf(f('renderer/src/pages', 'P.vue'), "import { a } from '../../../engine/tasks';\nimport B from '@renderer/components/B.vue';").map((v) => v.why)).toEqual(['renderer must not import engine']);
    expect(violationsOf(f('shared/kinds'), "import type { T } from '../../engine/executors';").map((v) => v.why)).toEqual(['shared must not import engine']);
    expect(violationsOf(f('shared'), "import { app } from 'electron';").map((v) => v.why)).toEqual(['shared must not import the package electron']);
    // Allowed: core → engine, renderer → shared through the alias, packages, comments.
    expect(violationsOf(f('core/runner'), "import { loadExecutor } from '../../engine/executors';\n// import x from '../main/ipc'\nimport { z } from 'zod';")).toEqual([]);
    expect(violationsOf(f('renderer/src'), "import { RUN_KINDS } from '@shared/kinds';")).toEqual([]);
  });

  it('holds for every file in src/', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(100);
    const violations = files.flatMap((file) => violationsOf(file, readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
  });
});
