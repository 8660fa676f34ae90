/**
 * report.html of a run bundle: one self-contained page that opens offline in any browser. No
 * scripts and no external references (a Content-Security-Policy forbids both); the plots are the
 * bundle's SVGs inlined. Every piece of run text goes through escapeHtml.
 */
import type { RunEvent, SampleRecord } from '../../shared/records';
import type { BundleManifest } from './manifest';
import type { RenderedPlot } from './plots';

export interface ReportInput {
  manifest: Omit<BundleManifest, 'files'>;
  configYaml: string;
  lastMetrics: Record<string, { step: number; value: number }>;
  plots: RenderedPlot[];
  plotsSkipped: number;
  /** Plots that could not be drawn, with the reason. */
  plotsFailed: string[];
  events: RunEvent[];
  samples: SampleRecord[];
}

/** How many events and samples the page shows (the .jsonl files hold all of them). */
export const REPORT_EVENTS = 500;
export const REPORT_SAMPLES = 20;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const iso = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));

function duration(a: number | null, b: number | null): string {
  if (a === null || b === null) return '—';
  const s = Math.max(0, Math.round((b - a) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) (v /= 1000), i++;
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

const num = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(8))) : String(v));

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

function keyValues(rows: [string, string][]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}</tbody></table>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.muted{color:#656d76}table{border-collapse:collapse;margin:6px 0;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}table.kv th{width:150px}td{white-space:pre-wrap;word-break:break-word}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:10px;overflow:auto;font-size:12px}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plot{border:1px solid #d0d7de;margin:0}.plot svg{display:block;max-width:100%;height:auto}
.lvl-warn{color:#9a6700}.lvl-error{color:#cf222e}`;

export function renderReport(r: ReportInput): string {
  const m = r.manifest;
  const run = m.run;
  const title = `${run.name || run.id} — Benchtop run report`;
  const summary = keyValues([
    ['run id', run.id],
    ['name', run.name],
    ['kind', run.kind],
    ['status', run.status + (run.exit_reason ? ` — ${run.exit_reason}` : '')],
    ['created', iso(run.created_at)],
    ['started', iso(run.started_at)],
    ['ended', iso(run.ended_at)],
    ['duration', duration(run.started_at, run.ended_at)],
    ['model', run.model_ref ?? '—'],
    ['device', run.device ?? '—'],
    ['tags', run.tags.join(', ') || '—'],
    ['seed', m.environment.seed === null ? '—' : String(m.environment.seed)],
  ]);
  const env = keyValues([
    ['exported', `${m.exported_at} by Benchtop ${m.app.version}`],
    ['os', `${m.environment.os} (${m.environment.platform}-${m.environment.arch})`],
    ['node', m.environment.node],
    ['onnxruntime-node', m.environment.onnxruntime_node ?? '—'],
    ['execution provider', m.environment.execution_provider ?? '—'],
  ]);
  const metricKeys = Object.keys(r.lastMetrics).sort();
  const metrics = metricKeys.length
    ? table(['metric', 'last value', 'at step'], metricKeys.map((k) => [k, num(r.lastMetrics[k].value), String(r.lastMetrics[k].step)]))
    : '<p class="muted">No metrics were recorded.</p>';
  // The SVGs come from ECharts, which escapes every text node it writes (titles are metric keys).
  const plots = r.plots.length
    ? `<div class="plots">${r.plots.map((p) => `<figure class="plot" id="${escapeHtml(p.path)}">${p.svg}</figure>`).join('\n')}</div>` +
      (r.plotsSkipped ? `<p class="muted">${r.plotsSkipped} more plots were not drawn; metrics.csv has every point.</p>` : '')
    : '<p class="muted">No metric has more than one point to plot.</p>';
  const plotsFailed = r.plotsFailed.length
    ? `<p class="muted">Could not be drawn:</p><ul>${r.plotsFailed.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`
    : '';
  const events = r.events.length
    ? `<table><thead><tr><th>time</th><th>level</th><th>text</th></tr></thead><tbody>\n${r.events
        .map((e) => `<tr class="lvl-${escapeHtml(e.level)}"><td>${escapeHtml(iso(e.time))}</td><td>${escapeHtml(e.level)}</td><td>${escapeHtml(e.text)}</td></tr>`)
        .join('\n')}\n</tbody></table>` +
      (m.counts.events > r.events.length ? `<p class="muted">First ${r.events.length} of ${m.counts.events} events; events.jsonl has all of them.</p>` : '')
    : '<p class="muted">No events.</p>';
  const samples = r.samples.length
    ? table(['step', 'prompt', 'completion', 'reward'], r.samples.map((s) => [String(s.step), s.prompt, s.completion, s.reward === null ? '—' : num(s.reward)])) +
      (m.counts.samples > r.samples.length ? `<p class="muted">First ${r.samples.length} of ${m.counts.samples} samples; samples.jsonl has all of them.</p>` : '')
    : '<p class="muted">No samples.</p>';
  const artifacts = m.artifacts.length
    ? table(['kind', 'file in bundle', 'bytes', 'sha256'], m.artifacts.map((a) => [a.kind, a.path, humanBytes(a.bytes), a.sha256]))
    : '<p class="muted">No artifact files in this bundle.</p>';
  const omitted = m.omitted.length
    ? `<p>Left out of this bundle:</p>${table(['kind', 'original path', 'bytes', 'why'], m.omitted.map((o) => [o.kind, o.original_path, humanBytes(o.bytes), o.reason]))}`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(run.name || run.id)}</h1>
<p class="muted">${escapeHtml(`${run.kind} run ${run.id} · ${run.status}`)}</p>
<h2>Run</h2>
${summary}
<h2>Environment</h2>
${env}
<h2>Last metric values</h2>
${metrics}
<h2>Plots</h2>
${plots}
${plotsFailed}
<h2>Config</h2>
<pre>${escapeHtml(r.configYaml)}</pre>
<h2>Events</h2>
${events}
<h2>Samples</h2>
${samples}
<h2>Artifacts</h2>
${artifacts}
${omitted}
<p class="muted">Bundle format ${escapeHtml(m.format)}. manifest.json lists every file with its sha256.</p>
</body>
</html>
`;
}
