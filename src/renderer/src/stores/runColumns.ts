/**
 * The Runs table's analysis columns (config fields and final metrics the user added), their
 * filters and the sort, kept in local storage; and the final metric values of the runs shown.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { RunRecord } from '@shared/records';
import { useApi } from '../api';
import { cellValue, columnId, compareCells, matchesFilter, type AnalysisColumn, type Finals } from '../runs/analysisColumns';

const STORAGE_KEY = 'benchtop.runsTable.columns';

function loadColumns(): AnalysisColumn[] {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((c): c is AnalysisColumn => !!c && (c.kind === 'config' || c.kind === 'metric') && typeof c.path === 'string') : [];
  } catch {
    return [];
  }
}

export const useRunColumnsStore = defineStore('runColumns', () => {
  const columns = ref<AnalysisColumn[]>(loadColumns());
  const filters = ref<Record<string, string>>({});
  const sort = ref<{ id: string; desc: boolean } | null>(null);
  const finals = ref<Finals>({});
  const metricKeys = ref<string[]>([]);
  watch(columns, (c) => globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(c)), { deep: true });

  function add(col: AnalysisColumn): void {
    if (!col.path.trim() || columns.value.some((c) => columnId(c) === columnId(col))) return;
    columns.value = [...columns.value, { kind: col.kind, path: col.path.trim() }];
  }
  function remove(col: AnalysisColumn): void {
    const id = columnId(col);
    columns.value = columns.value.filter((c) => columnId(c) !== id);
    if (sort.value?.id === id) sort.value = null;
    const f = { ...filters.value };
    delete f[id];
    filters.value = f;
  }
  function sortBy(col: AnalysisColumn): void {
    const id = columnId(col);
    sort.value = sort.value?.id === id ? (sort.value.desc ? null : { id, desc: true }) : { id, desc: false };
  }

  let seq = 0;
  /** Fetch the final values of the metric columns (and the keys on offer) for these runs. */
  async function refresh(ids: string[]): Promise<void> {
    const my = ++seq;
    const keys = columns.value.filter((c) => c.kind === 'metric').map((c) => c.path);
    try {
      const r = await useApi().getFinalMetrics(ids.slice(0, 1000), keys.slice(0, 50));
      if (my !== seq) return;
      finals.value = r.values;
      metricKeys.value = r.keys;
    } catch {
      // The columns show '—' until the next refresh succeeds.
    }
  }

  /** The runs that pass every column filter, in the chosen order (the given order when none). */
  function apply(runs: readonly RunRecord[]): RunRecord[] {
    let out = runs.filter((r) => columns.value.every((c) => matchesFilter(cellValue(r, c, finals.value), filters.value[columnId(c)] ?? '')));
    const s = sort.value;
    const col = s && columns.value.find((c) => columnId(c) === s.id);
    if (s && col) out = out.slice().sort((a, b) => compareCells(cellValue(a, col, finals.value), cellValue(b, col, finals.value), s.desc));
    return out;
  }

  return { columns, filters, sort, finals, metricKeys, add, remove, sortBy, refresh, apply };
});
