/**
 * Weights bound once and fed to several sessions (withBoundInputs): each graph reads the same
 * arrays, results match a float64 re-computation, a feed given to run() wins, and bound names
 * a graph does not take are skipped.
 */
import { describe, expect, it } from 'vitest';
import { Graph, nn, op, openSession, serialize, withBoundInputs } from '../../../src/engine/onnx';

/** A graph with its weight and bias as initializers. */
function initializerGraph(w: Float32Array, b: Float32Array, scale: number) {
  const g = new Graph('frozen');
  const x = g.input('x', 'float32', [2, D]);
  g.output(op.mul(nn.linear(x, g.initializer('w', w, [OUT, D]), g.initializer('b', b, [OUT])), scale), 'y');
  return g;
}

const D = 5;
const OUT = 3;

function linearGraph(name: string, scale: number) {
  const g = new Graph(name);
  const x = g.input('x', 'float32', [2, D]);
  const w = g.input('w', 'float32', [OUT, D]);
  const b = g.input('b', 'float32', [OUT]);
  g.output(op.mul(nn.linear(x, w, b), scale), 'y');
  return serialize(g);
}

/** y = scale · (x·Wᵀ + b) in float64. */
function reference(x: Float32Array, w: Float32Array, b: Float32Array, scale: number): number[] {
  const y: number[] = [];
  for (let r = 0; r < 2; r++) {
    for (let o = 0; o < OUT; o++) {
      let s = b[o]!;
      for (let i = 0; i < D; i++) s += x[r * D + i]! * w[o * D + i]!;
      y.push(scale * s);
    }
  }
  return y;
}

describe('withBoundInputs', () => {
  it('feeds one set of weights to several sessions; a run feed wins; unknown names are skipped', async () => {
    const w = Float32Array.from({ length: OUT * D }, (_, i) => Math.sin(i + 1));
    const b = Float32Array.from({ length: OUT }, (_, i) => 0.5 - i);
    const x = Float32Array.from({ length: 2 * D }, (_, i) => Math.cos(3 * i));
    const bound = new Map<string, { data: Float32Array; dims: number[] }>([
      ['w', { data: w, dims: [OUT, D] }],
      ['b', { data: b, dims: [OUT] }],
      ['model.layers.9.unused', { data: new Float32Array(4), dims: [4] }],
    ]);
    const one = withBoundInputs(await openSession(linearGraph('one', 1), { cache: false }), bound);
    const two = withBoundInputs(await openSession(linearGraph('two', -2), { cache: false }), bound);
    const y1 = [...((await one.run({ x })).y!.data as Float32Array)];
    const y2 = [...((await two.run({ x })).y!.data as Float32Array)];
    reference(x, w, b, 1).forEach((v, i) => expect(y1[i]).toBeCloseTo(v, 5));
    reference(x, w, b, -2).forEach((v, i) => expect(y2[i]).toBeCloseTo(v, 5));
    // The arrays are shared, not copied: a change to them shows in the next run of both.
    w[0] = 10;
    const y1b = [...((await one.run({ x })).y!.data as Float32Array)];
    reference(x, w, b, 1).forEach((v, i) => expect(y1b[i]).toBeCloseTo(v, 5));
    const other = new Float32Array(OUT);
    const y2b = [...((await two.run({ x, b: other })).y!.data as Float32Array)];
    reference(x, w, other, -2).forEach((v, i) => expect(y2b[i]).toBeCloseTo(v, 5));
    expect(one.createMs).toBeGreaterThan(0);
    await one.release();
    await two.release();
  });

  it('still names a missing input that nothing bound', async () => {
    const s = withBoundInputs(await openSession(linearGraph('three', 1), { cache: false }), new Map([['w', new Float32Array(OUT * D)]]));
    await expect(s.run({ x: new Float32Array(2 * D) })).rejects.toThrow(/missing input 'b'/);
    await s.release();
  });

  it('serialize binds large float32 initializers as inputs: out of the model bytes, same results, hash follows the values', async () => {
    const w = Float32Array.from({ length: OUT * D }, (_, i) => Math.sin(2 * i));
    const b = Float32Array.from({ length: OUT }, (_, i) => i / 4);
    const x = Float32Array.from({ length: 2 * D }, (_, i) => 1 - i / 7);
    const kept = serialize(initializerGraph(w, b, 3), { bindWeights: 'never' });
    const boundW = serialize(initializerGraph(w, b, 3), { bindMinBytes: OUT * D * 4 }); // w qualifies, b is smaller
    expect(kept.bound.size).toBe(0);
    expect([...boundW.bound.keys()]).toEqual(['w']);
    expect(boundW.bound.get('w')!.data).toBe(w); // the caller's array, not a copy
    expect(boundW.inputs.map((s) => s.name)).toEqual(['x']);
    expect(boundW.bytes.length).toBeLessThan(kept.bytes.length - OUT * D * 4 + 16);
    for (const m of [kept, boundW]) {
      const s = await openSession(m, { cache: false });
      const y = [...((await s.run({ x })).y!.data as Float32Array)];
      reference(x, w, b, 3).forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
      await s.release();
    }
    const w2 = Float32Array.from(w, (v) => v + 1);
    expect(serialize(initializerGraph(w2, b, 3), { bindMinBytes: 4 }).hash).not.toBe(serialize(initializerGraph(w, b, 3), { bindMinBytes: 4 }).hash);
  });
});
