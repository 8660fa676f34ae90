/**
 * End-to-end learning check: a tiny Llama decoder (the real buildDecoder through
 * decoderLossBuilder + compileTrainStep + AdamWTrainer) trained from random init on a synthetic
 * reversal task, `<bos> abcde | edcba <eos>`, with the loss on the completion (reversed string +
 * <eos>) only. The step graph's loss must fall below 0.05; then the trained weights are checked
 * independently: the float64 reference decoder's completion cross-entropy on fresh strings is
 * below 0.05 too, and greedy KV-cache generation (InferenceModel) reverses fresh strings exactly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { charTokenizerFiles, tokenizerFromJson } from '../../../src/engine/model/tokenizer';
import { tensorsFromWeights } from '../../../src/engine/model/weights';
import { AdamWTrainer, compileTrainStep, learningRateAt } from '../../../src/engine/optim';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { createRng, type Rng } from '../../../src/engine/random';
import { decoderLossBuilder, decoderParams } from '../../../src/engine/toolkit';
import { weightsFromParams } from '../../../src/engine/toolkit';
import { referenceForward } from '../model/referenceDecoder';

afterAll(() => clearSessionCache());

const LETTERS = 'abcdef';
const N = 5; // letters per string
const files = charTokenizerFiles(LETTERS + '|');
const tok = tokenizerFromJson(files.json, files.config);
const config = parseDecoderConfig('config.json', {
  model_type: 'llama', vocab_size: tok.vocabSize, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4,
  intermediate_size: 128, max_position_embeddings: 32, rope_theta: 100, bos_token_id: tok.bosId, eos_token_id: tok.eosId, pad_token_id: tok.padId,
});
const B = 32;
// Sequence <bos> x₁…x₅ | x₅…x₁ <eos> has 2N + 3 tokens; inputs are all but the last, labels the next token.
const T = 2 * N + 2;
const PROMPT = N + 2; // <bos> x |

const randomString = (rng: Rng) => Array.from({ length: N }, () => LETTERS[rng.nextInt(LETTERS.length)]!).join('');
const reversed = (s: string) => [...s].reverse().join('');
const sequence = (s: string) => [tok.bosId!, ...tok.encode(`${s}|`), ...tok.encode(reversed(s)), tok.eosId!];

function batch(rng: Rng) {
  const ids = new BigInt64Array(B * T);
  const labels = new BigInt64Array(B * T);
  for (let b = 0; b < B; b++) {
    const seq = sequence(randomString(rng));
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = BigInt(seq[t]!);
      // completion-only: position t predicts seq[t + 1]; only the reversed part and <eos> count
      labels[b * T + t] = t + 1 >= PROMPT ? BigInt(seq[t + 1]!) : -100n;
    }
  }
  return { input_ids: { data: ids, dims: [B, T] }, labels: { data: labels, dims: [B, T] } };
}

describe('training a tiny decoder on string reversal', () => {
  it('reaches < 0.05 completion loss; the reference decoder and KV-cache greedy decoding agree', async () => {
    const weights = initDecoderWeights(config, 1);
    const optimizer = { beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };
    const compiled = compileTrainStep({ params: decoderParams(config, weights), buildLoss: decoderLossBuilder(config, weights, B, T), optimizer });
    const start = Object.fromEntries(tensorsFromWeights(config, weights).map(([n, t]) => [n, t.data]));
    const trainer = await AdamWTrainer.create(compiled, start, optimizer, { executionProvider: 'cpu', threads: 1 });
    const steps = 300;
    const schedule = { schedule: 'cosine' as const, learningRate: 3e-3, warmupSteps: 30, maxSteps: steps };
    const rng = createRng(2);
    const losses: number[] = [];
    try {
      for (let s = 0; s < steps; s++) losses.push((await trainer.trainStep([batch(rng)], learningRateAt(schedule, s))).loss);
    } finally {
      await trainer.release();
    }
    console.log(`reversal loss 1:${losses[0]!.toFixed(3)} 100:${losses[99]!.toFixed(3)} 200:${losses[199]!.toFixed(4)} 300:${losses[299]!.toFixed(4)}`);
    // From chance (≈ ln 11, the vocabulary size) to near-certainty.
    expect(losses[0]!).toBeGreaterThan(1.5);
    const tail = losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
    expect(tail).toBeLessThan(0.05);

    // Independent check of the trained weights: float64 reference forward on fresh strings.
    const trained = weightsFromParams(config, trainer.params());
    const fresh = createRng(77);
    const tests = Array.from({ length: 16 }, () => randomString(fresh));
    const seqs = tests.map(sequence);
    const ref = referenceForward(config, trained, seqs.map((s) => s.slice(0, T)));
    let ce = 0;
    let count = 0;
    ref.logits.forEach((rows, b) => {
      for (let t = PROMPT - 1; t < T; t++) {
        const row = rows[t]!;
        const m = Math.max(...row);
        ce -= row[seqs[b]![t + 1]!]! - m - Math.log(row.reduce((z, v) => z + Math.exp(v - m), 0));
        count++;
      }
    });
    expect(ce / count).toBeLessThan(0.05);

    // Greedy decoding through the KV cache (the training loop's eval model) reverses them.
    const model = InferenceModel.create(config, trained, tok, { executionProvider: 'cpu', threads: 1 });
    try {
      const out = await model.generate(tests.map((s) => `${s}|`), { maxNewTokens: N + 1, temperature: 0, topP: 1, numSamples: 1, seed: 0 });
      expect(out.map((r) => r[0])).toEqual(tests.map(reversed));
    } finally {
      await model.release();
    }
  });
});
