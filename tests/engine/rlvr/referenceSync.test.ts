/**
 * TR-DPO reference sync (sync_ref_model, referenceSync.ts):
 *   - on a tiny decoder, after 5 optimizer steps with τ = 2, α = 0.3 the reference weights equal the
 *     closed form (1 − α)²·W0 + α(1 − α)·θ2 + α·θ4 worked from the policy's snapshots in float64,
 *     and the reference log-probs equal those of a model built (frozen, weights baked in) from
 *     that closed form; before any sync they equal the frozen initial model's;
 *   - the mixed reference survives a checkpoint round trip;
 *   - a grpo run with α = 1, τ = 2 logs KL ≈ 0 on the step after each sync (the reference is the
 *     policy that generated the batch) and KL > 0 in between, where a run without sync keeps KL > 0;
 *     no session is built after the first step; and the entropy knobs log their metrics;
 *   - a run resumed from a checkpoint taken after a sync repeats the uninterrupted run's KL exactly
 *     (the mixed reference comes back from the checkpoint, not from the base model).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache, type Feed } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { weightsFromParams } from '../../../src/engine/toolkit/trainLoop';
import { POLICY_INPUTS, type PolicyLossSpec } from '../../../src/engine/rlvr/policyLoss';
import { PolicyTrainer } from '../../../src/engine/rlvr/policyTrainer';
import { readReference, syncDue, writeReference } from '../../../src/engine/rlvr/referenceSync';
import { packRows, type Completion, type TrainRows } from '../../../src/engine/rlvr/rollout';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir, type Recorded } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-refsync-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

const config = parseDecoderConfig('config.json', {
  model_type: 'qwen2', vocab_size: 24, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 32, max_position_embeddings: 32,
});
const weights = initDecoderWeights(config, 4, 0.3);
const completion = (group: number, tokens: number[]): Completion => ({ group, text: '', tokens, truncated: false, reward: 0, correct: false, errorClass: null });
const SEQ = 9;
const rows: TrainRows = packRows([[1, 5, 7], [1, 9]], [completion(0, [3, 4, 2]), completion(0, [8, 8, 6, 2]), completion(1, [11, 2]), completion(1, [5, 6, 7, 12, 2])], SEQ, 0, [true, true, true, true]);
const LOSS: PolicyLossSpec = { lossType: 'dapo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.28, delta: null, beta: 0.04, maxCompletionLength: 5 };

function trainer(w = weights, syncReference = true): Promise<PolicyTrainer> {
  return PolicyTrainer.create({
    config, weights: w, batch: 4, seqLen: SEQ, temperature: 1, loss: LOSS, syncReference,
    optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 },
    session: { executionProvider: 'cpu', threads: 1 }, seed: 3,
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
    [POLICY_INPUTS.numItemsInBatch]: 14,
  };
}

describe('reference sync on the policy trainer', () => {
  it('after 5 steps with τ = 2, α = 0.3 the reference is (1 − α)²·W0 + α(1 − α)·θ2 + α·θ4, and scores as that model', async () => {
    const alpha = 0.3;
    const spec = { alpha, every: 2 };
    // (one trainer at a time: trainers of the same graph share a cached step session)
    const frozenScores = async (w: typeof weights): Promise<Float32Array> => {
      const f = await trainer(w, false);
      try {
        return await f.scoreReference(rows);
      } finally {
        await f.release();
      }
    };
    const f0 = await frozenScores(weights);
    const p = await trainer();
    let ref: Record<string, Float32Array>;
    let got: Float32Array;
    let r0: Float32Array;
    try {
      const w0 = Object.fromEntries(Object.entries(p.referenceWeights()).map(([k, v]) => [k, Float64Array.from(v)]));
      // before any sync the reference fed as inputs scores exactly like the frozen initial model
      r0 = await p.scoreReference(rows);
      r0.forEach((v, i) => expect(Math.abs(v - f0[i]!)).toBeLessThan(1e-6));
      const snaps: Record<number, Record<string, Float32Array>> = {};
      const A = [[1, -1, 0.5, -0.5], [-0.3, 0.8, 1, -1.2], [0.6, 0.6, -1, -0.2], [1, 0.1, -0.4, -0.7], [-1, 1, 1, -1]];
      for (let s = 0; s < 5; s++) {
        const old = await p.scorePolicy(rows);
        await p.trainStep(rows, head(old, await p.scoreReference(rows), A[s]!), 5e-3);
        if (syncDue(p.step, spec)) {
          snaps[p.step] = p.parameters();
          p.mixReference(alpha);
        }
      }
      expect(Object.keys(snaps)).toEqual(['2', '4']);
      ref = Object.fromEntries(Object.entries(p.referenceWeights()).map(([k, v]) => [k, Float32Array.from(v)]));
      let moved = 0;
      for (const [name, w] of Object.entries(w0)) {
        const got = ref[name]!;
        for (let i = 0; i < w.length; i++) {
          const want = (1 - alpha) ** 2 * w[i]! + alpha * (1 - alpha) * snaps[2]![name]![i]! + alpha * snaps[4]![name]![i]!;
          expect(Math.abs(got[i]! - want), `${name}[${i}]`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want)));
          moved = Math.max(moved, Math.abs(got[i]! - w[i]!));
        }
      }
      expect(moved).toBeGreaterThan(1e-3); // the reference did move away from W0
      // the policy is not the reference (step 5 trained after the last sync)
      expect(Math.abs(p.parameters()['model.norm.weight']![0]! - ref['model.norm.weight']![0]!)).toBeGreaterThan(0);

      got = await p.scoreReference(rows);
      // checkpoint round trip
      await writeReference(t.dir, p.params, ref);
      const back = await readReference(t.dir, p.params);
      for (const [name, v] of Object.entries(ref)) expect(back[name]).toEqual(v);
    } finally {
      await p.release();
    }
    // a model whose weights ARE the closed form, baked into a frozen reference graph, scores the same
    const want = await frozenScores(weightsFromParams(config, ref));
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5));
    expect(got.some((v, i) => Math.abs(v - r0[i]!) > 1e-4)).toBe(true);
  });

  it('refuses LoRA', async () => {
    await expect(
      PolicyTrainer.create({
        config, weights, lora: { r: 4, alpha: 8, targets: ['q', 'v'] }, batch: 4, seqLen: SEQ, temperature: 1, loss: LOSS, syncReference: true,
        optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 }, session: { executionProvider: 'cpu', threads: 1 }, seed: 3,
      }),
    ).rejects.toThrow(/sync_ref_model: not available with LoRA/);
  });
});

describe('reference sync in a grpo run', () => {
  const run = async (extra: Record<string, unknown>, dir = t.dir, resumeFrom: Recorded['checkpoints'][number] | null = null) => {
    const r = recordingContext(
      {
        kind: 'grpo',
        seed: 5,
        model: 'builtin:benchtop-tiny',
        tasks: [{ task: 'knights_knaves', options: { people: [2, 3] } }],
        num_generations: 4,
        prompts_per_step: 2,
        max_completion_length: 12,
        beta: 0.04,
        training: { max_steps: 6, learning_rate: 2e-3 },
        ...extra,
      },
      dir,
      { resumeFrom },
    );
    await runGrpo(r.ctx);
    return r;
  };

  it('α = 1, τ = 2: KL ≈ 0 on the step after each sync and > 0 between; without sync it stays > 0', async () => {
    const synced = await run({ sync_ref_model: true, ref_model_mixup_alpha: 1, ref_model_sync_steps: 2, entropy_coef: 0.01, top_entropy_quantile: 0.5 });
    const kl = new Map(synced.series('kl'));
    expect([...kl.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of [1, 3, 5]) expect(kl.get(s)!, `step ${s}: reference = the policy that sampled the batch`).toBeLessThan(1e-6);
    for (const s of [2, 4, 6]) expect(kl.get(s)!, `step ${s}`).toBeGreaterThan(1e-5);
    for (const [s, v] of synced.series('perf/session_builds')) expect(v, `step ${s}`).toBe(0);
    // the entropy knobs' metrics
    for (const [s, v] of synced.series('entropy_coef')) expect(v, `step ${s}`).toBe(0.01);
    for (const [s, v] of synced.series('entropy_mask/kept_fraction')) {
      expect(v, `step ${s}`).toBeGreaterThanOrEqual(0.5);
      expect(v, `step ${s}`).toBeLessThan(1);
    }
    expect(synced.series('policy_loss').length).toBe(6);

    const plain = await run({});
    const kl2 = new Map(plain.series('kl'));
    expect(kl2.get(1)!).toBeLessThan(1e-6);
    for (const s of [3, 5]) expect(kl2.get(s)!, `step ${s} without sync`).toBeGreaterThan(1e-5);
  });

  it('α = 0.5, τ = 2: resumed from the step-4 checkpoint, steps 5–6 repeat the KL exactly', async () => {
    const cfg = { sync_ref_model: true, ref_model_mixup_alpha: 0.5, ref_model_sync_steps: 2, training: { max_steps: 6, learning_rate: 2e-3, checkpoint_every: 2 } };
    const whole = await run(cfg, `${t.dir}/whole`);
    expect(whole.checkpoints.map((c) => c.step)).toEqual([2, 4]);
    const resumed = await run(cfg, `${t.dir}/resumed`, whole.checkpoints[1]!);
    const kl = whole.series('kl').filter(([s]) => s > 4);
    expect(kl.map(([s]) => s)).toEqual([5, 6]);
    expect(resumed.series('kl')).toEqual(kl);
    expect(kl[0]![1]).toBeGreaterThan(1e-6); // α = 0.5: the reference is between the base and the policy
  });
});
