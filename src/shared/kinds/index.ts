/**
 * Every run kind Benchtop knows, as one list. Everything that used to be a hand-kept registry is
 * derived from it: the kind names, the config schemas and their union, labels, presets, the
 * engine's executors (src/engine/executors.ts), the run page's results view and Compare's plan.
 * Adding a kind = one module here + its engine folder + its view (docs/dev/ADD-A-RUN-KIND.md).
 */
import { z } from 'zod';
import type { KindPreset, RunKindModule } from './define';
import { pretrainKind } from './pretrain';
import { sftKind } from './sft';
import { evalKind } from './eval';
import { pruneKind } from './prune';
import { grpoKind } from './grpo';
import { valueKind } from './value';

export const RUN_KIND_MODULES = [pretrainKind, sftKind, evalKind, pruneKind, grpoKind, valueKind] as const;

type Modules = typeof RUN_KIND_MODULES;
type AnyModule = Modules[number];

export type RunKind = AnyModule['kind'];
export type RunKindModuleOf<K extends RunKind> = Extract<AnyModule, { kind: K }>;
export type ConfigSchemaOf<K extends RunKind> = RunKindModuleOf<K>['schema'];

// Homomorphic over the tuple only through a type parameter.
type KindsOf<T extends readonly { kind: string }[]> = { readonly [I in keyof T]: T[I]['kind'] };
type SchemasOf<T extends readonly { schema: z.ZodType }[]> = { -readonly [I in keyof T]: T[I]['schema'] };

export const RUN_KINDS = RUN_KIND_MODULES.map((m) => m.kind) as unknown as KindsOf<Modules>;

export function isRunKind(value: unknown): value is RunKind {
  return typeof value === 'string' && (RUN_KINDS as readonly string[]).includes(value);
}

/** The module of a kind (throws on an unknown name: callers validate first). */
export function runKindModule<K extends RunKind>(kind: K): RunKindModuleOf<K> {
  const m = RUN_KIND_MODULES.find((x) => x.kind === kind);
  if (!m) throw new Error(`unknown run kind '${kind}': expected one of ${RUN_KINDS.join(', ')}`);
  return m as RunKindModuleOf<K>;
}

/** The module of a kind seen through the kind-agnostic interface (for code that does not narrow). */
export function kindModule(kind: RunKind): RunKindModule<RunKind, z.ZodType> {
  return runKindModule(kind) as unknown as RunKindModule<RunKind, z.ZodType>;
}

export const CONFIG_SCHEMAS = Object.fromEntries(RUN_KIND_MODULES.map((m) => [m.kind, m.schema])) as { [K in RunKind]: ConfigSchemaOf<K> };

export const runConfigSchema = z.discriminatedUnion(
  'kind',
  RUN_KIND_MODULES.map((m) => m.schema) as unknown as SchemasOf<Modules>,
);
export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigOf<K extends RunKind> = Extract<RunConfig, { kind: K }>;

export const RUN_KIND_LABELS = Object.fromEntries(RUN_KIND_MODULES.map((m) => [m.kind, { title: m.title, description: m.description }])) as Record<
  RunKind,
  { title: string; description: string }
>;

export type ConfigPreset = KindPreset<RunKind>;

/** Every preset, kind by kind in list order. */
export const PRESETS: ConfigPreset[] = RUN_KIND_MODULES.flatMap((m) => m.presets as readonly ConfigPreset[]);

export type { KindPlot, KindPreset, KindResultsView, RunKindModule } from './define';
