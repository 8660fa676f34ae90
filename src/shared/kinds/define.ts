/**
 * What a run kind is: one object holding its config schema (with defaults and field docs), its
 * label, presets, how its metrics are shown and which results view its run page uses, and which
 * engine folder executes it. The registries (RUN_KINDS, CONFIG_SCHEMAS, the config union, labels,
 * presets, the engine's executor map, the run page's view, Compare's plan) are all derived from
 * the list in ./index.ts — docs/dev/ADD-A-RUN-KIND.md.
 */
import type { z } from 'zod';
import type { EChartsOption } from 'echarts';
import type { MetricSeries } from '../records';

/** A named starting point shown in the config editor: a partial config the schema completes. */
export interface KindPreset<K extends string = string> {
  id: string;
  kind: K;
  title: string;
  description: string;
  config: Record<string, unknown>;
  /** A preset that compares arms (decision 0038): the editor opens its Sweep section with this name and grid. */
  sweep?: { name: string; grid: { path: string; values: (string | number | boolean | null)[] }[] };
}

/** A chart a kind draws from its series: shown by its results view and written to its bundles as SVG. */
export interface KindPlot {
  /** File name inside the bundle's plots/ folder (without .svg). */
  name: string;
  title: string;
  /** ECharts option, a pure function of the series (no functions inside: it is rendered in Node too). */
  option: EChartsOption;
}

/** The results section of a run page, drawn by a component in src/renderer/src/views/<view>.vue. */
export interface KindResultsView {
  /** File name (without .vue) of the view component in src/renderer/src/views. */
  view: string;
  /** Section heading on the run page. */
  title: string;
  /**
   * True when the view is the run's main output (its metrics are one-off results): the page then
   * shows no "Metrics" section unless other curves exist. False when it complements the curves
   * and appears only once there is something to show (a training run's final evals).
   */
  primary: boolean;
}

export interface RunKindModule<K extends string = string, S extends z.ZodType = z.ZodType> {
  kind: K;
  /** The config schema: every field with its default and `.meta({ description })`. */
  schema: S;
  title: string;
  description: string;
  presets: readonly KindPreset<K>[];
  /**
   * The engine folder (under src/engine) whose `run.ts` exports the executor under `executor`'s
   * name. The engine looks it up here; shared code never imports the engine.
   */
  engine: { folder: string; executor: string };
  results?: KindResultsView;
  /** Keys the results view draws, so the run page gives them no line chart. */
  isResultKey?(key: string): boolean;
  /** Keys that are one result per run (Compare draws them as bars, not lines). */
  isSingleResultKey?(key: string): boolean;
  /** The kind's own charts, from the same builders its results view uses (bundles render them to SVG). */
  plots?(series: Record<string, MetricSeries>, config: z.output<S>): KindPlot[];
  /** Task names of a config in their listed order (results and Compare sort by it). */
  taskOrder(config: z.output<S>): string[];
}

/** Identity with inference: keeps the literal kind and the schema's type. */
export function defineRunKind<const K extends string, S extends z.ZodType>(m: RunKindModule<K, S>): RunKindModule<K, S> {
  return m;
}

/** Task names of a list of task references (tolerant of partial configs). */
export function taskNames(tasks: readonly { task?: unknown }[] | undefined): string[] {
  return (Array.isArray(tasks) ? tasks : []).map((t) => String(t?.task ?? ''));
}
