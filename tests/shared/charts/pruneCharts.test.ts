import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EChartsOption } from 'echarts';
import {
  accuracySweep, familyMean, formatCount, isPruneResultKey, layerScores, removalOrder, removalText, removedLayers, similarityMatrix,
} from '../../../src/shared/charts/pruneResults';
import { importanceOption, rampColor, similarityOption, similarityRange, sweepOption } from '../../../src/shared/charts/pruneCharts';
import { PALETTES } from '../../../src/shared/charts/palette';
import {
  ACCURACY, ANGULAR_DISTANCE, BLOCK_INFLUENCE, NORMALIZED, ORDER, REMOVED, SIMILARITY, TASK_KINDS, allPoints, toSeries,
} from '../../renderer/pruneFixture';

type Bars = { name: string; data: (number | null)[]; itemStyle: { color: string } }[];

/** WCAG 2 contrast ratio, written out here independently of the code under test. */
function contrastRatio(a: string, b: string): number {
  const lum = (hex: string) => {
    const n = parseInt(hex.slice(1), 16);
    const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4)));
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const [x, y] = [lum(a), lum(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

describe('prune results from metric series', () => {
  const series = toSeries(allPoints());

  it('reads the scores per metric, the removed layers and their order', () => {
    const scores = layerScores(series);
    expect(scores.map((s) => s.metric)).toEqual(['block_influence', 'angular_distance']);
    expect(scores[0]).toEqual({ metric: 'block_influence', block: false, layers: [0, 1, 2, 3], scores: BLOCK_INFLUENCE });
    expect(scores[1]).toEqual({ metric: 'angular_distance', block: true, layers: [0, 1, 2], scores: ANGULAR_DISTANCE });
    expect(removedLayers(series)).toEqual(REMOVED);
    expect(removalOrder(series)).toEqual(ORDER);
    expect(removalText(REMOVED, ORDER)).toBe('removed layers 3, 2 (in that order)');
    expect(removalText([5], [5])).toBe('removed layer 5');
    // Order not known yet: the set, without claiming an order.
    expect(removalText([2, 3], [3])).toBe('removed layers 2, 3');
    expect(removalText([], [])).toBe('');
  });

  it('keeps only the results the prune page draws itself out of the line charts', () => {
    for (const k of ['score/ppl', 'similarity/0', 'prune/order', 'eval/arithmetic/accuracy', 'eval/compare/normalized', 'calibration/nll', 'model/parameters'])
      expect(isPruneResultKey(k), k).toBe(true);
    for (const k of ['eval/arithmetic/pass@1', 'loss/train', 'calibration/tokens', 'perf/tokens_per_s']) expect(isPruneResultKey(k), k).toBe(false);
  });

  it('builds the similarity matrix cell by cell', () => {
    const m = similarityMatrix(series)!;
    expect(m.indices).toEqual([0, 1, 2, 3, 4]);
    expect(m.cells).toHaveLength(25);
    for (const c of m.cells) expect(c.value).toBe(SIMILARITY[c.a][c.b]);
    expect([m.min, m.max]).toEqual([0.44, 1]);
    expect(similarityRange(m)).toEqual([0, 1]);
    expect(similarityRange({ ...m, min: -0.23, max: 1.0000000001 })).toEqual([-0.3, 1]);
    expect(similarityMatrix(toSeries([]))).toBeNull();
  });

  it('splits the sweep by task kind and averages a family only where every task has a value', () => {
    const sweep = accuracySweep(series, TASK_KINDS, ['compare', 'arithmetic']);
    expect(sweep.map((t) => [t.task, t.family])).toEqual([
      ['compare', 'classification'], ['arithmetic', 'generative'], ['brackets', 'generative'], ['majority', 'classification'],
    ]);
    const arith = sweep.find((t) => t.task === 'arithmetic')!;
    expect(arith.accuracy).toEqual(ACCURACY.arithmetic.map((v, k) => [k, v]));
    expect(arith.normalized).toEqual(NORMALIZED.arithmetic.map((v, k) => [k, v]));
    expect(sweep.find((t) => t.task === 'brackets')!.normalized).toEqual([]);
    const cls = sweep.filter((t) => t.family === 'classification');
    const mean = familyMean(cls);
    expect(mean.map((p) => p[0])).toEqual([0, 1, 2]);
    mean.forEach(([k, v]) => expect(v).toBeCloseTo((NORMALIZED.compare[k] + NORMALIZED.majority[k]) / 2, 12));
    // A k only one task has reached yet is left out of the mean.
    const partial = [{ ...cls[0], normalized: [...cls[0].normalized, [3, 0.5] as [number, number]] }, cls[1]];
    expect(familyMean(partial).map((p) => p[0])).toEqual([0, 1, 2]);
    expect(accuracySweep(series, {})[0].family).toBe('other');
  });

  it('formats parameter counts compactly', () => {
    expect(formatCount(812544)).toBe('812.5k');
    expect(formatCount(1234567)).toBe('1.23M');
    expect(formatCount(950)).toBe('950');
  });
});

describe('prune chart options', () => {
  const series = toSeries(allPoints());
  const [bi, ad] = layerScores(series);

  it('draws one bar per layer with the removed layers in their own series and colour', () => {
    for (const theme of ['light', 'dark'] as const) {
      const pal = PALETTES[theme];
      const o = importanceOption(bi, REMOVED, { palette: pal, blockSize: 2 });
      expect((o.xAxis as { data: string[] }).data).toEqual(['0', '1', '2', '3']);
      const [kept, removed] = o.series as Bars;
      expect(kept.name).toBe('kept');
      expect(kept.data).toEqual([0.41, 0.18, null, null]);
      expect(removed.name).toBe('removed');
      expect(removed.data).toEqual([null, null, 0.07, 0.05]);
      expect(removed.itemStyle.color).toBe(pal.removed);
      expect(kept.itemStyle.color).not.toBe(removed.itemStyle.color);
      expect((o.legend as { show: boolean; data: string[] }).data).toEqual(['kept', 'removed']);
    }
    // Before the choice is made every bar is a plain bar and there is no legend.
    const before = importanceOption(bi, [], {});
    expect((before.series as Bars)[0].data).toEqual(BLOCK_INFLUENCE);
    expect((before.series as Bars)[1].data.every((v) => v === null)).toBe(true);
    expect((before.legend as { show: boolean }).show).toBe(false);
  });

  it('labels block metrics by their layer span and highlights only the removed block', () => {
    const o = importanceOption(ad, REMOVED, { blockSize: 2 });
    expect((o.xAxis as { data: string[] }).data).toEqual(['0–1', '1–2', '2–3']);
    const [kept, removed] = o.series as Bars;
    expect(removed.data).toEqual([null, null, ANGULAR_DISTANCE[2]]);
    expect(kept.data).toEqual([ANGULAR_DISTANCE[0], ANGULAR_DISTANCE[1], null]);
    const tip = (o.tooltip as { formatter: (p: unknown) => string }).formatter([{ dataIndex: 2 }]);
    expect(tip).toContain('layers 2–3');
    expect(tip).toContain('removed');
  });

  it('puts every similarity in its cell, row a from the top, with a label readable on its colour', () => {
    const m = similarityMatrix(series)!;
    expect(rampColor(['#000000', '#ffffff'], 0.5)).toBe('#808080');
    expect(rampColor(['#000000', '#ff0000', '#ffffff'], 0.75)).toBe('#ff8080');
    expect(rampColor(['#102030', '#405060'], 1)).toBe('#405060');
    for (const theme of ['light', 'dark'] as const) {
      const pal = PALETTES[theme];
      const o = similarityOption(m, { palette: pal });
      expect((o.xAxis as { data: string[] }).data).toEqual(['emb', '1', '2', '3', '4']);
      expect((o.yAxis as { inverse: boolean }).inverse).toBe(true);
      const vm = o.visualMap as { min: number; max: number; inRange: { color: string[] } };
      expect([vm.min, vm.max]).toEqual([0, 1]);
      const data = (o.series as { data: { value: [number, number, number]; label: { color: string } }[] }[])[0].data;
      expect(data).toHaveLength(25);
      for (const d of data) {
        const [b, a, v] = d.value;
        expect(v).toBe(SIMILARITY[a][b]);
        // The cell's colour as the visual map paints it (linear between the ramp's stops).
        const cell = rampColor(vm.inRange.color, (v - vm.min) / (vm.max - vm.min));
        expect(contrastRatio(d.label.color, cell), `${theme} cell ${a},${b}`).toBeGreaterThanOrEqual(4.5);
      }
      const tip = (o.tooltip as { formatter: (p: unknown) => string }).formatter({ value: [3, 2, 0.93] });
      expect(tip).toBe('cos(h2, h3) = <b>0.9300</b>');
    }
  });

  it('draws lines against layers removed and adds the other view to the tooltip', () => {
    const o = sweepOption(
      [
        { name: 'compare', points: [[0, 1], [1, 0.9]], color: '#111111', dashed: true },
        { name: 'arithmetic', points: [[0, 1], [1, 0.5]], color: '#222222' },
      ],
      { kMax: 2, min: 0, max: 1, detail: (task, k) => `accuracy of ${task} at ${k}` },
    );
    const lines = o.series as { data: number[][]; lineStyle: { type: string } }[];
    expect(lines[0].data).toEqual([[0, 1], [1, 0.9]]);
    expect(lines.map((l) => l.lineStyle.type)).toEqual(['dashed', 'solid']);
    expect((o.xAxis as { max: number; name: string }).max).toBe(2);
    expect((o.xAxis as { name: string }).name).toBe('layers removed');
    const tip = (o.tooltip as { formatter: (p: unknown) => string }).formatter([{ seriesName: 'compare', axisValue: 1, value: [1, 0.9], marker: '' }]);
    expect(tip).toContain('1 layer removed');
    expect(tip).toContain('compare: <b>0.9</b>');
    expect(tip).toContain('accuracy of compare at 1');
  });

  it('uses chart colours that read on the page surface of each theme', () => {
    // The surfaces the charts sit on, from the stylesheet the app ships.
    const css = readFileSync(new URL('../../../src/renderer/src/styles/base.css', import.meta.url), 'utf8');
    const surface = (block: string) => /--surface:\s*(#[0-9a-f]{6})/i.exec(block)![1];
    const light = surface(css.slice(css.indexOf(':root {')));
    const dark = surface(css.slice(css.indexOf(":root[data-theme='dark']")));
    for (const [theme, bg] of [['light', light], ['dark', dark]] as const) {
      const pal = PALETTES[theme];
      expect(contrastRatio(pal.text, bg), `${theme} text`).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(pal.muted, bg), `${theme} muted`).toBeGreaterThanOrEqual(4.5);
      // Bars are graphics: 3:1 against the surface (WCAG 1.4.11).
      expect(contrastRatio(pal.removed, bg), `${theme} removed bars`).toBeGreaterThanOrEqual(3);
      expect(contrastRatio(pal.series[0], bg), `${theme} kept bars`).toBeGreaterThanOrEqual(3);
    }
  });
});
