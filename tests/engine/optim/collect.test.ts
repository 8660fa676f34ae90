/**
 * collectGarbage (decision 0047): reaches V8's collector although the process was started
 * without --expose-gc, and an array nothing refers to any more is gone after the call.
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
});
