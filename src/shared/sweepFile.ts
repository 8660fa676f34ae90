/**
 * A sweep file: one YAML/JSON holding a whole sweep — `name`, `base` (a run config) and `grid`
 * (`[{ path, values }]`), the shape a group bundle's sweep.json stores. It lets a preset that
 * compares arms (LLDS on/off, THR p > 0 vs p < 0) be one file and one command (decision 0038).
 * A file without `base` is a plain run config with no grid.
 */
import { z } from 'zod';
import { gridAxisSchema, type SweepGridAxis } from './sweeps';

const sweepFileSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    base: z.record(z.string(), z.unknown()),
    grid: z.array(gridAxisSchema).default([]),
  })
  .strict();

export type SweepFile = { ok: true; name: string | null; base: Record<string, unknown>; grid: SweepGridAxis[] } | { ok: false; error: string };

export const isSweepFile = (raw: Record<string, unknown>): boolean => 'base' in raw && !('kind' in raw);

export function sweepFileOf(raw: Record<string, unknown>): SweepFile {
  if (!isSweepFile(raw)) return { ok: true, name: null, base: raw, grid: [] };
  const parsed = sweepFileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return { ok: false, error: `not a valid sweep file: ${i.path.join('.') || '(top level)'}: ${i.message} (expected name, base: <run config>, grid: [{ path, values }])` };
  }
  return { ok: true, name: parsed.data.name ?? null, base: parsed.data.base, grid: parsed.data.grid };
}
