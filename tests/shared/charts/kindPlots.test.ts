/**
 * One set of chart builders: a kind's bundle plots are the options its results view draws
 * (src/shared/charts), rendered to SVG in Node.
 */
import { describe, expect, it } from 'vitest';
import { runKindModule } from '../../../src/shared/kinds';
import { importanceOption, similarityOption } from '../../../src/shared/charts/pruneCharts';
import { layerScores, removedLayers, similarityMatrix } from '../../../src/shared/charts/pruneResults';
import { taskAucOption } from '../../../src/shared/charts/valueCharts';
import { perTaskAucs } from '../../../src/shared/charts/valueResults';
import { renderPlots } from '../../../src/core/bundles/plots';
import { allPoints, LAYERS, toSeries } from '../../renderer/pruneFixture';
import type { MetricSeries } from '../../../src/shared/records';

describe('kind plots', () => {
  it('a prune run’s bundle draws the page’s importance bars and similarity heatmap', async () => {
    const series = toSeries(allPoints());
    const config = { num_layers: 2 } as never;
    const plots = runKindModule('prune').plots!(series, config);
    const removed = removedLayers(series);
    const scores = layerScores(series);
    expect(plots.map((p) => p.name)).toEqual([...scores.map((s) => `importance-${s.metric}`), 'similarity']);
    expect(JSON.stringify(plots[0]!.option)).toBe(JSON.stringify(importanceOption(scores[0]!, removed, { blockSize: 2 })));
    expect(JSON.stringify(plots.at(-1)!.option)).toBe(JSON.stringify(similarityOption(similarityMatrix(series)!)));
    const bi = plots.find((p) => p.name === 'importance-block_influence')!;
    expect((bi.option.series as { data: unknown[] }[]).flatMap((s) => s.data).filter((v) => v !== null && v !== '-')).toHaveLength(LAYERS);

    const { plots: svgs, failed } = await renderPlots([], { kindPlots: plots });
    expect(failed).toEqual([]);
    expect(svgs.map((p) => p.path)).toEqual(plots.map((p) => `plots/kind/${p.name}.svg`));
    for (const s of svgs) expect(s.svg.startsWith('<svg')).toBe(true);
  });

  it('a value run’s bundle draws the page’s per-task AUC bars', async () => {
    const s = (key: string, v: number): [string, MetricSeries] => [key, { key, steps: [0], values: [v], downsampled: false }];
    const series = Object.fromEntries([s('value/compare/auc_mislabel', 0.9), s('value/arithmetic/auc_mislabel', 0.6), s('value/arithmetic/auc_influence', 0.7)]);
    const config = { train: { tasks: [{ task: 'arithmetic' }, { task: 'compare' }] } } as never;
    const plots = runKindModule('value').plots!(series, config);
    expect(plots.map((p) => p.name)).toEqual(['task-auc']);
    expect(JSON.stringify(plots[0]!.option)).toBe(JSON.stringify(taskAucOption(perTaskAucs(series, ['arithmetic', 'compare']))));
    const { plots: svgs, failed } = await renderPlots([], { kindPlots: plots });
    expect(failed).toEqual([]);
    expect(svgs[0]!.svg).toContain('compare');
    expect(runKindModule('value').plots!({}, config)).toEqual([]);
  });
});
