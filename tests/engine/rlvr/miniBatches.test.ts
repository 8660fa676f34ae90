/**
 * Mini-batches inside a GRPO step (TRL gradient_accumulation_steps, ALGORITHMS.md §1.4): a
 * generation batch of 4 rows cut into 2 micro-batches (splitMicroBatches) and trained as one
 * optimizer step with 2 accumulated micro-batches. AdamW's first moment after one step from zero
 * is (1 − β1)·g, so comparing moments compares the step's gradient g exactly:
 *   - bnpo (token mean of each micro-batch) and grpo: g = the mean of the parts' gradients, each
 *     taken by its own single-micro-batch step (separate trainers);
 *   - grpo also equals the whole-batch step (a mean of per-sequence means over equal halves);
 *   - dapo: g = the whole-batch step's gradient with the window's token count as normaliser.
 * The old log-probs are perturbed so ratios ≠ 1 (clipping active) and β ≠ 0 (KL term in the loss).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { grpoBatchShape } from '../../../src/shared/config/grpoBatches';
import { clearSessionCache, type Feed } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { createRng } from '../../../src/engine/random';
import { splitMicroBatches } from '../../../src/engine/rlvr/generationBatch';
import { POLICY_INPUTS, type LossType } from '../../../src/engine/rlvr/policyLoss';
import { PolicyTrainer } from '../../../src/engine/rlvr/policyTrainer';
import { packRows, type Completion } from '../../../src/engine/rlvr/rollout';

afterAll(() => clearSessionCache());

const config = parseDecoderConfig('config.json', {
  model_type: 'llama', vocab_size: 24, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 32, max_position_embeddings: 32,
});
const weights = initDecoderWeights(config, 4, 0.3);
const PROMPTS = [[1, 5, 7], [1, 9]];
const completion = (group: number, tokens: number[]): Completion => ({ group, text: '', tokens, truncated: false, reward: 0, correct: false, errorClass: null });
// lengths 3, 4 | 2, 3: the micro-batches hold 7 and 5 tokens
const COMPLETIONS = [completion(0, [3, 4, 2]), completion(0, [8, 8, 6, 2]), completion(1, [11, 2]), completion(1, [5, 6, 2])];
const SEQ = 9;
const rows = packRows(PROMPTS, COMPLETIONS, SEQ, 0, [true, true, true, true]);
const BETA1 = 0.9;

function trainer(lossType: LossType, batch: number, accumulationSteps: number): Promise<PolicyTrainer> {
  return PolicyTrainer.create({
    config,
    weights,
    batch,
    seqLen: SEQ,
    temperature: 0.9,
    loss: { lossType, importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.28, delta: null, beta: 0.04, maxCompletionLength: 5 },
    optimizer: { beta1: BETA1, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 },
    session: { executionProvider: 'cpu', threads: 1 },
    seed: 3,
    accumulationSteps,
  });
}

/** The whole batch's head: perturbed old log-probs, reference = the initial model, fixed advantages. */
async function wholeHead(lossType: LossType): Promise<Feed> {
  const p = await trainer(lossType, 4, 1);
  try {
    const cur = await p.scorePolicy(rows);
    const ref = await p.scoreReference(rows);
    const rng = createRng(8);
    const old = cur.map((v) => v + 0.3 * (rng.nextFloat() - 0.5));
    const dims = [4, SEQ];
    return {
      [POLICY_INPUTS.oldLogprobs]: { data: old, dims },
      [POLICY_INPUTS.refLogprobs]: { data: ref, dims },
      [POLICY_INPUTS.advantages]: { data: Float32Array.from([1.2, -0.4, 0.7, -1.5]), dims: [4] },
      [POLICY_INPUTS.completionMask]: { data: rows.mask, dims },
      [POLICY_INPUTS.tokenWeights]: { data: new Float32Array(4 * SEQ).fill(1), dims },
      ...(lossType === 'dapo' ? { [POLICY_INPUTS.numItemsInBatch]: rows.maskedTokens.reduce((a, b) => a + b, 0) } : {}),
    };
  } finally {
    await p.release();
  }
}

