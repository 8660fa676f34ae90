/** A bundle's per-metric line plots are the run page's line chart (shared lineChartOption), drawn to SVG. */
import { describe, expect, it } from 'vitest';
import { renderPlots } from '../../../src/core/bundles/plots';
import { lineChartOption } from '../../../src/shared/charts/lineChart';

interface LineSeries { lineStyle: { width: number; color: string } }

describe('bundle line plots', () => {
  it('draw the line as the run page styles it, with gaps for non-finite values and a title', async () => {
    const { plots, failed } = await renderPlots([{ key: 'loss', steps: [0, 1, 2, 3], values: [3, 2, Number.NaN, 1], totalPoints: 4 }]);
    expect(failed).toEqual([]);
    expect(plots.map((p) => [p.path, p.kind])).toEqual([['plots/loss.svg', 'line']]);
    const svg = plots[0].svg;
    const style = (lineChartOption([{ key: 'loss', steps: [0, 1], values: [1, 2], downsampled: false }]).series as LineSeries[])[0].lineStyle;
    const lines = [...svg.matchAll(/<path d="([^"]+)"[^>]*stroke="([^"]+)" stroke-width="([^"]+)"/g)].filter((m) => m[2] === style.color);
    expect(lines).toHaveLength(1);
    expect(Number(lines[0][3])).toBe(style.width);
    // Two segments: 0→1 drawn, then the NaN at step 2 breaks the line before step 3.
    expect(lines[0][1].match(/M/g)).toHaveLength(2);
    expect(svg).toContain('>loss</text>');
    expect(svg).toContain('4 points · last 1 at step 3');
  });

  it('draws a constant series (a zero y range) without failing', async () => {
    const { plots, failed } = await renderPlots([{ key: 'lr', steps: [0, 1, 2], values: [0.001, 0.001, 0.001], totalPoints: 3 }]);
    expect(failed).toEqual([]);
    expect(plots).toHaveLength(1);
    expect(plots[0].svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(plots[0].svg).toContain('last 0.001 at step 2');
  });
});
