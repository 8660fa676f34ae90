/**
 * Rewrites src/shared/kinds/rlvrPresets.ts from the RLVR preset files in examples/ (the renderer
 * cannot read YAML at run time, so each preset lives twice; tests/core/config/rlvrPresets.test.ts
 * keeps them equal). Titles and descriptions stay in the TypeScript file; the config and sweep
 * grid of each preset are taken from its YAML.
 *
 *   npx tsx scripts/rlvr-presets.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { RLVR_PRESETS } from '../src/shared/kinds/rlvrPresets';
import { sweepFileOf } from '../src/shared/sweepFile';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'src', 'shared', 'kinds', 'rlvrPresets.ts');

const text = readFileSync(OUT, 'utf8');
const header = text.slice(0, text.indexOf('export const RLVR_PRESETS'));
const presets = RLVR_PRESETS.map((p) => {
  const file = join(ROOT, 'examples', `${p.id}.yaml`);
  const sf = sweepFileOf(parse(readFileSync(file, 'utf8')));
  if (!sf.ok) throw new Error(`${file}: ${JSON.stringify(sf)}`);
  const out: Record<string, unknown> = { id: p.id, kind: p.kind, title: p.title, description: p.description, config: sf.base };
  if (sf.grid.length) out.sweep = { name: sf.name, grid: sf.grid };
  return out;
});
const body = presets.map((p) => '  ' + JSON.stringify(p, null, 2).replace(/\n/g, '\n  ') + ',').join('\n');
writeFileSync(OUT, `${header}export const RLVR_PRESETS: KindPreset<'grpo'>[] = [\n${body}\n];\n`);
console.log(`wrote ${OUT} from ${presets.length} files in examples/`);
