/** Sweep expansion and validation: hand-worked grids, seeded random draws, errors naming the field and value. */
import { describe, expect, it } from 'vitest';
import { drawAxis, expandSweep, formatSweepIssues, gridPoints, pointLabel, randomPoints, seededRandom, sweepProgress } from '../../src/shared/sweeps';

const base = {
  kind: 'eval',
  name: 'tiny eval',
  model: 'builtin:benchtop-tiny',
  tasks: [{ task: 'majority' }],
  num_examples: 4,
};

describe('grid expansion', () => {
  it('is the cartesian product with the first axis outermost', () => {
    const pts = gridPoints([
      { path: 'a', values: [1, 2] },
      { path: 'b.c', values: ['x', 'y', 'z'] },
    ]);
    expect(pts).toEqual([
      { a: 1, 'b.c': 'x' },
      { a: 1, 'b.c': 'y' },
      { a: 1, 'b.c': 'z' },
      { a: 2, 'b.c': 'x' },
      { a: 2, 'b.c': 'y' },
      { a: 2, 'b.c': 'z' },
    ]);
  });

  it('sets nested fields (lists by index) in full run configs named by their point', () => {
    const res = expandSweep({
      name: 'temp',
      base,
      grid: [
        { path: 'temperature', values: [0, 0.7] },
        { path: 'seed', values: [1, 2] },
        { path: 'tasks.0.weight', values: [2] },
      ],
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.points.map((p) => [p.config.temperature, p.config.seed])).toEqual([
      [0, 1],
      [0, 2],
      [0.7, 1],
      [0.7, 2],
    ]);
    expect((res.points[3].config.tasks as { weight: number }[])[0].weight).toBe(2);
    // Defaults are filled in by the kind's schema; the base is not mutated.
    expect(res.points[0].config.num_samples).toBe(1);
    expect(base).not.toHaveProperty('temperature');
    expect(res.points[2].config.name).toBe('temp · temperature=0.7 seed=1 weight=2');
  });
});

describe('random search', () => {
  it('mulberry32 gives the published first outputs for seed 0 and 1', () => {
    // Independent reference: the mulberry32 algorithm evaluated by hand with BigInt 32-bit arithmetic.
    const ref = (seed: number, n: number) => {
      let a = BigInt(seed);
      const M = (1n << 32n) - 1n;
      const imul = (x: bigint, y: bigint) => (x * y) & M;
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        a = (a + 0x6d2b79f5n) & M;
        let t = a;
        t = imul(t ^ (t >> 15n), t | 1n);
        t = (t ^ (t + imul(t ^ (t >> 7n), t | 61n))) & M;
        out.push(Number((t ^ (t >> 14n)) & M) / 4294967296);
      }
      return out;
    };
    for (const seed of [0, 1, 12345]) {
      const r = seededRandom(seed);
      expect(Array.from({ length: 5 }, r)).toEqual(ref(seed, 5));
    }
  });

  it('draws each kind of axis inside its range, the same for the same seed', () => {
    expect(drawAxis({ path: 'x', range: { min: 2, max: 4, log: false, int: false } }, 0.5)).toBe(3);
    expect(drawAxis({ path: 'x', range: { min: 1e-5, max: 1e-3, log: true, int: false } }, 0.5)).toBe(1e-4);
    expect(drawAxis({ path: 'x', range: { min: 1, max: 3, log: false, int: true } }, 0.99)).toBe(3);
    expect(drawAxis({ path: 'x', range: { min: 1, max: 3, log: false, int: true } }, 0.34)).toBe(2);
    expect(drawAxis({ path: 'x', choices: ['a', 'b', 'c', 'd'] }, 0.5)).toBe('c');
    const axes = [{ path: 'temperature', range: { min: 0.5, max: 1.5, log: false, int: false } }];
    const a = randomPoints({ count: 20, seed: 7, axes });
    expect(randomPoints({ count: 20, seed: 7, axes })).toEqual(a);
    expect(randomPoints({ count: 20, seed: 8, axes })).not.toEqual(a);
    for (const p of a) expect(p.temperature as number).toBeGreaterThanOrEqual(0.5), expect(p.temperature as number).toBeLessThanOrEqual(1.5);
  });

  it('crosses the draws with the grid, draw outermost', () => {
    const res = expandSweep({
      name: 'rs',
      base,
      grid: [{ path: 'seed', values: [1, 2, 3] }],
      random: { count: 2, seed: 3, axes: [{ path: 'temperature', range: { min: 0.1, max: 1 } }] },
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const draws = randomPoints({ count: 2, seed: 3, axes: [{ path: 'temperature', range: { min: 0.1, max: 1, log: false, int: false } }] });
    expect(res.points.map((p) => [p.assignments.temperature, p.assignments.seed])).toEqual([
      [draws[0].temperature, 1],
      [draws[0].temperature, 2],
      [draws[0].temperature, 3],
      [draws[1].temperature, 1],
      [draws[1].temperature, 2],
      [draws[1].temperature, 3],
    ]);
  });
});

describe('validation before anything is created', () => {
  it('names the swept field and the value that fails the kind schema', () => {
    const res = expandSweep({ name: 's', base, grid: [{ path: 'temperature', values: [0.5, -1, 9] }] });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    const text = formatSweepIssues(res.issues);
    expect(text).toContain('grid temperature=-1: expected temperature ≥ 0 (0 is greedy), got -1');
    expect(text).toContain('grid temperature=9: expected a number ≤ 5');
    expect(text).not.toContain('0.5');
  });

  it('reports an unknown field with a suggestion, a wrong type, and a bad base config', () => {
    const typo = expandSweep({ name: 's', base, grid: [{ path: 'temprature', values: [1] }] });
    expect(typo.ok || formatSweepIssues(typo.issues)).toMatch(/grid temprature=1: unknown field for a eval config; did you mean 'temperature'\?/);
    const type = expandSweep({ name: 's', base, grid: [{ path: 'num_examples', values: ['many'] }] });
    expect(type.ok || formatSweepIssues(type.issues)).toMatch(/grid num_examples="many": expected a whole number|grid num_examples="many": expected a number/);
    const bad = expandSweep({ name: 's', base: { ...base, model: '' }, grid: [{ path: 'seed', values: [1] }] });
    expect(bad.ok || formatSweepIssues(bad.issues)).toMatch(/^model: \(base config\)/);
  });

  it('refuses an empty sweep, a field swept twice, the kind, and a range with max < min', () => {
    const msg = (spec: unknown) => {
      const r = expandSweep(spec);
      return r.ok ? 'ok' : formatSweepIssues(r.issues);
    };
    expect(msg({ name: 's', base, grid: [] })).toMatch(/nothing to sweep/);
    expect(msg({ name: 's', base, grid: [{ path: 'seed', values: [1] }], random: { count: 2, axes: [{ path: 'seed', choices: [3] }] } })).toMatch(/seed: swept twice/);
    expect(msg({ name: 's', base, grid: [{ path: 'kind', values: ['sft'] }] })).toMatch(/kind: the run kind cannot be swept/);
    expect(msg({ name: 's', base, random: { count: 2, axes: [{ path: 'temperature', range: { min: 2, max: 1 } }] } })).toMatch(/temperature: expected max ≥ min, got 2:1/);
    expect(msg({ name: 's', base, grid: [{ path: 'seed', values: Array.from({ length: 30 }, (_, i) => i) }, { path: 'temperature', values: Array.from({ length: 20 }, (_, i) => i / 10) }] })).toMatch(/expands to 600 runs; at most 500/);
  });
});

describe('labels and group progress', () => {
  it('uses the last path part unless two would clash', () => {
    expect(pointLabel({ 'training.learning_rate': 1e-5, seed: 2 })).toBe('learning_rate=1e-5 seed=2');
    expect(pointLabel({ 'a.x': 1, 'b.x': 2 })).toBe('a.x=1 b.x=2');
  });

  it('is pending until every run ends, then failed > cancelled > succeeded', () => {
    expect(sweepProgress([{ status: 'succeeded' }, { status: 'running' }]).outcome).toBe('pending');
    expect(sweepProgress([{ status: 'succeeded' }, { status: 'cancelled' }, { status: 'interrupted' }]).outcome).toBe('failed');
    expect(sweepProgress([{ status: 'succeeded' }, { status: 'cancelled' }]).outcome).toBe('cancelled');
    const p = sweepProgress([{ status: 'succeeded' }, { status: 'succeeded' }]);
    expect(p).toEqual({ total: 2, counts: { succeeded: 2 }, done: 2, outcome: 'succeeded' });
  });
});
