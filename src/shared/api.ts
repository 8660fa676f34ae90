/**
 * The one renderer ↔ backend contract (window.benchtop). The preload exposes it over Electron
 * IPC; browser mode exposes the same methods over a WebSocket. Every method's arguments are
 * validated against API_ARG_SCHEMAS on the receiving side before anything runs.
 */
import { z } from 'zod';
import { RUN_KINDS } from './config/kinds';
import { RUN_STATUSES } from './status';
import type {
  ArtifactRecord,
  DatasetEntry,
  MetricSeries,
  ModelEntry,
  RunEvent,
  RunFilter,
  RunProgress,
  RunRecord,
  SampleRecord,
  MetricPoint,
} from './records';
import { datasetNameSchema, jsonlMappingSchema, type DatasetExample, type JsonlFieldMapping, type JsonlInspection } from './datasets';
import type { Settings } from './settings';
import { sampleQuerySchema, type SamplePage, type SampleQuery } from './sampleQuery';
import type { SweepCancelResult, SweepDetail, SweepSummary } from './sweeps';
import { settingsSchema } from './settings';
import type { RunStatus } from './status';
import { API_METHODS, IPC_INVOKE_CHANNEL, IPC_PUSH_CHANNEL, type ApiMethod } from './apiMethods';

export { API_METHODS, IPC_INVOKE_CHANNEL, IPC_PUSH_CHANNEL, type ApiMethod };

const id = z.string().min(1, 'expected a run id').max(64);

