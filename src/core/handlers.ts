/**
 * The backend side of the renderer API (src/shared/api.ts): every ApiHandlers method, over the
 * run store and the supervisor. Arguments arrive already validated by validateApiArgs (IPC
 * dispatcher, WebSocket server); errors are thrown as Errors whose message a user can act on.
 */
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { ApiHandlers, AppInfo, ConfigCheck, PushEvent } from '../shared/api';
import type { RunRecord } from '../shared/records';
import { failedBeforeFirstStep } from '../shared/runRetry';
import { availableProviders, ortVersion } from './appInfo';
import { BUILTIN_PREFIX, defaultBuiltinModelsDir, listBuiltinModels } from './builtinModels';
import { exportRunBundle, exportSweepBundle, importRunBundle, importSweepBundle, isSweepBundle } from './bundles';
import { defaultLaunchDir, exportLaunch } from './launch/exportLaunch';
import { createSweep, sweepDetail } from './sweeps';
import { sweepProgress } from '../shared/sweeps';
import { builtinDatasetEntries, importJsonlDataset, inspectJsonlFile, previewDatasetExamples, removeImportedDataset, type DatasetStoreDeps } from './datasets';
import { createPathPolicy, type PathPolicy } from './pathPolicy';
import { PreflightError, checkModelFolder, preflightRun, type PreflightOptions } from './preflight';
import { newRunId } from './runId';
import { readSettings, writeSettings } from './settings';
import type { RunStore } from './store';
import type { Supervisor } from './supervisor/supervisor';

export interface HandlerDeps {
  store: RunStore;
  supervisor: Supervisor;
  emit(e: PushEvent): void;
  dataDir: string;
  mode: 'electron' | 'browser' | 'cli';
  appVersion: string;
  /** Where the shipped models live (resources/models); tests point it elsewhere. */
  builtinModelsDir?: string;
  /** Check configs against the engine before queueing (model folder, tasks, lengths); false when
   * another executor runs them (a test runner entry). Default true. */
  engineChecks?: boolean;
  /** Which paths the API may read and write (default: no limit). Browser mode limits them to the
   * data folder, the shipped models and the folders `serve` was told to allow. */
  pathPolicy?: PathPolicy;
}

