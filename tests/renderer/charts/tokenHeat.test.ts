import { describe, expect, it } from 'vitest';
import { heatColor, heatFields, heatTokens } from '../../../src/renderer/src/charts/tokenHeat';

describe('per-token heat', () => {
  it('offers the fields as long as the token texts (token_text or GRPO thr_tokens)', () => {
    expect(heatFields({ token_text: ['a', 'b'], token_logprob: [-1, -2], token_entropy: [1] })).toEqual(['token_logprob']);
    expect(heatFields({ thr_tokens: ['x', 'y', 'z'], thr: [0.5, -1, 2] })).toEqual(['thr']);
    // A masked-out completion records an empty THR list: no heat.
    expect(heatFields({ thr_tokens: ['x'], thr: [] })).toEqual([]);
    expect(heatFields({})).toEqual([]);
  });

  it('scales by the largest |value|: one hue for one sign, diverging for both', () => {
    const lp = heatTokens({ token_text: ['a', 'b', 'c'], token_logprob: [-0.5, -2, null] }, 'token_logprob');
    expect(lp.map((t) => [t.text, t.strength, t.tone])).toEqual([['a', 0.25, 'seq'], ['b', 1, 'seq'], ['c', 0, 'seq']]);
    expect(heatColor(lp[2])).toBe('transparent');
    const thr = heatTokens({ thr_tokens: ['x', 'y'], thr: [1, -4] }, 'thr');
    expect(thr.map((t) => [t.strength, t.tone])).toEqual([[0.25, 'pos'], [1, 'neg']]);
    expect(heatColor(thr[1])).toMatch(/^rgba\(37, 99, 235, 0\.700\)$/);
  });
});
