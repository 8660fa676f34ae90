/** Plain-text rendering of runs for the terminal: the run table and metric lists. */
import type { RunRecord } from '../shared/records';
import { formatDuration, formatNumber } from './progressView';

export function formatTime(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function runDuration(r: RunRecord, now = Date.now()): string {
  if (r.startedAt === null) return '-';
  return formatDuration(((r.endedAt ?? now) - r.startedAt) / 1000);
}

/** Columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export function runTable(runs: RunRecord[]): string[] {
  return table(
    ['ID', 'STATUS', 'KIND', 'CREATED', 'TIME', 'PROGRESS', 'NAME'],
    runs.map((r) => [
      r.id,
      r.status,
      r.kind,
      formatTime(r.createdAt),
      runDuration(r),
      r.progress ? `${r.progress.step}/${r.progress.total}` : '-',
      r.name + (r.tags.length ? `  [${r.tags.join(', ')}]` : ''),
    ]),
  );
}

export function metricLines(last: Record<string, { step: number; value: number }>): string[] {
  const rows = Object.entries(last).map(([k, v]) => [k, formatNumber(v.value), `step ${v.step}`]);
  return rows.length ? table(['METRIC', 'VALUE', 'AT'], rows) : ['(no metrics recorded)'];
}

/** An event's text without the stack-trace lines ("    at …") a runner adds to errors; `debug` keeps them. */
export function withoutStack(text: string, debug = false): string {
  if (debug) return text;
  const lines = text.split('\n');
  const kept = lines.filter((l) => !/^\s+at\s/.test(l));
  return kept.length === lines.length ? text : kept.join('\n').trimEnd();
}
