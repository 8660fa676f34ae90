/**
 * The decoder training loss wired through compileTrainStep: with lr = 0 the step's loss equals
 * the masked cross-entropy computed in JS from the plain decoder's logits (labels −100 ignored),
 * the gradient is non-zero, and the parameters do not move.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache, openSession, serialize } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights } from '../../../src/engine/model/weights';
import { AdamWTrainer, compileTrainStep } from '../../../src/engine/optim';
import { decoderLossBuilder, decoderParams } from '../../../src/engine/toolkit';

afterAll(() => clearSessionCache());

const config = parseDecoderConfig('config.json', {
  model_type: 'llama', vocab_size: 20, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 24, max_position_embeddings: 16, tie_word_embeddings: false,
});
const weights = initDecoderWeights(config, 9, 0.3);
const B = 2;
const T = 5;
const IDS = [3, 7, 1, 12, 0, 5, 5, 9, 0, 0];
const LABELS = [7, 1, 12, -100, -100, -100, 9, 19, -100, -100];

describe('decoder loss', () => {
  it('equals the masked cross-entropy of the plain decoder logits; lr 0 leaves the weights', async () => {
    const params = decoderParams(config, weights);
    expect(params.find((p) => p.name === 'model.norm.weight')!.weightDecay).toBe(false);
    expect(params.find((p) => p.name === 'lm_head.weight')!.weightDecay).toBe(true);
    const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 };
    const compiled = compileTrainStep({ params, buildLoss: decoderLossBuilder(config, weights, B, T), optimizer });
    expect(compiled.dataInputs.map((d) => d.name).sort()).toEqual(['input_ids', 'labels']);
    const initial = Object.fromEntries(tensorsFromWeights(config, weights).map(([n, t]) => [n, t.data]));
    const trainer = await AdamWTrainer.create(compiled, initial, optimizer, { executionProvider: 'cpu', threads: 1 });
    const i64 = (v: number[]) => ({ data: BigInt64Array.from(v, BigInt), dims: [B, T] });
    const r = await trainer.trainStep([{ input_ids: i64(IDS), labels: i64(LABELS) }], 0);
    await trainer.release();

    const plain = await openSession(serialize(buildDecoder(config, weights, { batch: B, seqLen: T, attentionMask: false }).graph), { executionProvider: 'cpu', threads: 1 });
    const logits = (await plain.run({ input_ids: i64(IDS) })).logits!.data as Float32Array;
    const V = config.vocab_size;
    let sum = 0;
    let n = 0;
    LABELS.forEach((y, i) => {
      if (y < 0) return;
      const row = Array.from(logits.subarray(i * V, (i + 1) * V));
      const m = Math.max(...row);
      sum -= row[y]! - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      n++;
    });
    expect(r.loss).toBeCloseTo(sum / n, 5);
    expect(r.gradNorm).toBeGreaterThan(0);
    // lr 0: nothing moves
    expect(trainer.params()['model.layers.1.mlp.down_proj.weight']).toEqual(initial['model.layers.1.mlp.down_proj.weight']);
  });
});
