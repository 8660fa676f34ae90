/**
 * The compiled GRPO training step (decoder + loss head + backward + AdamW) on a tiny decoder,
 * full and LoRA: with old = current (num_iterations 1) the ratio is 1, nothing is clipped and the
 * dapo loss is −Σ A_i|o_i| / N worked out by hand; one step with A > 0 raises the log-probs of
 * the sampled completion tokens and A < 0 lowers them; the reference scorer is the frozen initial
 * model (equal to the policy before the step, different after it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache, type Feed } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { POLICY_INPUTS, POLICY_OUTPUTS, type PolicyLossSpec } from '../../../src/engine/rlvr/policyLoss';
import { PolicyTrainer } from '../../../src/engine/rlvr/policyTrainer';
import { packRows, type Completion, type TrainRows } from '../../../src/engine/rlvr/rollout';

afterAll(() => clearSessionCache());

const config = parseDecoderConfig('config.json', {
  model_type: 'qwen2', vocab_size: 24, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 32, max_position_embeddings: 32,
});
const weights = initDecoderWeights(config, 4, 0.3);
const PROMPTS = [[1, 5, 7], [1, 9]];
const completion = (group: number, tokens: number[]): Completion => ({ group, text: '', tokens, truncated: false, reward: 0, correct: false, errorClass: null });
// two groups of two completions; lengths 3, 4, 2, 5
const COMPLETIONS = [completion(0, [3, 4, 2]), completion(0, [8, 8, 6, 2]), completion(1, [11, 2]), completion(1, [5, 6, 7, 12, 2])];
const SEQ = 9;
const rows: TrainRows = packRows(PROMPTS, COMPLETIONS, SEQ, 0, [true, true, true, true]);
const LOSS: PolicyLossSpec = { lossType: 'dapo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.28, delta: null, beta: 0.04, maxCompletionLength: 5 };

async function trainer(lora: boolean): Promise<PolicyTrainer> {
  return PolicyTrainer.create({
    config,
    weights,
    ...(lora ? { lora: { r: 4, alpha: 8, targets: ['q', 'v', 'up', 'down'] as const } } : {}),
    batch: 4,
    seqLen: SEQ,
    temperature: 0.8,
    loss: LOSS,
    optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 },
    session: { executionProvider: 'cpu', threads: 1 },
    seed: 3,
  });
}

/** Σ over each row's completion tokens of log p. */
function rowSums(lp: Float32Array): number[] {
  return Array.from({ length: rows.batch }, (_, b) => {
    let s = 0;
    for (let t = 0; t < SEQ; t++) s += rows.mask[b * SEQ + t]! * lp[b * SEQ + t]!;
    return s;
  });
}

function head(old: Float32Array, ref: Float32Array, advantages: number[]): Feed {
  const dims = [rows.batch, SEQ];
  return {
    [POLICY_INPUTS.oldLogprobs]: { data: old, dims },
    [POLICY_INPUTS.refLogprobs]: { data: ref, dims },
    [POLICY_INPUTS.advantages]: { data: Float32Array.from(advantages), dims: [rows.batch] },
    [POLICY_INPUTS.completionMask]: { data: rows.mask, dims },
    [POLICY_INPUTS.tokenWeights]: { data: new Float32Array(rows.batch * SEQ).fill(1), dims },
    [POLICY_INPUTS.numItemsInBatch]: rows.maskedTokens.reduce((a, b) => a + b, 0),
  };
}

describe('GRPO training step', () => {
  it('lays out rows: completion tokens are the masked targets', () => {
    expect(rows.maskedTokens).toEqual([3, 4, 2, 5]);
    // row 1: <1 5 7> + <8 8 6 2>: positions 2..5 predict 8, 8, 6, 2
    expect(Array.from(rows.targetIds.slice(SEQ + 2, SEQ + 6), Number)).toEqual([8, 8, 6, 2]);
    expect(Array.from(rows.mask.slice(SEQ, 2 * SEQ))).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(rows.inputIds.slice(3 * SEQ, 4 * SEQ), Number)).toEqual([1, 9, 5, 6, 7, 12, 2, 0, 0]);
  });

  for (const lora of [false, true]) {
    it(`${lora ? 'LoRA' : 'full'}: old = current gives ratio 1 and the REINFORCE loss; A > 0 raises the sampled tokens' log-probs, A < 0 lowers them`, async () => {
      for (const sign of [1, -1]) {
        const p = await trainer(lora);
        try {
          const old = await p.scorePolicy(rows);
          const ref = await p.scoreReference(rows);
          // before any step the policy is the reference (LoRA: B = 0, the adapter is a no-op)
          old.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-6));
          const A = [1, 0.5, 2, 0.25].map((a) => sign * a);
          const r = await p.trainStep(rows, head(old, ref, A), 3e-3);
          // ρ = 1, KL = 0: per-token loss −A_i, dapo: Σ_i −A_i |o_i| / Σ|o_i|
          const n = rows.maskedTokens;
          expect(r.loss).toBeCloseTo(-A.reduce((s, a, i) => s + a * n[i]!, 0) / 14, 5);
          expect(Number(r.outputs[POLICY_OUTPUTS.clipRegionMean]!.data[0])).toBe(0);
          expect(Number(r.outputs[POLICY_OUTPUTS.klMean]!.data[0])).toBeLessThan(1e-6);
          expect(r.gradNorm).toBeGreaterThan(0);
          const after = rowSums(await p.scorePolicy(rows));
          const before = rowSums(old);
          after.forEach((v, b) => expect(sign * (v - before[b]!), `row ${b}: ${before[b]} → ${v}`).toBeGreaterThan(0));
          // the reference stays the initial model
          const ref2 = await p.scoreReference(rows);
          ref2.forEach((v, i) => expect(v).toBe(ref[i]!));
          expect(p.step).toBe(1);
        } finally {
          await p.release();
        }
      }
    });
  }
});
