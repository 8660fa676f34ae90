/**
 * Session factory on this machine (CPU only): the fallback notice, the cache keyed by graph
 * hash and settings, feed validation, and the roofline helper's arithmetic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, clearSessionCache, op, openSession, serialize } from '../../../src/engine/onnx';
import { measureMatmulRoofline } from '../../../src/engine/onnx/bench';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cudaLibraryInstalled, vulkanLoaderFound } from '../../../src/engine/onnx/session';

afterAll(() => clearSessionCache());

function tiny(k: number) {
  const g = new Graph('tiny');
  const x = g.input('x', 'float32', [3]);
  const s = g.input('s', 'float32', []);
  g.output(op.mul(op.add(x, k), s), 'y');
  return serialize(g);
}

describe('openSession', () => {
  it('runs on CPU without a notice when CPU is asked for', async () => {
    const s = await openSession(tiny(1), { executionProvider: 'cpu', threads: 1 });
    expect(s.provider).toBe('cpu');
    expect(s.notice).toBeNull();
    const out = await s.run({ x: Float32Array.from([1, 2, 3]), s: 2 });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([4, 6, 8]);
  });

  it.skipIf(cudaLibraryInstalled())('falls back to CPU with a plain notice when CUDA is not installed', async () => {
    const s = await openSession(tiny(2), { executionProvider: 'cuda', threads: 1 });
    expect(s.provider).toBe('cpu');
    expect(s.notice).toMatch(/^running on CPU: CUDA: the provider library is not installed \(run `npm run setup:cuda`\)/);
  });

  it('looks for the Vulkan loader in the given folders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'benchtop-vk-'));
    try {
      expect(vulkanLoaderFound([dir])).toBe(false);
      writeFileSync(join(dir, 'libvulkan.so.1'), '');
      expect(vulkanLoaderFound(['/nonexistent', dir])).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(process.platform !== 'linux' || vulkanLoaderFound() || cudaLibraryInstalled())('auto without CUDA or Vulkan: CPU, with both reasons in the notice', async () => {
    const s = await openSession(tiny(6), { executionProvider: 'auto', threads: 1 });
    expect(s.provider).toBe('cpu');
    expect(s.notice).toMatch(/CUDA: the provider library is not installed.*; WebGPU: no Vulkan loader \(libvulkan\.so\.1\) on this machine/);
  });

  it('caches by graph hash and settings', async () => {
    const a = await openSession(tiny(3), { executionProvider: 'cpu', threads: 1 });
    const b = await openSession(tiny(3), { executionProvider: 'cpu', threads: 1 });
    const c = await openSession(tiny(4), { executionProvider: 'cpu', threads: 1 });
    const d = await openSession(tiny(3), { executionProvider: 'cpu', threads: 2 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
    await a.release();
    const e = await openSession(tiny(3), { executionProvider: 'cpu', threads: 1 });
    expect(e).not.toBe(a);
  });

  it('names the input when a feed is missing, unknown or the wrong size', async () => {
    const s = await openSession(tiny(5), { executionProvider: 'cpu', threads: 1 });
    await expect(s.run({ x: new Float32Array(3) })).rejects.toThrow("run: missing input 's' (float32[])");
    await expect(s.run({ x: new Float32Array(3), s: 1, z: 1 })).rejects.toThrow("run: 'z' is not an input of this graph");
    await expect(s.run({ x: new Float32Array(4), s: 1 })).rejects.toThrow("run: input 'x' got 4 values for dims [3] (3)");
  });
});

describe('measureMatmulRoofline', () => {
  it('reports GFLOP/s consistent with its timing', async () => {
    const r = await measureMatmulRoofline({ n: 128, iterations: 3, session: { threads: 1 } });
    expect(r.provider).toBe('cpu');
    expect(r.gflops).toBeCloseTo((2 * 128 ** 3) / (r.medianMs * 1e6), 6);
    expect(r.bestGflops).toBeGreaterThanOrEqual(r.gflops);
  });
});
