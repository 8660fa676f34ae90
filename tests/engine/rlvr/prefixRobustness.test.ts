/**
 * Failure-prefix robustness evals (ALGORITHMS.md §3.5) on a hand-made character-level policy:
 * which prefixes are built (first incorrect / first correct response, cut at floor(f·L)), and the
 * accuracies of hand-chosen greedy continuations, scored on the continuation or prefix + it.
 */
import { describe, expect, it } from 'vitest';
import type { PrefixSampler } from '../../../src/engine/rlvr/failurePrefix';
import { buildRobustnessSet, evaluateRobustness, robustnessSetMetrics } from '../../../src/engine/rlvr/prefixRobustness';
import { getTask, type Example } from '../../../src/engine/tasks';
import { verifierCorrectness } from '../../../src/engine/rlvr/failurePrefix';

const ex = (name: string, task = 'fake'): Example => ({ id: `fake:${name}`, task, prompt: `${name}:`, answer: '=1', metadata: {} });
// P: wrong "abcdef" then right "xy=1"; Q: all right ("q=1" then "qqqq=1"); R: all wrong, first "z" (1 token: no cut)
const table: Record<string, string[]> = { 'P:': ['s=1', 'abcdef', 'xy=1'], 'Q:': ['q=1', 'qqqq=1', 'q=1'], 'R:': ['z', 'zz=0', 'w=0'] };
// greedy continuations of the conditioned prompts
const greedyText: Record<string, string> = { 'P:abc': '=1', 'P:s=': '1', 'Q:q=': '0' };

const sampler = (texts: (p: string, n: number) => string[]): PrefixSampler => ({
  // a character-level policy: the answer's given start simply follows the prompt text
  async sample(prompts, n, _seed, prefixes) {
    return prompts.map((p, i) => texts(p + (prefixes?.[i] ?? ''), n).map((text) => ({ text, tokens: [...text].map((c) => c.charCodeAt(0)) })));
  },
  decode: (ids) => String.fromCharCode(...ids),
});
const isCorrect = (e: Example, text: string) => text.endsWith(e.answer);

describe('failure-prefix robustness set and evals', () => {
  it('builds the first incorrect and first correct prefixes, cut at floor(f·L)', async () => {
    const set = await buildRobustnessSet([ex('P'), ex('Q'), ex('R', 'other')], sampler((p) => table[p]!), isCorrect, { samplesPerProblem: 3, prefixFraction: 0.5, rewardWithPrefix: false }, 1);
    // P misleading "abcdef" → 3 tokens "abc"; P correct "s=1" → floor(1.5) = 1 → "s"; Q correct "q=1" → "q";
    // R misleading "z" has 1 token → no cut, R's next wrong one is not used (first only)
    expect(set.map((s) => [s.kind, s.originalPrompt + s.prefixText, s.prefixText, s.example.prompt])).toEqual([
      ['misleading', 'P:abc', 'abc', 'P:'],
      ['correct', 'P:s', 's', 'P:'],
      ['correct', 'Q:q', 'q', 'Q:'],
    ]);
    expect(robustnessSetMetrics(set)).toEqual({ 'prefix_eval/misleading_prompts': 1, 'prefix_eval/correct_prompts': 2 });
  });

  it('accuracy per task and kind from greedy continuations; prefix + continuation when asked', async () => {
    const set = await buildRobustnessSet([ex('P'), ex('Q')], sampler((p) => table[p]!), isCorrect, { samplesPerProblem: 3, prefixFraction: 0.7, rewardWithPrefix: false }, 1);
    // f 0.7: P wrong "abcdef" → 4 "abcd"; P right "s=1" → 2 "s="; Q right "q=1" → 2 "q="
    expect(set.map((s) => s.originalPrompt + s.prefixText)).toEqual(['P:abcd', 'P:s=', 'Q:q=']);
    const greedy = sampler((p, n) => {
      expect(n).toBe(1);
      return [greedyText[p] ?? 'nope'];
    });
    // continuation alone: P:abcd → "nope" wrong; P:s= → "1" (ends with "=1"? no) wrong; Q:q= → "0" wrong
    expect(await evaluateRobustness(set, greedy, isCorrect, false, 2)).toEqual({ 'eval/fake/misleading_prefix_accuracy': 0, 'eval/fake/correct_prefix_accuracy': 0 });
    // prefix + continuation: "s=" + "1" = "s=1" right; "q=" + "0" wrong → correct 1/2
    expect(await evaluateRobustness(set, greedy, isCorrect, true, 2)).toEqual({ 'eval/fake/misleading_prefix_accuracy': 0, 'eval/fake/correct_prefix_accuracy': 0.5 });
    const recovering = sampler((p) => [p === 'P:abcd' ? 'xx=1' : 'no']);
    expect((await evaluateRobustness(set, recovering, isCorrect, false, 2))['eval/fake/misleading_prefix_accuracy']).toBe(1);
    expect(await evaluateRobustness([], greedy, isCorrect, false, 2)).toEqual({});
  });

  it('brackets: the verifier reads the problem from its prompt, so a prefix must not be appended to it', async () => {
    const problem: Example = { id: 'b:1', task: 'brackets', prompt: '([{=', answer: '}])', metadata: {} };
    expect(getTask('brackets').verify(problem, '}])').correct).toBe(true); // the task's own check
    // sampled: wrong "})]" (cut after 1 → "}") and right "}])" (cut after 1 → "}")
    const set = await buildRobustnessSet([problem], sampler(() => ['})]', '}])']), verifierCorrectness, { samplesPerProblem: 2, prefixFraction: 0.5, rewardWithPrefix: true }, 1);
    expect(set.map((s) => [s.kind, s.prefixText, s.example.prompt])).toEqual([['misleading', '}', '([{='], ['correct', '}', '([{=']]);
    // greedy continues "}" with "])": prefix + continuation "}])" closes "([{" — right for both prompts
    const greedy = sampler((p) => [p === '([{=}' ? '])' : 'no']);
    expect(await evaluateRobustness(set, greedy, verifierCorrectness, true, 2)).toEqual({ 'eval/brackets/misleading_prefix_accuracy': 1, 'eval/brackets/correct_prefix_accuracy': 1 });
  });
});
