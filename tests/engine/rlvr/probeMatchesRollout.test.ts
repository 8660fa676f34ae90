/**
 * The failure-prefix probe (ALGORITHMS.md §3.2) and the GRPO rollout on the same conditioned prompt
 * must agree: the probe estimates the solve rate the training rollouts will see. With greedy
 * decoding both are deterministic, so for every conditioned prompt the probe's accuracy (one greedy
 * continuation) must equal the rollout's reward (one greedy completion of the pool item). Checked on
 * the built-in model with brackets, whose verifier reads the problem's prompt (the brackets to
 * close): a conditioned example whose prompt carries the prefix text is scored against the wrong
 * problem (decision 0039 saw probe accuracy 1.0 and conditioned reward 0).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { loadModelFolder } from '../../../src/engine/model/folder';
import { clearSessionCache } from '../../../src/engine/onnx';
import { buildFailurePrefixPrompts, inferencePrefixSampler, verifierCorrectness, type PrefixSampler } from '../../../src/engine/rlvr/failurePrefix';
import { conditionedItems } from '../../../src/engine/rlvr/prefixPool';
import { sampleCompletions } from '../../../src/engine/rlvr/rollout';
import { getTask } from '../../../src/engine/tasks';

const BUILTIN = join(process.cwd(), 'resources/models/benchtop-tiny');
afterAll(async () => {
  await clearSessionCache();
});

describe('failure-prefix probe against the training rollout', () => {
  for (const rewardWithPrefix of [false, true]) {
    it(`brackets, greedy: probe accuracy equals the rollout reward on every conditioned prompt (reward ${rewardWithPrefix ? 'prefix + continuation' : 'continuation'})`, async () => {
      const folder = await loadModelFolder(BUILTIN);
      const model = InferenceModel.create(folder.config, folder.weights, folder.tokenizer, { executionProvider: 'cpu', threads: 1, batchSize: 32 }, folder.generationConfig);
      try {
        const decode = (ids: readonly number[]) => folder.tokenizer.decode(ids as number[], { skipSpecial: true });
        const hot = inferencePrefixSampler(model, { maxNewTokens: 16, temperature: 1.5, topP: 1, topK: 0 }, decode);
        const greedy = inferencePrefixSampler(model, { maxNewTokens: 16, temperature: 0, topP: 1, topK: 0 }, decode);
        // failures drawn hot (so there are some), probes greedy (so they are deterministic)
        const sampler: PrefixSampler = { sample: (p, n, s, prefixes) => (prefixes ? greedy.sample(p, 1, s, prefixes) : hot.sample(p, n, s)), decode };
        const problems = getTask('brackets').generate('train', 24, 3, { min_pairs: 3, max_pairs: 5 });
        const spec = { samplesPerProblem: 8, saturationThreshold: 0, failuresPerProblem: 2, prefixFractions: [0.25, 0.5, 0.75], targetAccuracy: 0.5, probeSamples: 1, rewardWithPrefix };
        const { prompts } = await buildFailurePrefixPrompts(problems, sampler, verifierCorrectness, spec, 11);
        expect(prompts.length).toBeGreaterThan(3);
        const { items, tooLong } = conditionedItems(prompts, (t, prefix) => model.encodePrompt(t, prefix), 1000, rewardWithPrefix);
        expect(tooLong).toBe(0);
        const rolled = await sampleCompletions(model, items, { numGenerations: 1, maxCompletionLength: 16, temperature: 0, topP: 1, topK: 0, seed: 5 });
        const probe = prompts.map((p) => p.probeAccuracy);
        const reward = rolled.map((c) => c.reward);
        console.log(`probe ${JSON.stringify(probe)}\nreward ${JSON.stringify(reward)}`);
        expect(reward).toEqual(probe);
      } finally {
        await model.release();
      }
    });
  }
});
