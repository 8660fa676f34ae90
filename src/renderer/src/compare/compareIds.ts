/**
 * The run ids of a comparison, as carried in the address (`/compare?ids=a,b,c`). Parsing is
 * pure so the page can say exactly what is wrong with an address typed or pasted by hand.
 */

export const MIN_COMPARE = 2;
/** One colour per run: the chart palettes have eight series colours (charts/palette.ts). */
export const MAX_COMPARE = 8;

/** Run ids are at most 64 characters (API_ARG_SCHEMAS in @shared/api) without spaces. */
const ID = /^[^\s,]{1,64}$/;

export type ParsedIds = { ok: true; ids: string[] } | { ok: false; ids: string[]; problem: string };

/** `"a, b,,a"` → ['a', 'b'] (trimmed, empty parts and repeats dropped, order kept). */
export function parseCompareIds(raw: string | null | undefined): ParsedIds {
  const ids: string[] = [];
  const bad: string[] = [];
  for (const part of (raw ?? '').split(',')) {
    const id = part.trim();
    if (!id) continue;
    if (!ID.test(id)) bad.push(id);
    else if (!ids.includes(id)) ids.push(id);
  }
  const hint = `Select ${MIN_COMPARE}–${MAX_COMPARE} runs on the Runs page and press Compare.`;
  if (bad.length) {
    const shown = bad.map((b) => `“${b.length > 40 ? `${b.slice(0, 40)}…` : b}”`).join(', ');
    return { ok: false, ids, problem: `The address names ${bad.length === 1 ? 'something that is not a run id' : 'things that are not run ids'}: ${shown}. ${hint}` };
  }
  if (!ids.length) return { ok: false, ids, problem: `No runs to compare: the address has no run ids (expected /compare?ids=<id>,<id>). ${hint}` };
  if (ids.length < MIN_COMPARE) return { ok: false, ids, problem: `Only one run (${ids[0]}) is named; a comparison needs at least ${MIN_COMPARE}. ${hint}` };
  if (ids.length > MAX_COMPARE) return { ok: false, ids, problem: `${ids.length} runs are named; at most ${MAX_COMPARE} can be compared at once. ${hint}` };
  return { ok: true, ids };
}

/** Whether `n` selected runs can be compared. */
export function canCompare(n: number): boolean {
  return n >= MIN_COMPARE && n <= MAX_COMPARE;
}

/**
 * A display label per run, unique within the comparison: the name, or the id when unnamed;
 * runs that share a name get their id appended so every line and column can be told apart.
 */
export function runLabels(runs: readonly { id: string; name: string }[]): string[] {
  const base = runs.map((r) => r.name.trim() || r.id);
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  return base.map((b, i) => (count.get(b)! > 1 && b !== runs[i].id ? `${b} (${runs[i].id})` : b));
}
