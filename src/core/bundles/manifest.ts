/**
 * manifest.json of a run bundle (format `benchtop-bundle/1`): what was exported, from where,
 * and every other file in the zip with its size and sha256. Import trusts nothing in the zip
 * that this schema and those digests do not vouch for.
 */
import { createRequire } from 'node:module';
import { arch, platform, release, type } from 'node:os';
import { z } from 'zod';
import { RUN_KINDS } from '../../shared/config/kinds';
import type { RunRecord } from '../../shared/records';
import { RUN_STATUSES } from '../../shared/status';

export const BUNDLE_FORMAT = 'benchtop-bundle/1';
export const MANIFEST_NAME = 'manifest.json';
/** The largest manifest.json read (it is parsed in memory). */
export const MAX_MANIFEST_BYTES = 32 << 20;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
const bytes = z.number().int().min(0);
const epochMs = z.number().int();

export const manifestFileSchema = z.object({ path: z.string().min(1), bytes, sha256 }).strict();

export const manifestArtifactSchema = z
  .object({
    kind: z.string(),
    /** Where the file is in the bundle (under artifacts/). */
    path: z.string().min(1),
    /** Where the exporting machine had it. */
    original_path: z.string(),
    bytes,
    sha256,
    created_at: epochMs,
    /** The file's digest at export differs from the one recorded when the run registered it. */
    changed_since_recorded: z.boolean().optional(),
  })
  .strict();

export const manifestOmittedSchema = z
  .object({ kind: z.string(), original_path: z.string(), bytes, sha256: z.string(), reason: z.string() })
  .strict();

export const manifestRunSchema = z
  .object({
    id: z.string().min(1).max(64),
    kind: z.enum(RUN_KINDS),
    name: z.string(),
    status: z.enum(RUN_STATUSES),
    config: z.record(z.string(), z.unknown()),
    tags: z.array(z.string().min(1).max(64)),
    model_ref: z.string().nullable(),
    parent_id: z.string().nullable(),
    created_at: epochMs,
    started_at: epochMs.nullable(),
    ended_at: epochMs.nullable(),
    exit_reason: z.string().nullable(),
    device: z.string().nullable(),
    progress: z
      .object({ step: z.number(), total: z.number(), etaSeconds: z.number().nullable().optional(), phase: z.string().optional() })
      .nullable(),
  })
  .strict();

export const manifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    app: z.object({ name: z.string(), version: z.string() }).strict(),
    exported_at: z.string(),
    run: manifestRunSchema,
    environment: z
      .object({
        os: z.string(),
        platform: z.string(),
        arch: z.string(),
        node: z.string(),
        onnxruntime_node: z.string().nullable(),
        execution_provider: z.string().nullable(),
        device: z.string().nullable(),
        seed: z.number().nullable(),
        note: z.string(),
      })
      .strict(),
    counts: z.object({ metric_keys: bytes, metric_points: bytes, events: bytes, samples: bytes }).strict(),
    options: z.object({ include_models: z.boolean() }).strict(),
    artifacts: z.array(manifestArtifactSchema),
    omitted: z.array(manifestOmittedSchema),
    files: z.array(manifestFileSchema),
  })
  .strict();

export type BundleManifest = z.infer<typeof manifestSchema>;
export type ManifestRun = z.infer<typeof manifestRunSchema>;

export function manifestRun(run: RunRecord): ManifestRun {
  return {
    id: run.id,
    kind: run.kind,
    name: run.name,
    status: run.status,
    config: run.config,
    tags: run.tags,
    model_ref: run.modelRef,
    parent_id: run.parentId,
    created_at: run.createdAt,
    started_at: run.startedAt,
    ended_at: run.endedAt,
    exit_reason: run.exitReason,
    device: run.device,
    progress: run.progress,
  };
}

const PROVIDERS = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'];

/** The provider named by a RunRecord.device text ('cpu', 'cuda (…)', a fallback notice), or null. */
export function providerOf(device: string | null): string | null {
  if (!device) return null;
  const first = /^[A-Za-z]+/.exec(device.trim())?.[0]?.toLowerCase();
  if (first && PROVIDERS.includes(first)) return first;
  // The session's fallback notice says which provider it ran on first ("running on CPU: CUDA: …;
  // WebGPU: no Vulkan loader"); the reasons after it name providers that were NOT used.
  const on = /\brunning on ([A-Za-z]+)/i.exec(device)?.[1]?.toLowerCase();
  if (on && PROVIDERS.includes(on)) return on;
  const using = /\busing ([A-Za-z]+)/i.exec(device)?.[1]?.toLowerCase();
  if (using && PROVIDERS.includes(using)) return using;
  return null;
}

/** The onnxruntime-node package version, read without loading the native binding. */
export function onnxruntimeNodeVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return String(require('onnxruntime-node/package.json').version);
  } catch {
    return null;
  }
}

export function bundleEnvironment(run: RunRecord): BundleManifest['environment'] {
  const seed = run.config.seed;
  return {
    os: `${type()} ${release()}`,
    platform: platform(),
    arch: arch(),
    node: process.versions.node,
    onnxruntime_node: onnxruntimeNodeVersion(),
    execution_provider: providerOf(run.device),
    device: run.device,
    seed: typeof seed === 'number' ? seed : null,
    note: 'os, platform, arch, node and onnxruntime_node describe the machine that exported the bundle; execution_provider and device are what the run recorded',
  };
}

/** Parse manifest.json text, with errors that name the field. */
export function parseManifest(text: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== BUNDLE_FORMAT) {
    throw new Error(`manifest.json: format is ${JSON.stringify(format)}; this Benchtop reads '${BUNDLE_FORMAT}' bundles`);
  }
  const res = manifestSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new Error(`manifest.json: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return res.data;
}