/** First moments after one step: (1 − β1)·gradient, every parameter concatenated. */
async function momentsAfter(p: PolicyTrainer, run: (p: PolicyTrainer) => Promise<unknown>): Promise<Float64Array> {
  try {
    await run(p);
    const m = p.snapshot().m;
    return Float64Array.from(p.params.flatMap((q) => Array.from(m[q.name]!)));
  } finally {
    await p.release();
  }
}

function relErr(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe('mini-batched GRPO step', () => {
  it('the config fragment lays out micro-batches and refuses shapes that do not divide', () => {
    expect(grpoBatchShape({ prompts_per_step: 4, num_generations: 8, gradient_accumulation_steps: 2, steps_per_generation: 4 })).toEqual({ generationRows: 32, microBatches: 4, microRows: 8, accumulation: 2, stepsPerPass: 2 });
    expect(grpoBatchShape({ prompts_per_step: 4, num_generations: 8, gradient_accumulation_steps: 2 }).stepsPerPass).toBe(1);
    expect(() => grpoBatchShape({ prompts_per_step: 4, num_generations: 8, gradient_accumulation_steps: 2, steps_per_generation: 3 })).toThrow(/steps_per_generation: expected a multiple of gradient_accumulation_steps/);
    expect(() => grpoBatchShape({ prompts_per_step: 3, num_generations: 3, gradient_accumulation_steps: 2 })).toThrow(/steps_per_generation: expected a divisor of the generation batch/);
  });

  for (const lossType of ['bnpo', 'grpo'] as const) {
    it(`${lossType}: the step's gradient is the mean of its micro-batches' gradients`, async () => {
      const head = await wholeHead(lossType);
      const parts = splitMicroBatches(rows, head, 2, 2);
      expect(parts.map((p) => p.rows.maskedTokens)).toEqual([[3, 4], [2, 3]]);
      const mini = await momentsAfter(await trainer(lossType, 2, 2), (p) => p.trainMicroBatches(parts, 1e-3));
      const a = await momentsAfter(await trainer(lossType, 2, 1), (p) => p.trainStep(parts[0]!.rows, parts[0]!.head, 1e-3));
      const b = await momentsAfter(await trainer(lossType, 2, 1), (p) => p.trainStep(parts[1]!.rows, parts[1]!.head, 1e-3));
      const mean = a.map((v, i) => (v + b[i]!) / 2);
      expect(relErr(mini, mean)).toBeLessThan(1e-5);
      // the parts differ, so the check is not comparing a gradient with itself
      expect(relErr(a, b)).toBeGreaterThan(0.05);
      if (lossType === 'grpo') {
        const whole = await momentsAfter(await trainer(lossType, 4, 1), (p) => p.trainStep(rows, head, 1e-3));
        expect(relErr(mini, whole)).toBeLessThan(1e-5);
      } else {
        // bnpo normalises per micro-batch (7 and 5 tokens): not the whole batch's token mean
        const whole = await momentsAfter(await trainer(lossType, 4, 1), (p) => p.trainStep(rows, head, 1e-3));
        expect(relErr(mini, whole)).toBeGreaterThan(1e-3);
      }
    });
  }

  it("dapo: the step's gradient is the token mean over the accumulation window (the whole-batch step's)", async () => {
    const head = await wholeHead('dapo');
    const parts = splitMicroBatches(rows, head, 2, 2);
    expect(parts.map((p) => p.head[POLICY_INPUTS.numItemsInBatch])).toEqual([6, 6]); // 12 window tokens / 2 micro-batches
    const mini = await momentsAfter(await trainer('dapo', 2, 2), (p) => p.trainMicroBatches(parts, 1e-3));
    const whole = await momentsAfter(await trainer('dapo', 4, 1), (p) => p.trainStep(rows, head, 1e-3));
    expect(relErr(mini, whole)).toBeLessThan(1e-5);
  });
});
