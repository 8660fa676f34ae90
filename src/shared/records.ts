import type { RunStatus } from './status';
import type { RunConfigOf, RunKind } from './kinds';
import type { RunSweepRef } from './sweeps';

/**
 * One row of the run history as every process sees it. Times are epoch milliseconds. `config` is
 * the config as stored (it may predate the current schema); narrow with isRunOfKind to read it
 * through the kind's config type.
 */
export interface RunRecord {
  id: string;
  kind: RunKind;
  name: string;
  /** Free-text notes (set at creation from config.notes, editable later). */
  notes?: string;
  status: RunStatus;
  config: Record<string, unknown>;
  modelRef: string | null;
  tags: string[];
  parentId: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  exitReason: string | null;
  /** Latest progress reported by the runner. */
  progress: RunProgress | null;
  /** Execution provider actually used ('cpu', 'cuda', 'webgpu'), with any fallback notice. */
  device: string | null;
  /** Set for a run imported from a bundle: where it came from, and whether the user confirmed its
   * (validated) config so it may be resumed here. Absent/null for runs made on this machine. */
  imported?: ImportedOrigin | null;
  /** Set for a run made by a sweep: the group and this run's swept values (src/shared/sweeps.ts). */
  sweep?: RunSweepRef | null;
}

export interface ImportedOrigin {
  /** Bundle file name (no folder). */
  bundle: string;
  sourceRunId: string;
  exportedAt: string;
  /** Benchtop version that exported it. */
  appVersion: string;
  /** The user confirmed the validated config: Resume is allowed. */
  resumeTrusted: boolean;
}

/** A run of one kind, its config typed by that kind's schema (fields may be missing in old records). */
export type RunRecordOf<K extends RunKind> = Omit<RunRecord, 'kind' | 'config'> & { kind: K; config: Partial<RunConfigOf<K>> & Record<string, unknown> };

export function isRunOfKind<K extends RunKind>(run: RunRecord, kind: K): run is RunRecord & RunRecordOf<K> {
  return run.kind === kind;
}

export interface RunProgress {
  step: number;
  total: number;
  /** Seconds remaining, estimated by the runner; null while unknown. */
  etaSeconds: number | null;
  /** Short phase label, e.g. 'train', 'eval', 'generate'. */
  phase?: string;
}

export interface MetricPoint {
  key: string;
  step: number;
  value: number;
  time: number;
}

export interface MetricSeries {
  key: string;
  steps: number[];
  values: number[];
  /** True when the series was down-sampled to fit the requested number of points. */
  downsampled: boolean;
}

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunEvent {
  id?: number;
  runId: string;
  time: number;
  level: EventLevel;
  text: string;
}

export interface SampleRecord {
  id?: number;
  runId: string;
  step: number;
  prompt: string;
  completion: string;
  reward: number | null;
  extra: Record<string, unknown>;
}

export interface ArtifactRecord {
  id?: number;
  runId: string;
  kind: string;
  path: string;
  bytes: number;
  sha256: string;
  createdAt: number;
}

export interface ModelEntry {
  id: string;
  name: string;
  path: string;
  architecture: string;
  parameters: number | null;
  builtin: boolean;
  addedAt: number;
  info: Record<string, unknown>;
}

export interface DatasetEntry {
  id: string;
  name: string;
  /** 'builtin' for generated task datasets, 'jsonl' for imported files. */
  source: 'builtin' | 'jsonl';
  path: string | null;
  rows: number;
  addedAt: number;
  info: Record<string, unknown>;
}

export interface RunFilter {
  kind?: RunKind;
  status?: RunStatus;
  tag?: string;
  text?: string;
  limit?: number;
  offset?: number;
}
