/**
 * The `score` run kind: per-example log-probabilities of a dataset or task examples under a model
 * (teacher-forced, one forward pass per batch), shown as a histogram. The smallest kind: it shows
 * how a kind is put together (docs/dev/ADD-A-RUN-KIND.md). Engine side: src/engine/score; view:
 * src/renderer/src/views/ScoreHistogramView.vue.
 */
import { z } from 'zod';
import type { EChartsOption } from 'echarts';
import type { MetricSeries } from '../records';
import { commonFields } from '../config/common';
import { taskRefSchema } from '../config/taskRefs';
import { BUILTIN_EVAL_TASKS, BUILTIN_MODEL_REF } from '../config/builtinModel';
import { defineRunKind, taskNames } from './define';

export const SCORE_SPANS = ['completion', 'full'] as const;

export const scoreConfigSchema = z
  .object({
    kind: z.literal('score'),
    ...commonFields,
    model: z.string().min(1, 'expected a model folder path or a registered model id').meta({ description: 'The model that scores: a folder path, a registered model id, builtin:<name> or run:<id>.' }),
    tasks: z.array(taskRefSchema).min(1, 'expected at least one task or dataset').meta({ description: 'Tasks (generators) or imported datasets whose examples are scored; weights are ignored.' }),
    split: z.enum(['test', 'train']).default('test').meta({ description: 'Which split of each task the examples come from.' }),
    num_examples: z.number().int('expected a whole number').positive('expected ≥ 1 example per task').max(100_000).default(100).meta({ description: 'Examples scored per task.' }),
    span: z.enum(SCORE_SPANS).default('completion').meta({ description: "completion: log p(answer | prompt), the answer tokens only; full: log p(prompt + answer) from the first token on (ALGORITHMS.md §5.1 scores choices the same way)." }),
    per_token: z.boolean().default(false).meta({ description: 'Histogram the mean log-prob per token instead of the summed log-prob of each example (length-normalised).' }),
    bins: z.number().int('expected a whole number').min(2, 'expected ≥ 2 bins').max(200, 'expected ≤ 200 bins').default(30).meta({ description: 'Equal-width histogram bins between the lowest and the highest value.' }),
    batch_size: z.number().int('expected a whole number').positive('expected a batch size > 0').max(4096).default(16).meta({ description: 'Sequences per forward pass.' }),
  })
  .strict();
export type ScoreConfig = z.infer<typeof scoreConfigSchema>;

/** Metric keys of a score run. The histogram is bin i at step i (lower edge and count). */
export const SCORE_KEYS = {
  mean: 'logprob/mean',
  meanPerToken: 'logprob/mean_per_token',
  examples: 'logprob/examples',
  binLower: 'histogram/lower',
  binCount: 'histogram/count',
  binWidth: 'histogram/width',
} as const;

export function scoreTaskKey(task: string, metric: 'mean' | 'mean_per_token'): string {
  return `logprob/${task}/${metric}`;
}

export interface ScoreBin {
  lower: number;
  upper: number;
  count: number;
}

function pointsByStep(s: MetricSeries | undefined): Map<number, number> {
  const m = new Map<number, number>();
  if (s) for (let i = 0; i < Math.min(s.steps.length, s.values.length); i++) if (Number.isFinite(s.values[i])) m.set(s.steps[i]!, s.values[i]!);
  return m;
}

/** The histogram a score run wrote, bin by bin (empty until the run has written it). */
export function scoreHistogram(series: Record<string, MetricSeries>): ScoreBin[] {
  const lower = pointsByStep(series[SCORE_KEYS.binLower]);
  const count = pointsByStep(series[SCORE_KEYS.binCount]);
  const width = pointsByStep(series[SCORE_KEYS.binWidth]).get(0);
  if (width === undefined) return [];
  return [...lower.keys()]
    .filter((i) => count.has(i))
    .sort((a, b) => a - b)
    .map((i) => ({ lower: lower.get(i)!, upper: lower.get(i)! + width, count: count.get(i)! }));
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Bars over bin centres; pure data (no functions), so Node renders it to SVG as the renderer draws it. */
export function scoreHistogramOption(bins: readonly ScoreBin[], colors: { bar: string; text: string; muted: string; grid: string } = { bar: '#2563eb', text: '#1f2328', muted: '#656d76', grid: '#eaeef2' }, xName = 'log-probability (bin centre)'): EChartsOption {
  return {
    animation: false,
    textStyle: { color: colors.text },
    grid: { left: 56, right: 16, top: 24, bottom: 48 },
    xAxis: {
      type: 'category',
      data: bins.map((b) => fmt((b.lower + b.upper) / 2)),
      name: xName,
      nameLocation: 'middle',
      nameGap: 30,
      axisLabel: { color: colors.muted, fontSize: 10 },
    },
    yAxis: { type: 'value', name: 'examples', minInterval: 1, axisLabel: { color: colors.muted }, splitLine: { lineStyle: { color: colors.grid } } },
    series: [{ type: 'bar', name: 'examples', data: bins.map((b) => b.count), itemStyle: { color: colors.bar }, barCategoryGap: '4%' }],
  };
}

export const scoreKind = defineRunKind({
  kind: 'score',
  schema: scoreConfigSchema,
  title: 'Score log-probabilities',
  description: 'Per-example log-probabilities of task examples or a dataset under a model (teacher-forced), as a histogram.',
  engine: { folder: 'score', executor: 'runScore' },
  results: { view: 'ScoreHistogramView', title: 'Log-probabilities', primary: true },
  isResultKey: (k) => k.startsWith('logprob/') || k.startsWith('histogram/'),
  isSingleResultKey: (k) => k.startsWith('logprob/'),
  taskOrder: (c) => taskNames(c.tasks),
  plots: (series) => {
    const bins = scoreHistogram(series);
    return bins.length ? [{ name: 'logprob-histogram', title: 'Per-example log-probability', option: scoreHistogramOption(bins) }] : [];
  },
  presets: [
    {
      id: 'score-builtin',
      kind: 'score',
      title: 'Log-probabilities of the built-in model',
      description: 'How likely the built-in model finds the gold answers of its held-out tasks: 50 examples per task, summed answer log-probs.',
      config: { kind: 'score', name: 'built-in model: answer log-probs', model: BUILTIN_MODEL_REF, tasks: BUILTIN_EVAL_TASKS, num_examples: 50 },
    },
  ],
});
