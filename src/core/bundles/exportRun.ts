/**
 * Export one run as a bundle (.zip): config, every metric point, events, samples, artifact
 * files, SVG plots and an offline report.html, with manifest.json (written last) listing every
 * other file's size and sha256. The zip is written to a temporary name next to the target and
 * renamed into place only when complete.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import type { ArtifactRecord, RunRecord } from '../../shared/records';
import type { RunStore } from '../store';
import { entryNameProblem, NameSet, safeSegment } from './entryNames';
import { BUNDLE_FORMAT, bundleEnvironment, MANIFEST_NAME, manifestRun, type BundleManifest } from './manifest';
import { renderPlots } from './plots';
import { isRunKind, kindModule } from '../../shared/kinds';
import { renderReport, REPORT_EVENTS, REPORT_SAMPLES } from './report';
import {
  CONFIG_YAML,
  EVENTS_JSONL,
  eventJsonLine,
  METRICS_CSV,
  METRICS_CSV_HEADER,
  METRICS_JSONL,
  metricCsvLine,
  metricJsonLine,
  SAMPLES_JSONL,
  sampleJsonLine,
} from './tables';
import { METHOD_DEFLATE, METHOD_STORE, ZipWriter } from './zipWriter';

export interface BundleDeps {
  store: RunStore;
  /** The data folder (runs live in <dataDir>/runs/<id>). */
  dataDir: string;
  appVersion: string;
}

export interface ExportOptions {
  /** Include model weight files (default true); false leaves them out and lists them. */
  includeModels?: boolean;
  /** The .zip to write (replaced if it exists). Default: a free name in `defaultDir`. */
  out?: string;
  /** Where a bundle goes without `out` (default <dataDir>/bundles). */
  defaultDir?: string;
}

export interface ExportResult {
  path: string;
  bytes: number;
  manifest: BundleManifest;
}

/** Weight tensors of a model folder. LoRA adapters are kept even without models: they are
 * small and they are what an SFT run produced. */
const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|ckpt|onnx|onnx_data|data|gguf|h5|msgpack|npz|npy)$/i;
/** Files that do not shrink under deflate; stored as they are. */
const INCOMPRESSIBLE = /\.(safetensors|bin|pt|pth|ckpt|onnx|onnx_data|gguf|h5|msgpack|npz|npy|zip|gz|xz|zst|bz2|7z|png|jpe?g|webp|gif)$/i;

export function isModelWeightFile(path: string, kind: string): boolean {
  return WEIGHT_FILE.test(path) && !kind.startsWith('lora-adapter');
}