/** Argument tuples, one schema per method. */
export const API_ARG_SCHEMAS = {
  listRuns: z.tuple([
    z
      .object({
        kind: z.enum(RUN_KINDS).optional(),
        status: z.enum(RUN_STATUSES).optional(),
        tag: z.string().max(64).optional(),
        text: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        offset: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  ]),
  getRun: z.tuple([id]),
  createRun: z.tuple([z.record(z.string(), z.unknown())]),
  cancelRun: z.tuple([id]),
  deleteRun: z.tuple([id]),
  restoreRun: z.tuple([id]),
  resumeRun: z.tuple([id, z.object({ trustImported: z.boolean() }).strict().optional()]),
  updateRun: z.tuple([
    id,
    z
      .object({
        name: z.string().max(200, 'expected a name of at most 200 characters').optional(),
        notes: z.string().max(20_000, 'expected notes of at most 20000 characters').optional(),
        tags: z.array(z.string().trim().min(1, 'tags cannot be empty').max(64, 'expected tags of at most 64 characters')).max(50, 'expected at most 50 tags').optional(),
      })
      .strict(),
  ]),
  getMetricKeys: z.tuple([id]),
  getMetricSeries: z.tuple([
    id,
    z.string().min(1).max(200),
    z
      .object({
        fromStep: z.number().optional(),
        toStep: z.number().optional(),
        maxPoints: z.number().int().min(2).max(100_000).optional(),
      })
      .strict()
      .optional(),
  ]),
  getEvents: z.tuple([id, z.object({ afterId: z.number().int().optional(), limit: z.number().int().min(1).max(10_000).optional() }).strict().optional()]),
  getSamples: z.tuple([id, z.object({ limit: z.number().int().min(1).max(10_000).optional(), offset: z.number().int().min(0).optional() }).strict().optional()]),
  querySamples: z.tuple([id, sampleQuerySchema.optional()]),
  getFinalMetrics: z.tuple([
    z.array(id).max(1000, 'expected at most 1000 run ids'),
    z.array(z.string().min(1).max(200)).max(50, 'expected at most 50 metric keys'),
  ]),
  getArtifacts: z.tuple([id]),
  validateConfig: z.tuple([z.unknown()]),
  listModels: z.tuple([]),
  addModel: z.tuple([z.string().min(1, 'expected a model folder path').max(4096)]),
  removeModel: z.tuple([z.string().min(1)]),
  listDatasets: z.tuple([]),
  previewDataset: z.tuple([
    z.string().min(1, 'expected a dataset id').max(200),
    z
      .object({
        count: z.number().int().min(1, 'expected count ≥ 1').max(20, 'expected count ≤ 20').optional(),
        seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
      })
      .strict()
      .optional(),
  ]),
  inspectJsonl: z.tuple([z.string().min(1, 'expected a JSONL file path').max(4096), jsonlMappingSchema.optional()]),
  importDataset: z.tuple([z.string().min(1, 'expected a JSONL file path').max(4096), jsonlMappingSchema, datasetNameSchema]),
  removeDataset: z.tuple([z.string().min(1, 'expected a dataset id').max(200)]),
  getSettings: z.tuple([]),
  updateSettings: z.tuple([settingsSchema.partial().strict()]),
  appInfo: z.tuple([]),
  exportRun: z.tuple([
    id,
    z
      .object({
        include_models: z.boolean().optional(),
        out: z.string().min(1, 'expected a .zip file path').max(4096).optional(),
      })
      .strict()
      .optional(),
  ]),
  importBundle: z.tuple([z.string().min(1, 'expected a bundle (.zip) path').max(4096)]),
  exportLaunch: z.tuple([
    id,
    z
      .object({
        target: z.enum(['trl', 'verl']),
        out: z.string().min(1, 'expected a folder path').max(4096).optional(),
      })
      .strict(),
  ]),
  // The spec is checked field by field by expandSweep (its errors name the swept field and value).
  createSweep: z.tuple([z.record(z.string(), z.unknown())]),
  listSweeps: z.tuple([]),
  getSweep: z.tuple([z.string().min(1, 'expected a sweep id').max(80)]),
  exportSweep: z.tuple([
    z.string().min(1, 'expected a sweep id').max(80),
    z
      .object({
        include_models: z.boolean().optional(),
        out: z.string().min(1, 'expected a .zip file path').max(4096).optional(),
      })
      .strict()
      .optional(),
  ]),
  cancelSweep: z.tuple([z.string().min(1, 'expected a sweep id').max(80)]),
} as const satisfies Record<ApiMethod, z.ZodType>;

// Every schema key is a listed method (the `satisfies` above checks the other direction).
type _NoExtraSchemas = Exclude<keyof typeof API_ARG_SCHEMAS, ApiMethod> extends never ? true : never;
const _noExtraSchemas: _NoExtraSchemas = true;
void _noExtraSchemas;

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser';
  dataDir: string;
  ortVersion: string | null;
  platform: string;
  /** Execution providers this machine can use right now, best first. */
  providers: string[];
}

export interface ConfigCheck {
  ok: boolean;
  issues: { path: string; message: string }[];
  /** Not blocking, worth showing beside the field (tokenizer coverage, examples the engine would skip). */
  warnings?: { path: string; message: string }[];
  /** The config with defaults filled in, when valid. */
  config?: Record<string, unknown>;
}

/** Where a run's launch folder for a cluster trainer goes (exportLaunch). */
export interface ExportLaunchOptions {
  target: 'trl' | 'verl';
  /** A new or empty folder; default <data folder>/launch/<run id>-<target> (a free name). */
  out?: string;
}

export interface ExportLaunchResult {
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
  /** Benchtop fields with no counterpart in the target (listed in MAPPING.md with what to add). */
  unmapped: string[];
}

export interface ExportRunOptions {
  /** Include model weight files (default true); false leaves them out and lists them in the
   * manifest (config.json, tokenizer and LoRA adapters stay). */
  include_models?: boolean;
  /** The .zip to write (replaced when it exists). */
  out?: string;
}

/** Events pushed to every renderer; the renderer filters by runId. */
export type PushEvent =
  | { type: 'run'; run: RunRecord }
  | { type: 'runDeleted'; runId: string }
  | { type: 'progress'; runId: string; progress: RunProgress }
  | { type: 'metrics'; runId: string; points: MetricPoint[] }
  | { type: 'event'; runId: string; event: RunEvent }
  | { type: 'sample'; runId: string; sample: SampleRecord };

export interface BenchtopApi {
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  getRun(id: string): Promise<RunRecord | null>;
  /** Validates, stores as 'queued' and schedules. Rejects with the config issues when invalid. */
  createRun(config: Record<string, unknown>): Promise<RunRecord>;
  cancelRun(id: string): Promise<RunRecord | null>;
  /** Moves a finished run to the trash; restoreRun brings it back (undo). */
  deleteRun(id: string): Promise<void>;
  restoreRun(id: string): Promise<RunRecord | null>;
  /** Queue an interrupted, failed or cancelled run again, resuming from its latest checkpoint
   * (or from the start when it has none). */
  /** An imported run (`run.imported` set, not yet `resumeTrusted`) is refused unless
   * `trustImported`: the UI shows its validated config and asks the user first. */
  resumeRun(id: string, opts?: { trustImported: boolean }): Promise<RunRecord>;
  /** Rename a run or replace its notes or tags; resolves to the updated record (pushed too). */
  updateRun(id: string, patch: { name?: string; notes?: string; tags?: string[] }): Promise<RunRecord>;
  getMetricKeys(id: string): Promise<string[]>;
  getMetricSeries(id: string, key: string, opts?: { fromStep?: number; toStep?: number; maxPoints?: number }): Promise<MetricSeries>;
  getEvents(id: string, opts?: { afterId?: number; limit?: number }): Promise<RunEvent[]>;
  getSamples(id: string, opts?: { limit?: number; offset?: number }): Promise<SampleRecord[]>;
  /** One page of a run's samples, filtered and sorted in the store (shared/sampleQuery.ts). */
  querySamples(id: string, query?: SampleQuery): Promise<SamplePage>;
  /** The last value of each of `keys` for each run, and every key those runs recorded. */
  getFinalMetrics(ids: string[], keys: string[]): Promise<{ keys: string[]; values: Record<string, Record<string, number | null>> }>;
  getArtifacts(id: string): Promise<ArtifactRecord[]>;
  validateConfig(config: unknown): Promise<ConfigCheck>;
  listModels(): Promise<ModelEntry[]>;
  addModel(path: string): Promise<ModelEntry>;
  removeModel(id: string): Promise<void>;
  listDatasets(): Promise<DatasetEntry[]>;
  /** The first `count` (default 3) examples of a dataset: a built-in task's seeded test split
   * (`builtin:<task>`), or the first rows of an imported one. */
  previewDataset(id: string, opts?: { count?: number; seed?: number }): Promise<DatasetExample[]>;
  /** Read a JSONL file's first rows: its fields, a suggested mapping and, with a mapping, the
   * mapped rows or the first problem (file, line, field). Registers nothing. */
  inspectJsonl(path: string, mapping?: JsonlFieldMapping): Promise<JsonlInspection>;
  /** Map every row of a JSONL file and register it as dataset `name`; the first bad row rejects
   * the whole import (message names file, line and field) and nothing is registered. */
  importDataset(path: string, mapping: JsonlFieldMapping, name: string): Promise<DatasetEntry>;
  /** Unregister an imported dataset (built-in generators cannot be removed). */
  removeDataset(id: string): Promise<void>;
  getSettings(): Promise<Settings>;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
  appInfo(): Promise<AppInfo>;
  /** Write the run as a bundle (.zip: manifest with sha256 of every file, config, all metric
   * points, events, samples, artifacts, SVG plots, offline report.html); resolves to the bundle's
   * path. Without `out` it goes to <data folder>/bundles under a free name. */
  exportRun(id: string, options?: ExportRunOptions): Promise<string>;
  /** Verify a bundle against its manifest and add its run (tagged 'imported', a new id when the
   * bundle's id is taken; a running/queued run arrives as interrupted). Refuses damaged,
   * modified or path-escaping bundles without writing anything. */
  importBundle(path: string): Promise<RunRecord>;
  /** Write a launch folder for the same experiment on a cluster (TRL train.py or verl overrides,
   * task data, the verifiers in Python, MAPPING.md); sft and grpo runs only. */
  exportLaunch(id: string, options: ExportLaunchOptions): Promise<ExportLaunchResult>;
  /** Validate a sweep (src/shared/sweeps.ts SweepSpec), then store it and queue all its runs.
   * Rejects naming the swept field and value when any expanded config is invalid. */
  createSweep(spec: Record<string, unknown>): Promise<SweepDetail>;
  /** Every sweep, newest first, with its group progress. */
  listSweeps(): Promise<SweepSummary[]>;
  /** A sweep with its runs, progress and each run's final metrics; null when unknown. */
  getSweep(id: string): Promise<SweepDetail | null>;
  /** Write the whole group as one bundle (each run's bundle inside, plus sweep.json); resolves
   * to its path. importBundle takes it back as a group. */
  exportSweep(id: string, options?: ExportRunOptions): Promise<string>;
  /** Cancel the group's unfinished runs: queued ones at once (first, so none of them starts in
   * a slot a stopping run frees), running ones gracefully as cancelRun does. Finished runs are
   * left as they are. Rejects for an unknown sweep. */
  cancelSweep(id: string): Promise<SweepCancelResult>;
  /** Subscribe to pushed events; returns an unsubscribe function. */
  onEvent(listener: (e: PushEvent) => void): () => void;
}

/** Handler side: the same methods, without the subscription. */
export type ApiHandlers = Omit<BenchtopApi, 'onEvent'>;

export type ValidatedArgs =
  | { ok: true; args: unknown[] }
  | { ok: false; error: string };

/** Validate an untrusted argument list for `method`. */
export function validateApiArgs(method: string, args: unknown): ValidatedArgs {
  if (!Object.prototype.hasOwnProperty.call(API_ARG_SCHEMAS, method)) {
    return { ok: false, error: `unknown API method '${method}'` };
  }
  if (!Array.isArray(args)) return { ok: false, error: `${method}: expected an argument list` };
  const schema = API_ARG_SCHEMAS[method as ApiMethod];
  // Optional trailing arguments may be omitted.
  const res = schema.safeParse(args);
  if (!res.success) {
    const msg = res.error.issues
      .map((i) => `${method} argument ${i.path.length ? i.path.join('.') : ''}: ${i.message}`)
      .join('; ');
    return { ok: false, error: msg };
  }
  return { ok: true, args: res.data as unknown[] };
}


/** WebSocket frames in browser mode. */
export type WsClientFrame = { id: number; method: string; args: unknown[] };
export type WsServerFrame =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { push: PushEvent };

export type { RunRecord, RunStatus };