export function createHandlers(d: HandlerDeps): ApiHandlers {
  const { store, supervisor, emit } = d;


  const paths = d.pathPolicy ?? createPathPolicy({ limited: false, roots: [] });
  const preflight: PreflightOptions = { dataDir: d.dataDir, builtinModelsDir: d.builtinModelsDir, engine: d.engineChecks !== false, paths };

  const createRun = async (input: Record<string, unknown>): Promise<RunRecord> => {
    // Everything is checked before the record exists: a refused config leaves no trace.
    const checked = await preflightRun(input, preflight);
    if (!checked.ok || !checked.config) throw new PreflightError(checked.issues);
    const config = checked.config;
    const now = Date.now();
    const id = newRunId(now);
    const run = store.runs.create({
      id,
      kind: config.kind,
      name: config.name || `${config.kind} ${id.slice(-6)}`,
      notes: config.notes,
      config: config as unknown as Record<string, unknown>,
      modelRef: 'model' in config && typeof config.model === 'string' ? config.model : null,
      tags: config.tags,
      parentId: null,
      createdAt: now,
      owner: supervisor.owner,
    });
    // The checks' warnings (tokenizer coverage, skipped examples) open the run's log.
    if (checked.warnings.length) {
      store.telemetry.insertEvents(checked.warnings.map((w) => ({ runId: id, time: now, level: 'warn' as const, text: `preflight: ${w.path}: ${w.message}` })));
    }
    emit({ type: 'run', run });
    supervisor.enqueue(id);
    return store.runs.get(id) ?? run;
  };

  const builtinModelsDir = d.builtinModelsDir ?? defaultBuiltinModelsDir();
  const datasetDeps: DatasetStoreDeps = { catalog: store.catalog, datasetsDir: join(d.dataDir, 'datasets') };

  return {
    async listRuns(filter) {
      return store.runs.list(filter);
    },
    async getRun(id) {
      return store.runs.get(id);
    },
    createRun,
    async cancelRun(id) {
      return supervisor.cancel(id);
    },
    async deleteRun(id) {
      store.runs.softDelete(id, Date.now());
      emit({ type: 'runDeleted', runId: id });
    },
    async restoreRun(id) {
      const run = store.runs.restore(id);
      if (run) emit({ type: 'run', run });
      return run;
    },
    async resumeRun(id, opts) {
      const r = store.runs.get(id);
      // (An imported run follows the import rules first: its config must be confirmed.)
      if (r && !r.imported && failedBeforeFirstStep(r) && !store.telemetry.checkpoint(id)) {
        throw new Error(`run '${id}' failed before its first step${r.exitReason ? ` (${r.exitReason})` : ''}: there is nothing to resume; edit its config and run it again`);
      }
      return supervisor.resume(id, { trustImported: opts?.trustImported === true });
    },
    async getMetricKeys(id) {
      return store.telemetry.metricKeys(id);
    },
    async getMetricSeries(id, key, opts) {
      return store.telemetry.metricSeries(id, key, opts);
    },
    async getEvents(id, opts) {
      return store.telemetry.events(id, opts);
    },
    async getSamples(id, opts) {
      return store.telemetry.samples(id, opts);
    },
    async updateRun(id, patch) {
      const run = store.runs.updateMeta(id, patch);
      if (!run) throw new Error(`run ${id} not found (it may be in the trash)`);
      emit({ type: 'run', run });
      return run;
    },
    async getFinalMetrics(ids, keys) {
      return store.finals.query(ids, keys);
    },
    async querySamples(id, query) {
      return store.samples.query(id, query);
    },
    async getArtifacts(id) {
      return store.telemetry.artifacts(id);
    },
    async validateConfig(config): Promise<ConfigCheck> {
      const res = await preflightRun(config, preflight);
      return res.ok && res.config
        ? { ok: true, issues: [], warnings: res.warnings, config: res.config as unknown as Record<string, unknown> }
        : { ok: false, issues: res.issues, warnings: res.warnings };
    },
    async listModels() {
      return [...(await listBuiltinModels(builtinModelsDir)), ...store.catalog.listModels()];
    },
    async addModel(path) {
      const abs = paths.check(path, 'read', 'model folder');
      // A shipped model is listed already; registering its folder again would duplicate it.
      const shipped = (await listBuiltinModels(builtinModelsDir)).find((m) => resolve(m.path) === abs);
      if (shipped) return shipped;
      // The tokenizer too: a folder that registers must also load when a run uses it.
      const { info } = await checkModelFolder(abs);
      const existing = store.catalog.getModelByPath(abs);
      return store.catalog.upsertModel({
        id: existing?.id ?? `model-${createHash('sha256').update(abs).digest('hex').slice(0, 12)}`,
        name: info.name,
        path: abs,
        architecture: info.architecture,
        parameters: info.parameters,
        builtin: false,
        addedAt: existing?.addedAt ?? Date.now(),
        info: info.info,
      });
    },
    async removeModel(id) {
      if (id.startsWith(BUILTIN_PREFIX)) throw new Error(`'${id.slice(BUILTIN_PREFIX.length)}' is built in and cannot be removed`);
      const m = store.catalog.getModel(id);
      if (!m) throw new Error(`no registered model with id '${id}'`);
      if (m.builtin) throw new Error(`'${m.name}' is built in and cannot be removed`);
      store.catalog.removeModel(id);
    },
    async listDatasets() {
      return [...builtinDatasetEntries(), ...store.catalog.listDatasets()];
    },
    async previewDataset(id, opts) {
      return previewDatasetExamples(datasetDeps, id, opts?.count ?? 3, opts?.seed ?? 0);
    },
    async inspectJsonl(path, mapping) {
      return inspectJsonlFile(paths.check(path, 'read', 'JSONL file'), mapping);
    },
    async importDataset(path, mapping, name) {
      return importJsonlDataset(datasetDeps, paths.check(path, 'read', 'JSONL file'), mapping, name);
    },
    async removeDataset(id) {
      removeImportedDataset(datasetDeps, id);
    },
    async getSettings() {
      return readSettings(store);
    },
    async updateSettings(patch) {
      const s = writeSettings(store, patch);
      // A higher concurrency may let queued runs start now.
      supervisor.pump();
      return s;
    },
    async appInfo(): Promise<AppInfo> {
      return {
        version: d.appVersion,
        mode: d.mode === 'electron' ? 'electron' : 'browser',
        dataDir: d.dataDir,
        ortVersion: ortVersion(),
        platform: `${process.platform}-${process.arch}`,
        providers: availableProviders(),
      };
    },
    async exportRun(id, options) {
      const out = options?.out === undefined ? undefined : paths.check(options.out, 'write', 'bundle path');
      const res = await exportRunBundle({ store, dataDir: d.dataDir, appVersion: d.appVersion }, id, { includeModels: options?.include_models, out });
      return res.path;
    },
    async exportLaunch(id, options) {
      const res = exportLaunch({ store, dataDir: d.dataDir }, id, { target: options.target, out: options.out ?? defaultLaunchDir(d.dataDir, id, options.target) });
      return { dir: res.dir, files: res.files, unmapped: res.unmapped };
    },
    async importBundle(path) {
      const file = paths.check(path, 'read', 'bundle');
      let run: RunRecord;
      try {
        // A sweep bundle comes back as a group; the first of its runs is returned.
        if (await isSweepBundle(file)) {
          const { runs } = await importSweepBundle({ store, dataDir: d.dataDir }, file);
          for (const r of runs) emit({ type: 'run', run: r });
          return runs[0]!;
        }
        run = await importRunBundle({ store, dataDir: d.dataDir }, file);
      } catch (e) {
        // Every refusal names the bundle (some checks speak of manifest.json alone).
        const name = basename(path);
        if (e instanceof Error && !e.message.includes(name)) e.message = `${name}: ${e.message}`;
        throw e;
      }
      emit({ type: 'run', run });
      return run;
    },
    async createSweep(spec) {
      const { sweep } = createSweep({ store, supervisor, emit }, spec);
      return sweepDetail(store, sweep.id)!;
    },
    async listSweeps() {
      return store.sweeps.list().map((sweep) => ({ sweep, progress: sweepProgress(store.sweeps.runs(sweep.id)) }));
    },
    async getSweep(id) {
      return sweepDetail(store, id);
    },
    async cancelSweep(id) {
      if (!store.sweeps.get(id)) throw new Error(`no sweep with id '${id}'`);
      const runs = store.sweeps.runs(id);
      // Queued first: cancelling a running run frees its slot, and the next queued run of this
      // same group would start in it.
      const cancelled = runs.filter((r) => r.status === 'queued').map((r) => r.id);
      for (const runId of cancelled) supervisor.cancel(runId);
      const stopping = runs.filter((r) => r.status === 'running').map((r) => r.id);
      for (const runId of stopping) supervisor.cancel(runId);
      return { cancelled, stopping, detail: sweepDetail(store, id)! };
    },
    async exportSweep(id, options) {
      const res = await exportSweepBundle({ store, dataDir: d.dataDir, appVersion: d.appVersion }, id, {
        includeModels: options?.include_models,
        out: options?.out === undefined ? undefined : paths.check(options.out, 'write', 'bundle path'),
      });
      return res.path;
    },
  };
}
