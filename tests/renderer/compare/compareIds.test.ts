import { describe, expect, it } from 'vitest';
import { MAX_COMPARE, canCompare, parseCompareIds, runLabels } from '../../../src/renderer/src/compare/compareIds';

describe('compare ids from the address', () => {
  it('trims, drops empty parts and repeats, keeps the order', () => {
    expect(parseCompareIds(' b ,a,,b, c')).toEqual({ ok: true, ids: ['b', 'a', 'c'] });
  });

  it('says what is wrong with an empty, single, oversized or malformed list', () => {
    for (const raw of [undefined, '', ' , ,']) {
      const p = parseCompareIds(raw);
      expect(p.ok).toBe(false);
      if (!p.ok) expect(p.problem).toContain('the address has no run ids');
    }
    const one = parseCompareIds('20261123-142801-9f3a1c,20261123-142801-9f3a1c');
    expect(one.ok).toBe(false);
    if (!one.ok) expect(one.problem).toContain('Only one run (20261123-142801-9f3a1c) is named');
    const nine = parseCompareIds(Array.from({ length: MAX_COMPARE + 1 }, (_, i) => `r${i}`).join(','));
    expect(nine.ok).toBe(false);
    if (!nine.ok) expect(nine.problem).toContain(`9 runs are named; at most ${MAX_COMPARE}`);
    const bad = parseCompareIds(`a,has space,${'x'.repeat(65)}`);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toMatch(/not run ids: “has space”, “x{40}…”/);
  });

  it('allows 2 to 8 runs', () => {
    expect([0, 1, 2, 8, 9].map(canCompare)).toEqual([false, false, true, true, false]);
  });

  it('labels runs by name, falling back to the id and telling equal names apart', () => {
    expect(runLabels([{ id: 'a', name: 'lr 0.1' }, { id: 'b', name: '' }, { id: 'c', name: 'lr 0.1' }, { id: 'd', name: 'other' }])).toEqual([
      'lr 0.1 (a)', 'b', 'lr 0.1 (c)', 'other',
    ]);
  });
});
