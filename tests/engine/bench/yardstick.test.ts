import { describe, expect, it } from 'vitest';
import { Yardstick, rooflineSpread } from '../../../src/engine/bench/yardstick';

describe('bench yardstick', () => {
  it('summarises roofline samples: best, worst, median, relative spread (hand-worked)', () => {
    const s = rooflineSpread([
      { after: 'start', gflops: 150 },
      { after: 'a', gflops: 210 },
      { after: 'b', gflops: 180 },
      { after: 'c', gflops: 200 },
    ]);
    expect(s.best).toBe(210);
    expect(s.worst).toBe(150);
    expect(s.median).toBe(190); // (180 + 200) / 2
    expect(s.spread).toBeCloseTo(60 / 210, 12);
    expect(rooflineSpread([{ after: 'start', gflops: 100 }, { after: 'x', gflops: 120 }, { after: 'y', gflops: 90 }]).median).toBe(100);
    expect(() => rooflineSpread([])).toThrow(/no roofline samples/);
  });

  it('keeps every measurement and divides by the best one', async () => {
    const y = new Yardstick({ executionProvider: 'cpu', threads: 1 }, 64, 1);
    const a = await y.measure('start');
    const b = await y.measure('case');
    expect(a.gflops).toBeGreaterThan(0);
    expect(y.best).toBe(Math.max(a.gflops, b.gflops));
    expect(y.spread().samples.map((s) => s.after)).toEqual(['start', 'case']);
  });
});