/** Text chunks of about 256 kB from a line generator (fewer, larger zip writes). */
function* chunked(lines: Iterable<string>): Generator<string> {
  let buf = '';
  for (const l of lines) {
    buf += l;
    if (buf.length >= 1 << 18) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

function* withHeader(header: string, lines: Iterable<string>): Generator<string> {
  yield header;
  yield* lines;
}

function* counted<T>(items: Iterable<T>, count: () => void): Generator<T> {
  for (const x of items) {
    count();
    yield x;
  }
}

type Telemetry = RunStore['telemetry'];

/** Every event of a run, in pages (a long run logs many). */
function* eventLines(telemetry: Telemetry, id: string): Generator<string> {
  const PAGE = 5000;
  for (let after = 0; ; ) {
    const page = telemetry.events(id, { afterId: after, limit: PAGE });
    for (const e of page) yield eventJsonLine(e);
    if (page.length < PAGE) return;
    after = page[page.length - 1].id!;
  }
}

function* sampleLines(telemetry: Telemetry, id: string): Generator<string> {
  const PAGE = 2000;
  for (let offset = 0; ; offset += PAGE) {
    const page = telemetry.samples(id, { limit: PAGE, offset });
    for (const s of page) yield sampleJsonLine(s);
    if (page.length < PAGE) return;
  }
}

/** Split "a/b/c.json" into ["a/b/c", ".json"] for NameSet.unique. */
function splitExt(p: string): [string, string] {
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  return dot > slash + 1 ? [p.slice(0, dot), p.slice(dot)] : [p, ''];
}

/** Where each artifact goes in the bundle: artifacts/<path relative to the run folder>, or for
 * files outside it artifacts/external/<n>/<name>, one <n> per source folder so a model folder's
 * files stay together. */
function artifactPaths(artifacts: ArtifactRecord[], runDir: string, names: NameSet): Map<ArtifactRecord, string> {
  const out = new Map<ArtifactRecord, string>();
  const externalDirs = new Map<string, number>();
  for (const a of artifacts) {
    const abs = resolve(a.path);
    let p: string;
    if (abs.startsWith(runDir + sep)) {
      const rel = relative(runDir, abs).split(sep);
      p = `artifacts/${rel.join('/')}`;
      if (entryNameProblem(p)) p = `artifacts/${rel.map(safeSegment).join('/')}`;
    } else {
      const dir = dirname(abs);
      if (!externalDirs.has(dir)) externalDirs.set(dir, externalDirs.size + 1);
      p = `artifacts/external/${externalDirs.get(dir)}/${safeSegment(basename(abs))}`;
    }
    out.set(a, names.unique(...splitExt(p)));
  }
  return out;
}

/** A name like `benchtop-run-<id>.zip` in `dir` that does not exist yet. */
function freeBundlePath(dir: string, run: RunRecord): string {
  const base = `benchtop-run-${run.id}`;
  let p = join(dir, `${base}.zip`);
  for (let i = 2; existsSync(p); i++) p = join(dir, `${base}-${i}.zip`);
  return p;
}

function outputPath(deps: BundleDeps, run: RunRecord, opts: ExportOptions): string {
  if (opts.out === undefined) {
    const dir = resolve(opts.defaultDir ?? join(deps.dataDir, 'bundles'));
    mkdirSync(dir, { recursive: true });
    return freeBundlePath(dir, run);
  }
  const out = resolve(opts.out);
  if (!/\.zip$/i.test(out)) throw new Error(`export: the bundle file must end in .zip, got '${opts.out}'`);
  const parent = dirname(out);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new Error(`export: folder '${parent}' does not exist`);
  return out;
}

export async function exportRunBundle(deps: BundleDeps, runId: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const { store } = deps;
  const run = store.runs.get(runId, { includeDeleted: true });
  if (!run) throw new Error(`export: no run with id '${runId}'`);
  const includeModels = opts.includeModels ?? true;
  const out = outputPath(deps, run, opts);
  const tmp = join(dirname(out), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`);
  const zip = await ZipWriter.create(tmp);
  try {
    const done = await writeBundle(deps, run, includeModels, zip);
    await rename(tmp, out);
    return { path: out, bytes: done.size, manifest: done.manifest };
  } catch (err) {
    await zip.abort().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

async function writeBundle(deps: BundleDeps, run: RunRecord, includeModels: boolean, zip: ZipWriter): Promise<{ size: number; manifest: BundleManifest }> {
  const { telemetry } = deps.store;
  const id = run.id;
  const names = new NameSet();
  for (const n of [MANIFEST_NAME, CONFIG_YAML, METRICS_CSV, METRICS_JSONL, EVENTS_JSONL, SAMPLES_JSONL, 'report.html']) names.add(n);
  const text = { method: METHOD_DEFLATE };

  const configYaml = stringify(run.config);
  await zip.add(CONFIG_YAML, configYaml, text);

  const keys = telemetry.metricKeys(id);
  const counts = { metricPoints: 0, events: 0, samples: 0 };
  function* metricLines(line: typeof metricJsonLine): Generator<string> {
    for (const k of keys) for (const p of telemetry.metricPoints(id, k)) yield line(p);
  }
  await zip.add(METRICS_CSV, chunked(withHeader(METRICS_CSV_HEADER, metricLines(metricCsvLine))), text);
  await zip.add(METRICS_JSONL, chunked(counted(metricLines(metricJsonLine), () => counts.metricPoints++)), text);
  await zip.add(EVENTS_JSONL, chunked(counted(eventLines(telemetry, id), () => counts.events++)), text);
  await zip.add(SAMPLES_JSONL, chunked(counted(sampleLines(telemetry, id), () => counts.samples++)), text);

  const series = keys.map((k) => ({ ...telemetry.metricSeries(id, k, { maxPoints: 2000 }), totalPoints: telemetry.metricCount(id, k) }));
  const kindPlots = isRunKind(run.kind) ? (kindModule(run.kind).plots?.(Object.fromEntries(series.map((s) => [s.key, s]))) ?? []) : [];
  const { plots, skipped, failed } = await renderPlots(series, { kindPlots });
  for (const p of plots) {
    names.add(p.path);
    await zip.add(p.path, p.svg, text);
  }

  // The latest registration of a path wins (a resumed run may register a file again).
  const byPath = new Map<string, ArtifactRecord>();
  for (const a of telemetry.artifacts(id)) byPath.set(resolve(a.path), a);
  const runDir = resolve(deps.dataDir, 'runs', id);
  const artifactList = [...byPath.values()];
  const omitted: BundleManifest['omitted'] = [];
  const kept: ArtifactRecord[] = [];
  for (const a of artifactList) {
    const st = await stat(a.path).catch(() => null);
    if (!st || !st.isFile()) {
      omitted.push({ kind: a.kind, original_path: a.path, bytes: a.bytes, sha256: a.sha256, reason: 'the file was not found when the run was exported' });
    } else if (!includeModels && isModelWeightFile(a.path, a.kind)) {
      omitted.push({ kind: a.kind, original_path: a.path, bytes: st.size, sha256: a.sha256, reason: 'model weights left out (include_models: false)' });
    } else kept.push(a);
  }
  const paths = artifactPaths(kept, runDir, names);
  const artifacts: BundleManifest['artifacts'] = [];
  for (const a of kept) {
    const path = paths.get(a)!;
    const size = (await stat(a.path)).size;
    const w = await zip.addFile(path, a.path, { method: INCOMPRESSIBLE.test(a.path) ? METHOD_STORE : METHOD_DEFLATE, sizeHint: size });
    artifacts.push({
      kind: a.kind,
      path,
      original_path: a.path,
      bytes: w.bytes,
      sha256: w.sha256,
      created_at: a.createdAt,
      ...(w.sha256 !== a.sha256 ? { changed_since_recorded: true } : {}),
    });
  }

  const head: Omit<BundleManifest, 'files'> = {
    format: BUNDLE_FORMAT,
    app: { name: 'benchtop', version: deps.appVersion },
    exported_at: new Date().toISOString(),
    run: manifestRun(run),
    environment: bundleEnvironment(run),
    counts: { metric_keys: keys.length, metric_points: counts.metricPoints, events: counts.events, samples: counts.samples },
    options: { include_models: includeModels },
    artifacts,
    omitted,
  };
  const report = renderReport({
    manifest: head,
    configYaml,
    lastMetrics: telemetry.lastMetrics(id),
    plots,
    plotsSkipped: skipped,
    plotsFailed: failed,
    events: telemetry.events(id, { limit: REPORT_EVENTS }),
    samples: telemetry.samples(id, { limit: REPORT_SAMPLES }),
  });
  await zip.add('report.html', report, text);

  const manifest: BundleManifest = { ...head, files: zip.written.map((e) => ({ path: e.name, bytes: e.bytes, sha256: e.sha256 })) };
  await zip.add(MANIFEST_NAME, JSON.stringify(manifest, null, 2) + '\n', text);
  return { size: await zip.close(), manifest };
}
