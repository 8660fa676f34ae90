/**
 * The backend side of the renderer API (src/shared/api.ts): every ApiHandlers method, over the
 * run store and the supervisor. Arguments arrive already validated by validateApiArgs (IPC
 * dispatcher, WebSocket server); errors are thrown as Errors whose message a user can act on.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { ApiHandlers, AppInfo, ConfigCheck, PushEvent } from '../shared/api';
import { formatConfigIssues, validateRunConfig } from '../shared/config';
import type { RunRecord } from '../shared/records';
import { availableProviders, ortVersion } from './appInfo';
import { BUILTIN_PREFIX, defaultBuiltinModelsDir, listBuiltinModels } from './builtinModels';
import { exportRunBundle, exportSweepBundle, importRunBundle, importSweepBundle, isSweepBundle } from './bundles';
import { createSweep, sweepDetail } from './sweeps';
import { sweepProgress } from '../shared/sweeps';
import { builtinDatasetEntries, importJsonlDataset, inspectJsonlFile, previewDatasetExamples, removeImportedDataset, type DatasetStoreDeps } from './datasets';
import { inspectModelFolder } from './modelFolder';
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
}

export function createHandlers(d: HandlerDeps): ApiHandlers {
  const { store, supervisor, emit } = d;

  const createRun = async (input: Record<string, unknown>): Promise<RunRecord> => {
    const checked = validateRunConfig(input);
    if (!checked.ok) throw new Error(`invalid run config:\n${formatConfigIssues(checked.issues)}`);
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
    async getArtifacts(id) {
      return store.telemetry.artifacts(id);
    },
    async validateConfig(config): Promise<ConfigCheck> {
      const res = validateRunConfig(config);
      return res.ok ? { ok: true, issues: [], config: res.config as unknown as Record<string, unknown> } : { ok: false, issues: res.issues };
    },
    async listModels() {
      return [...(await listBuiltinModels(builtinModelsDir)), ...store.catalog.listModels()];
    },
    async addModel(path) {
      const abs = resolve(path);
      // A shipped model is listed already; registering its folder again would duplicate it.
      const shipped = (await listBuiltinModels(builtinModelsDir)).find((m) => resolve(m.path) === abs);
      if (shipped) return shipped;
      const info = await inspectModelFolder(abs);
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
      return inspectJsonlFile(path, mapping);
    },
    async importDataset(path, mapping, name) {
      return importJsonlDataset(datasetDeps, path, mapping, name);
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
      const res = await exportRunBundle({ store, dataDir: d.dataDir, appVersion: d.appVersion }, id, { includeModels: options?.include_models, out: options?.out });
      return res.path;
    },
    async importBundle(path) {
      // A sweep bundle comes back as a group; the first of its runs is returned.
      if (await isSweepBundle(path)) {
        const { runs } = await importSweepBundle({ store, dataDir: d.dataDir }, path);
        for (const run of runs) emit({ type: 'run', run });
        return runs[0]!;
      }
      const run = await importRunBundle({ store, dataDir: d.dataDir }, path);
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
    async exportSweep(id, options) {
      const res = await exportSweepBundle({ store, dataDir: d.dataDir, appVersion: d.appVersion }, id, { includeModels: options?.include_models, out: options?.out });
      return res.path;
    },
  };
}
