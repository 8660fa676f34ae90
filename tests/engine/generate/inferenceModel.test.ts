/**
 * InferenceModel as the harness's LanguageModel, on a folder loaded from disk: its answers equal
 * the underlying generate/score calls, the harness runs a generative and a choice task with it,
 * setWeights changes what it computes, and — as the training loop's eval model — greedy answers of
 * a padded batch equal a reference argmax loop over each prompt alone, cut at the model's
 * positions with fitToLimit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateTask } from '../../../src/engine/evaluation/harness';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { referenceForward } from '../model/referenceDecoder';
import { tinyFolder } from './tinyModel';

let model: InferenceModel;
let cleanup: () => void;
beforeAll(async () => {
  const t = await tinyFolder();
  cleanup = t.cleanup;
  model = await InferenceModel.load(t.folder.dir, { executionProvider: 'cpu', threads: 1, stop: ['\n'] });
});
afterAll(async () => {
  await model.release();
  cleanup();
});

describe('InferenceModel', () => {
  it('generate returns the sample texts; scoreChoices matches the reference log-probs', async () => {
    const o = { maxNewTokens: 6, temperature: 0.8, topP: 0.9, numSamples: 2, seed: 5 };
    const texts = await model.generate(['1+1=', 'ab'], o);
    const samples = await model.sample(['1+1=', 'ab'], { ...o, stop: ['\n'] });
    expect(texts).toEqual(samples.map((r) => r.map((s) => s.text)));
    expect(texts.flat().every((t) => !t.includes('\n'))).toBe(true);
    expect(await model.device()).toEqual({ provider: 'cpu', notice: null });

    const { logprobs, lengths } = await model.scoreChoices(['x='], [['yes', 'no']]);
    expect(lengths).toEqual([[3, 2]]);
    const prompt = model.encodePrompt('x=');
    const ids = [...prompt, ...model.tokenizer.encode('no')];
    const l = referenceForward(model.config, model.folder.weights, [ids]).logits[0]!;
    const want = [prompt.length, prompt.length + 1].reduce((s, t) => {
      const row = l[t - 1]!;
      const m = Math.max(...row);
      return s + row[ids[t]!]! - m - Math.log(row.reduce((z, v) => z + Math.exp(v - m), 0));
    }, 0);
    expect(Math.abs(logprobs[0]![1]! - want)).toBeLessThan(1e-4);
  });

  it('runs the evaluation harness on a generative and a choice task', async () => {
    const sampling = { maxNewTokens: 4, temperature: 0, topP: 1, numSamples: 1, seed: 0 };
    const gen = await evaluateTask(model, { task: 'arithmetic', numExamples: 3, seed: 1, sampling, ks: [1], batchSize: 2 });
    expect(gen.kind).toBe('generative');
    expect(gen.count).toBe(3);
    expect(gen.outcomes.every((o) => o.completions.length === 1)).toBe(true);
    const choice = await evaluateTask(model, { task: 'compare', numExamples: 3, seed: 1, sampling, ks: [1], batchSize: 2 });
    expect(choice.kind).toBe('choice');
    expect(choice.outcomes.every((o) => o.choiceLogprobs!.every((v) => Number.isFinite(v) && v < 0))).toBe(true);
  });

  it('setWeights rebuilds the graphs with the new weights', async () => {
    const before = (await model.scoreTexts(['hello']))[0]!.logprobs;
    const old = model.folder.weights;
    await model.setWeights(initDecoderWeights(model.config, 99, 0.3));
    const after = (await model.scoreTexts(['hello']))[0]!.logprobs;
    expect(after).not.toEqual(before);
    await model.setWeights(old);
    expect((await model.scoreTexts(['hello']))[0]!.logprobs).toEqual(before);
  });

  it('as the eval model: greedy generation of a padded batch equals a reference argmax loop per prompt; fitToLimit cuts at the positions', async () => {
    const limit = 14;
    const config = { ...model.config, max_position_embeddings: limit };
    // std 0.5 so the argmax changes from position to position
    const weights = initDecoderWeights(config, 4, 0.5);
    const evalModel = InferenceModel.create(config, weights, model.tokenizer, { executionProvider: 'cpu', threads: 1, fitToLimit: true });
    try {
      const prompts = ['12+345=', '7=', 'abc(def)'];
      const n = 8;
      const got = await evalModel.generate(prompts, { maxNewTokens: n, temperature: 0, topP: 1, numSamples: 2, seed: 0 });
      const eos = evalModel.eosIds;
      for (const [i, p] of prompts.entries()) {
        const seq = evalModel.encodePrompt(p);
        const out: number[] = [];
        // At most n new tokens, and never past the model's positions.
        while (out.length < n && seq.length < limit) {
          const l = referenceForward(config, weights, [seq]).logits[0]!.at(-1)!;
          const id = l.indexOf(Math.max(...l));
          if (eos.has(id)) break;
          seq.push(id);
          out.push(id);
        }
        const want = evalModel.tokenizer.decode(out, { skipSpecial: true });
        expect(got[i]).toEqual([want, want]);
      }
      expect(new Set(got.map((g) => g[0])).size).toBeGreaterThan(1); // prompts matter: not a constant output
      // '12+345=' is 8 tokens with <bos>: 6 positions left of 8 asked
      const cut = await evalModel.sample(['12+345='], { maxNewTokens: n, temperature: 0, ignoreEos: true });
      expect(cut[0]![0]!.tokens).toHaveLength(limit - 8);
      expect(cut[0]![0]!.finishReason).toBe('length');
      const without = InferenceModel.create(config, weights, model.tokenizer, { executionProvider: 'cpu', threads: 1 });
      await expect(without.sample(['12+345='], { maxNewTokens: n, temperature: 0 })).rejects.toThrow(/exceeds the model's max_position_embeddings 14/);
      await without.release();
    } finally {
      await evalModel.release();
    }
  });
});
