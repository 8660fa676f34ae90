/**
 * collectGarbage (decision 0047): reaches V8's collector although the process was started
 * without --expose-gc, and an array nothing refers to any more is gone after the call; and
 * (decision 0048) the heap pages a burst of garbage grew the heap by are handed back, which an
 * ordinary full collection does not do (heapTotal stayed about half the burst above its start).
 */
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../src/engine/optim/collect';

describe('collectGarbage', () => {
  it('collects an unreachable typed array without --expose-gc', async () => {
    expect(process.execArgv.join(' ')).not.toContain('expose-gc');
    const ref = ((): WeakRef<Float32Array> => new WeakRef(new Float32Array(1 << 20)))();
    // a WeakRef target lives at least until the current job ends
    await new Promise((r) => setTimeout(r, 0));
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  it('hands back the heap pages a burst of small garbage objects took', () => {
    collectGarbage();
    const before = process.memoryUsage().heapTotal;
    let burst: { i: number; s: string }[] | null = [];
    for (let i = 0; i < 1_000_000; i++) burst.push({ i, s: `x${i}` });
    const grown = process.memoryUsage().heapTotal - before;
    expect(grown).toBeGreaterThan(40 * 2 ** 20);
    burst = null;
    collectGarbage();
    expect(process.memoryUsage().heapTotal - before).toBeLessThan(0.2 * grown);
  });
});
