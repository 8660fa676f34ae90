import { describe, expect, it } from 'vitest';
import { evaluateTask, summarise, resultMetrics, type ExampleOutcome, type LanguageModel } from '../../../src/engine/evaluation/harness';
import { getTask } from '../../../src/engine/tasks';

function outcome(verdicts: [boolean, string][], metadata: Record<string, number>): ExampleOutcome {
  return {
    example: { id: 'x', task: 'arithmetic', prompt: '', answer: '', metadata },
    completions: verdicts.map(([, p]) => p),
    verdicts: verdicts.map(([correct, parsed]) => ({ correct, reward: correct ? 1 : 0, parsed, errorClass: correct ? undefined : 'wrong_number' })),
  };
}

describe('evaluation harness', () => {
  it('scores hand-made outcomes: exact match of the first sample, pass@k, maj@k, breakdowns', () => {
    const outcomes = [
      outcome([[true, '5'], [false, '6'], [true, '5'], [false, '7']], { digits: 1 }), // c=2 of 4, majority 5 (correct)
      outcome([[false, '9'], [false, '9'], [true, '8'], [false, '1']], { digits: 2 }), // c=1 of 4, majority 9 (wrong)
      outcome([[false, '1'], [false, '2'], [false, '3'], [false, '4']], { digits: 2 }), // c=0
    ];
    const r = summarise({ task: 'arithmetic', ks: [1, 2, 4] }, 'generative', ['digits'], outcomes);
    expect(r.accuracy).toBeCloseTo(1 / 3);
    // pass@1 = mean c/n = (0.5 + 0.25 + 0)/3; pass@2 = mean 1 - C(n-c,2)/C(n,2) = (1 - 1/6 + 1 - 3/6 + 0)/3
    expect(r.passAtK['1']).toBeCloseTo((0.5 + 0.25) / 3);
    expect(r.passAtK['2']).toBeCloseTo((5 / 6 + 1 / 2) / 3);
    expect(r.passAtK['4']).toBeCloseTo(2 / 3);
    // maj@4: only the first problem's majority (5) is right.
    expect(r.majAtK['4']).toBeCloseTo(1 / 3);
    // maj@2 averages over all 6 pairs of each problem's 4 samples (a tie credits 1/2):
    // problem 1 {5,6} ½ {5,5} 1 {5,7} ½ {6,5} ½ {6,7} 0 {5,7} ½ → 3/6; problem 2 three pairs with 8 tie → 1.5/6
    expect(r.majAtK['2']).toBeCloseTo((0.5 + 0.25) / 3, 12);
    expect(r.breakdown.digits).toEqual({
      '1': { count: 1, correct: 1, accuracy: 1 },
      '2': { count: 2, correct: 0, accuracy: 0 },
    });
    expect(r.errorClasses).toEqual({ correct: 1, wrong_number: 2 });
    expect(resultMetrics(r)['eval/arithmetic/pass@2']).toBeCloseTo((5 / 6 + 1 / 2) / 3);
  });

  it('runs a model over a task: an oracle scores 1, a model that answers 0 scores as the verifier says', async () => {
    const task = getTask('arithmetic');
    const examples = task.generate('test', 12, 3, {});
    const answers = new Map(examples.map((e) => [e.prompt, e.answer]));
    const oracle: LanguageModel = {
      generate: async (prompts, o) => prompts.map((p) => Array.from({ length: o.numSamples }, () => answers.get(p)!)),
      scoreChoices: async () => ({ logprobs: [], lengths: [] }),
    };
    const zero: LanguageModel = { ...oracle, generate: async (prompts) => prompts.map(() => ['0']) };
    const spec = { task: 'arithmetic', numExamples: 12, seed: 3, ks: [1], batchSize: 5, sampling: { maxNewTokens: 8, temperature: 0, topP: 1, numSamples: 1, seed: 0 } };
    const progress: number[] = [];
    const good = await evaluateTask(oracle, spec, (d) => progress.push(d));
    expect(good.accuracy).toBe(1);
    expect(progress).toEqual([5, 10, 12]);
    const bad = await evaluateTask(zero, spec);
    const expected = examples.filter((e) => task.verify(e, '0').correct).length / 12;
    expect(bad.accuracy).toBeCloseTo(expected);
    expect(bad.accuracy).toBeLessThan(0.5);
  });

  it('picks the highest-likelihood choice for choice tasks', async () => {
    const task = getTask('compare');
    const examples = task.generate('test', 6, 1, {});
    const byPrompt = new Map(examples.map((e) => [e.prompt, e.label!]));
    // Scores the gold choice highest for every prompt.
    const model: LanguageModel = {
      generate: async () => [],
      scoreChoices: async (prompts, choices) => ({
        logprobs: prompts.map((p, i) => choices[i]!.map((_, j) => (j === byPrompt.get(p) ? -0.1 : -5))),
        lengths: choices.map((cs) => cs.map(() => 1)),
      }),
    };
    const r = await evaluateTask(model, { task: 'compare', numExamples: 6, seed: 1, ks: [1], batchSize: 4, sampling: { maxNewTokens: 4, temperature: 0, topP: 1, numSamples: 1, seed: 0 } });
    expect(r.kind).toBe('choice');
    expect(r.accuracy).toBe(1);
  });
});
