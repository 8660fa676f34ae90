/**
 * The paths an import re-rooted or cleared, read back from the run's import event. Import writes
 * one 'imported from …' event whose tail lists them as
 * `; paths in its config were moved into this data folder or cleared: field "from" → "to", …`
 * (a cleared output folder shows `(default)`); this turns that list into rows for the resume
 * confirmation. Paths are JSON strings there, so commas inside them do not split a row.
 */
import type { RunEvent } from '@shared/records';

export interface ImportedPathChange {
  field: string;
  from: string;
  /** null when the import cleared the field (the run writes to its own folder by default). */
  to: string | null;
}

const MOVED_MARK = 'paths in its config were moved into this data folder or cleared: ';
const JSON_STR = '"(?:[^"\\\\]|\\\\.)*"';
const CHANGE = new RegExp(`([^\\s,;]+) (${JSON_STR}) → (${JSON_STR}|\\(default\\))`, 'g');

function unquote(s: string): string {
  try {
    return JSON.parse(s) as string;
  } catch {
    return s;
  }
}

export function importedPathChanges(events: readonly RunEvent[]): ImportedPathChange[] {
  const ev = events.find((e) => e.text.startsWith('imported from ') && e.text.includes(MOVED_MARK));
  if (!ev) return [];
  const tail = ev.text.slice(ev.text.indexOf(MOVED_MARK) + MOVED_MARK.length);
  return [...tail.matchAll(CHANGE)].map((m) => ({ field: m[1], from: unquote(m[2]), to: m[3] === '(default)' ? null : unquote(m[3]) }));
}
