import { pruneConfigSchema } from '../config/prune';
import { BUILTIN_EVAL_TASKS, BUILTIN_MODEL_REF } from '../config/builtinModel';
import { isBreakdownKey } from '../metrics/evalKeys';
import { isPruneResultKey } from '../metrics/pruneKeys';
import { layerScores, removedLayers, similarityMatrix } from '../charts/pruneResults';
import { importanceOption, similarityOption } from '../charts/pruneCharts';
import { METRIC_TITLES } from '../charts/pruneResults';
import { defineRunKind, taskNames, type KindPlot } from './define';

export const pruneKind = defineRunKind({
  kind: 'prune',
  schema: pruneConfigSchema,
  title: 'Prune layers',
  description: 'Remove decoder layers chosen by an importance metric or a task search, then measure what survives.',
  engine: { folder: 'pruning', executor: 'runPrune' },
  // Scores, similarities and the sweep are drawn by the prune results, not as lines.
  results: { view: 'PruneResultsView', title: 'Results', primary: true },
  isResultKey: (k) => isBreakdownKey(k) || isPruneResultKey(k),
  isSingleResultKey: isBreakdownKey,
  taskOrder: (c) => taskNames(c.eval?.tasks),
  // The run page's layer-importance bars and similarity heatmap, from the same builders.
  plots: (series, c) => {
    const removed = removedLayers(series);
    const blockSize = typeof c?.num_layers === 'number' && c.num_layers > 0 ? c.num_layers : 1;
    const out: KindPlot[] = layerScores(series).map((s) => ({ name: `importance-${s.metric}`, title: METRIC_TITLES[s.metric] ?? s.metric, option: importanceOption(s, removed, { blockSize }) }));
    const sim = similarityMatrix(series);
    if (sim) out.push({ name: 'similarity', title: 'Hidden-state similarity between layers', option: similarityOption(sim) });
    return out;
  },
  presets: [
    {
      id: 'prune-builtin-bi',
      kind: 'prune',
      title: 'Prune a layer of the built-in model',
      description: 'Block influence (ShortGPT) picks 1 of its 4 layers to remove; accuracy on every eval task before and after.',
      config: {
        kind: 'prune',
        name: 'prune 1 layer by block influence',
        model: BUILTIN_MODEL_REF,
        method: 'block_influence',
        num_layers: 1,
        protect_first: 1,
        calibration: { tasks: BUILTIN_EVAL_TASKS, num_sequences: 64, seq_len: 128 },
        eval: { tasks: BUILTIN_EVAL_TASKS, num_examples: 50, sweep: true },
      },
    },
  ],
});
