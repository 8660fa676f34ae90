/**
 * Extra columns of the Runs table for analysis: chosen config fields (dotted paths, as in the
 * config diff) and final metric values. Pure helpers for a cell's value, a column filter and
 * sorting; the table and its store only wire them up.
 */
import type { RunRecord } from '@shared/records';
import { flattenConfig } from '../compare/configDiff';

export interface AnalysisColumn {
  kind: 'config' | 'metric';
  /** Config path ('training.learning_rate') or metric key ('eval/gsm8k/accuracy'). */
  path: string;
}

export type Cell = number | string | boolean | null;
export type Finals = Record<string, Record<string, number | null>>;

export const columnId = (c: AnalysisColumn): string => `${c.kind}:${c.path}`;

export function cellValue(run: RunRecord, col: AnalysisColumn, finals: Finals): Cell {
  if (col.kind === 'metric') return finals[run.id]?.[col.path] ?? null;
  const flat = flattenConfig(run.config);
  if (!flat.has(col.path)) return null;
  const v = flat.get(col.path);
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/**
 * Does a cell pass its column's filter? Empty matches all; `>x`, `>=x`, `<x`, `<=x`, `=x`
 * compare numbers; anything else is a case-insensitive substring of the written value.
 */
export function matchesFilter(cell: Cell, filter: string): boolean {
  const f = filter.trim();
  if (!f) return true;
  const m = /^(>=|<=|>|<|=)\s*(-?\d+(?:\.\d*)?(?:e-?\d+)?)$/i.exec(f);
  if (m) {
    const x = Number(m[2]);
    const v = typeof cell === 'number' ? cell : typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : NaN;
    if (!Number.isFinite(v)) return false;
    switch (m[1]) {
      case '>': return v > x;
      case '>=': return v >= x;
      case '<': return v < x;
      case '<=': return v <= x;
      default: return v === x;
    }
  }
  return cell !== null && String(cell).toLowerCase().includes(f.toLowerCase());
}

/** Sort order of two cells: numbers before text, empty cells last (in either direction). */
export function compareCells(a: Cell, b: Cell, desc: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const s = desc ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return s * (a - b);
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return s * String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Config paths present in any of the runs (first-seen order), for the column picker. */
export function configPaths(runs: readonly RunRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of runs) for (const p of flattenConfig(r.config).keys()) seen.add(p);
  return [...seen];
}
