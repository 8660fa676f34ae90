/**
 * PolicyTrainer with consumeWeights: with beta 0 the full-finetune trainer trains the given
 * weights in place (no copy), ending at the same parameters as a trainer on a copy; with beta > 0
 * (the frozen reference is scored from those weights) it leaves them untouched.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights, type DecoderWeights } from '../../../src/engine/model/weights';
import { POLICY_INPUTS } from '../../../src/engine/rlvr/policyLoss';
import { PolicyTrainer } from '../../../src/engine/rlvr/policyTrainer';
import { packRows, type Completion } from '../../../src/engine/rlvr/rollout';

afterAll(() => clearSessionCache());

const config = parseDecoderConfig('config.json', {
  model_type: 'llama', vocab_size: 24, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 32, max_position_embeddings: 32,
});
const SEQ = 8;
const completion = (group: number, tokens: number[]): Completion => ({ group, text: '', tokens, truncated: false, reward: 0, correct: false, errorClass: null });
const rows = packRows([[1, 5, 7], [1, 9]], [completion(0, [3, 4, 2]), completion(1, [11, 2])], SEQ, 0, [true, true]);

async function trainOnce(weights: DecoderWeights, beta: number, consumeWeights: boolean): Promise<Record<string, Float32Array>> {
  const p = await PolicyTrainer.create({
    config, weights, batch: 2, seqLen: SEQ, temperature: 1,
    loss: { lossType: 'dapo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.28, delta: null, beta, maxCompletionLength: 5 },
    optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 },
    session: { executionProvider: 'cpu', threads: 1 }, seed: 3, consumeWeights,
  });
  try {
    const cur = await p.scorePolicy(rows);
    const dims = [2, SEQ];
    await p.trainStep(rows, {
      [POLICY_INPUTS.oldLogprobs]: { data: cur, dims },
      ...(beta > 0 ? { [POLICY_INPUTS.refLogprobs]: { data: cur, dims } } : {}),
      [POLICY_INPUTS.advantages]: { data: Float32Array.from([1, -1]), dims: [2] },
      [POLICY_INPUTS.completionMask]: { data: rows.mask, dims },
      [POLICY_INPUTS.tokenWeights]: { data: new Float32Array(2 * SEQ).fill(1), dims },
      [POLICY_INPUTS.numItemsInBatch]: rows.maskedTokens.reduce((a, b) => a + b, 0),
    }, 1e-2);
    return p.parameters();
  } finally {
    await p.release();
  }
}

const values = (w: DecoderWeights) => Object.fromEntries(tensorsFromWeights(config, w).map(([n, t]) => [n, Float32Array.from(t.data)]));

describe('PolicyTrainer consumeWeights', () => {
  it('with beta 0 trains the given weights in place, to the parameters a copy reaches', async () => {
    const expected = await trainOnce(initDecoderWeights(config, 4, 0.3), 0, false);
    const given = initDecoderWeights(config, 4, 0.3);
    const before = values(given);
    const trained = await trainOnce(given, 0, true);
    const after = values(given);
    for (const [name, v] of Object.entries(expected)) expect(Array.from(trained[name]!)).toEqual(Array.from(v));
    // the arrays the trainer wrote in place hold the trained values (the others it replaced)
    const written = Object.keys(expected).filter((n) => after[n]!.some((x, i) => x !== before[n]![i]));
    expect(written.length).toBeGreaterThan(Object.keys(expected).length / 2);
    for (const n of written) expect(Array.from(after[n]!)).toEqual(Array.from(expected[n]!));
  });

  it('with beta > 0 leaves the given weights as they were (the reference reads them)', async () => {
    const given = initDecoderWeights(config, 4, 0.3);
    const before = values(given);
    await trainOnce(given, 0.04, true);
    const after = values(given);
    for (const [name, v] of Object.entries(before)) expect(Array.from(after[name]!)).toEqual(Array.from(v));
  });
});
