/**
 * The chunked LM head inside whole training graphs: for a decoder with every weight trainable
 * (tied and untied heads) and for LoRA adapters, a loss of the per-token log-probs and entropies
 * gives the same value and the same gradients for every parameter whether the head is the plain
 * [B, T, vocab] logits path (the one the float64 reference tests check) or chunks of 5 rows
 * (a ragged last chunk). The chunked head's own gradients are checked against finite differences
 * in tests/engine/onnx/chunkedHead.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Graph, chunkedTokenStats, grad, op, openSession, serialize, type Tensor } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { initLoraAdapters, loraTensorShapes, type LoraSpec } from '../../../src/engine/model/lora';
import { tensorsFromWeights } from '../../../src/engine/model/weights';
import { scaledTokenStats } from '../../../src/engine/rlvr/policyGraph';
import { createRng } from '../../../src/engine/random';

const B = 2;
const T = 7;
const TAU = 0.8;

for (const [label, extra, lora] of [
  ['untied head, every weight', {}, null],
  ['tied head, every weight', { tie_word_embeddings: true }, null],
  ['LoRA adapters', {}, { r: 2, alpha: 4, targets: ['q', 'v', 'down'] } as LoraSpec],
] as const) {
  describe(`chunked head in a training graph (${label})`, () => {
    it('loss and gradients equal those through the full logits', async () => {
      const config = parseDecoderConfig('config.json', { model_type: 'llama', vocab_size: 29, hidden_size: 12, num_hidden_layers: 2, num_attention_heads: 3, num_key_value_heads: 1, intermediate_size: 20, rope_theta: 100, ...extra });
      const weights = initDecoderWeights(config, 5, 0.4);
      const rng = createRng(8);
      const g = new Graph('chunked_vs_full');
      const params = new Map<string, Tensor>();
      const start: Record<string, Float32Array> = {};
      if (lora) {
        const adapters = initLoraAdapters(config, lora, 3);
        for (const { name, shape } of loraTensorShapes(config, lora)) {
          params.set(name, g.input(name, 'float32', shape));
          start[name] = Float32Array.from(adapters.get(name)!.data, () => 0.3 * rng.normal()); // B ≠ 0 so adapters matter
        }
      } else {
        for (const [name, t] of tensorsFromWeights(config, weights)) {
          params.set(name, g.input(name, 'float32', t.shape));
          start[name] = t.data;
        }
      }
      const d = buildDecoder(config, weights, { graph: g, weightTensors: params, batch: B, seqLen: T, attentionMask: false, outputs: {}, ...(lora ? { lora } : {}) });
      const targets = g.input('target_ids', 'int64', [B, T]);
      const coefLp = g.constant(Float32Array.from({ length: B * T }, () => rng.normal()), 'float32', [B, T]);
      const coefEnt = g.constant(Float32Array.from({ length: B * T }, () => rng.normal()), 'float32', [B, T]);
      const lossOf = (s: { logprobs: Tensor; entropy: Tensor | null }) => op.add(op.reduceSum(op.mul(s.logprobs, coefLp)), op.reduceSum(op.mul(s.entropy!, coefEnt)));
      const full = lossOf(scaledTokenStats(d.tensors.logits, targets, TAU, true));
      const chunked = lossOf(chunkedTokenStats(d.tensors.normedHidden, d.tensors.headWeight, targets, { temperature: TAU, entropy: true, chunkRows: 5 }));
      const names = [...params.keys()];
      g.output(full, 'loss_full');
      g.output(chunked, 'loss_chunked');
      grad(full, names.map((n) => params.get(n)!)).forEach((t, i) => g.output(t, `full.${names[i]}`));
      grad(chunked, names.map((n) => params.get(n)!)).forEach((t, i) => g.output(t, `chunked.${names[i]}`));
      const s = await openSession(serialize(g), { executionProvider: 'cpu', threads: 1, cache: false });
      const ids = Array.from({ length: B * T }, () => rng.nextInt(config.vocab_size));
      const tgt = ids.map((_, i) => (i === 4 ? -100 : rng.nextInt(config.vocab_size)));
      const out = await s.run({ ...start, input_ids: { data: BigInt64Array.from(ids, BigInt), dims: [B, T] }, target_ids: { data: BigInt64Array.from(tgt, BigInt), dims: [B, T] } });
      await s.release();
      const lf = Number(out.loss_full!.data[0]);
      expect(Math.abs(Number(out.loss_chunked!.data[0]) - lf)).toBeLessThan(1e-4 * (1 + Math.abs(lf)));
      for (const n of names) {
        const a = out[`full.${n}`]!.data as Float32Array;
        const b = out[`chunked.${n}`]!.data as Float32Array;
        const scale = Math.max(1e-3, ...Array.from(a, Math.abs));
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
        expect(worst / scale, `${n}: largest difference ${worst} (largest entry ${scale})`).toBeLessThan(1e-4);
      }
    });
  });
}
