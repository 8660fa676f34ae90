/**
 * `grpo_step_135M_shape` (issue 15): one GRPO step on the SmolLM2-135M shape with random weights
 * — P prompts × G completions × N new tokens sampled in the graph, π_old scored, one training step
 * — for full finetuning and for LoRA, as the grpo executor runs it (PolicyTrainer + a
 * ModelRuntime fed the trainable state). Reports generate_s / score_s / train_s of the second
 * step, the sessions created during it (target 0), and rollout tokens/s inside the graph against
 * the JS per-token loop on the same batch. Then, with the policy released, one SFT training step
 * (cross-entropy, the same trainable parameters, micro-batches and rows × positions) is timed on
 * the same model: `vs_sft_step` is the whole GRPO step over it (issue 15's target: ≤ 3).
 */
import type { SessionSettings } from '../onnx';
import { sessionBuildCount } from '../onnx/session';
import { parseDecoderConfig, parameterCount } from '../model/config';
import { initDecoderWeights } from '../model/init';
import type { LoraSpec } from '../model/lora';
import { charTokenizerFiles, tokenizerFromJson } from '../model/tokenizer';
import { generateFromIds, type GeneratePath } from '../generate/generate';
import { ModelRuntime } from '../generate/runtime';
import { createRng } from '../random';
import { POLICY_INPUTS } from '../rlvr/policyLoss';
import { PolicyTrainer } from '../rlvr/policyTrainer';
import { packRows } from '../rlvr/rollout';
import { splitMicroBatches } from '../rlvr/generationBatch';
import { AdamWTrainer, compileTrainStep } from '../optim';
import { decoderLossBuilder } from '../toolkit/decoderLoss';
import { initLoraAdapters } from '../model/lora';
import { tensorsFromWeights } from '../model/weights';

export interface GrpoStepCaseOptions {
  /** HF config keys of the model shape. */
  config: Record<string, unknown>;
  prompts: number;
  generations: number;
  promptTokens: number;
  newTokens: number;
  lora?: LoraSpec;
  /**
   * Micro-batches of the training step (gradient accumulation; scoring runs per micro-batch too).
   * Default 1. The 135M case uses 8 (8 rows each, TRL's per-device default): one micro-batch of
   * 64 rows × 80 positions × 49,152 logits needs ~20 GB in the backward pass.
   */
  microBatches?: number;
}

/** A character tokenizer of exactly `size` tokens (4 specials + code points from U+4E00, surrogates skipped). */
export function benchTokenizer(size: number) {
  const chars: string[] = [];
  for (let cp = 0x4e00; chars.length < size - 4; cp++) if (cp < 0xd800 || cp > 0xdfff) chars.push(String.fromCodePoint(cp));
  const tk = charTokenizerFiles(chars.join(''));
  return tokenizerFromJson(tk.json, tk.config);
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function grpoStepCase(name: string, o: GrpoStepCaseOptions, session: SessionSettings): Promise<Record<string, unknown> & { case: string }> {
  const tokenizer = benchTokenizer(typeof o.config.vocab_size === 'number' ? o.config.vocab_size : 8192);
  const config = parseDecoderConfig(`bench ${name}`, { ...o.config, vocab_size: tokenizer.vocabSize });
  const weights = initDecoderWeights(config, 0);
  const B = o.prompts * o.generations;
  const micro = o.microBatches ?? 1;
  if (B % micro !== 0) throw new Error(`bench ${name}: ${B} rows do not split into ${micro} micro-batches`);
  const seqLen = o.promptTokens + o.newTokens;
  const rng = createRng(17);
  const prompts = Array.from({ length: o.prompts }, () => [1, ...Array.from({ length: o.promptTokens - 1 }, () => 4 + rng.nextInt(config.vocab_size - 4))]);
  const optimizer = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };
  const policy = await PolicyTrainer.create({
    config,
    weights,
    ...(o.lora ? { lora: o.lora } : {}),
    batch: B / micro,
    accumulationSteps: micro,
    seqLen,
    temperature: 1,
    loss: { lossType: 'grpo', importanceSamplingLevel: 'token', epsilon: 0.2, epsilonHigh: 0.2, delta: null, beta: 0, maxCompletionLength: o.newTokens },
    optimizer,
    session,
    seed: 1,
  });
  const sampler = new ModelRuntime({ config, weights, tokenizer, generationConfig: {} }, { ...session, trainable: o.lora ? { lora: o.lora } : 'all' });
  const generate = (seed: number, path: GeneratePath, maxNewTokens = o.newTokens) =>
    generateFromIds(sampler, prompts, { maxNewTokens, numSamples: o.generations, temperature: 1, seed, ignoreEos: true, path, batchSize: B });
  let released = false;
  /** One SFT step (after a warm-up step) over B rows × seqLen positions in the same micro-batches. */
  const sftStepSeconds = async (): Promise<number> => {
    const params = PolicyTrainer.paramsOf(config, weights, o.lora);
    const compiled = compileTrainStep({ name: 'sft', params, buildLoss: decoderLossBuilder(config, weights, B / micro, seqLen, o.lora), optimizer, accumulationSteps: micro });
    const start = o.lora
      ? Object.fromEntries([...initLoraAdapters(config, o.lora, 1)].map(([n, w]) => [n, w.data]))
      : Object.fromEntries(tensorsFromWeights(config, weights).map(([n, w]) => [n, w.data]));
    const trainer = await AdamWTrainer.create(compiled, start, optimizer, session);
    try {
      const ids = () => BigInt64Array.from({ length: (B / micro) * seqLen }, () => BigInt(4 + rng.nextInt(config.vocab_size - 4)));
      const feeds = () => Array.from({ length: micro }, () => ({ input_ids: { data: ids(), dims: [B / micro, seqLen] }, labels: { data: ids(), dims: [B / micro, seqLen] } }));
      await trainer.trainStep(feeds(), 1e-5);
      const f = feeds();
      const t0 = performance.now();
      await trainer.trainStep(f, 1e-5);
      return (performance.now() - t0) / 1000;
    } finally {
      await trainer.release();
    }
  };
  try {
    const step = async (seed: number) => {
      const t0 = performance.now();
      sampler.setState(policy.stateTensors());
      const samples = (await generate(seed, 'loop')).flat();
      const t1 = performance.now();
      const completions = samples.map((s, i) => ({ group: Math.floor(i / o.generations), text: s.text, tokens: s.tokens, truncated: true, reward: 0, correct: false, errorClass: null }));
      const rows = packRows(prompts, completions, seqLen, sampler.padId, completions.map(() => true));
      const old = await policy.scorePolicy(rows);
      const t2 = performance.now();
      const dims = [B, seqLen];
      const adv = Float32Array.from({ length: B }, () => rng.normal());
      const head = {
        [POLICY_INPUTS.oldLogprobs]: { data: old, dims },
        [POLICY_INPUTS.advantages]: { data: adv, dims: [B] },
        [POLICY_INPUTS.completionMask]: { data: rows.mask, dims },
        [POLICY_INPUTS.tokenWeights]: { data: new Float32Array(B * seqLen).fill(1), dims },
      };
      await policy.trainMicroBatches(splitMicroBatches(rows, head, B / micro, micro), 1e-5);
      const t3 = performance.now();
      return { generate: (t1 - t0) / 1000, score: (t2 - t1) / 1000, train: (t3 - t2) / 1000 };
    };
    await step(1); // the first step builds every session
    const before = sessionBuildCount();
    const timed = await step(2);
    const builds = sessionBuildCount() - before;
    // The old path on the same batch: JS per-token loop through the KV cache (sessions opened first).
    await generate(2, 'kv', 2);
    const j0 = performance.now();
    await generate(2, 'kv');
    const jsSeconds = (performance.now() - j0) / 1000;
    await sampler.release();
    await policy.release();
    released = true;
    const sft = await sftStepSeconds();
    const tokens = B * o.newTokens;
    const inGraph = tokens / timed.generate;
    const js = tokens / jsSeconds;
    const stepS = timed.generate + timed.score + timed.train;
    return {
      case: name,
      parameters: parameterCount(config),
      trainable: o.lora ? `lora r${o.lora.r}` : 'full',
      micro_batches: micro,
      prompts: o.prompts,
      generations: o.generations,
      prompt_tokens: o.promptTokens,
      new_tokens: o.newTokens,
      generate_s: round(timed.generate, 4),
      score_s: round(timed.score, 4),
      train_s: round(timed.train, 4),
      step_s: round(stepS, 4),
      sft_step_s: round(sft, 4),
      vs_sft_step: round(stepS / sft, 3),
      session_builds: builds,
      rollout_tokens_per_s: round(inGraph),
      js_loop_tokens_per_s: round(js),
      in_graph_vs_js_loop: round(inGraph / js),
    };
  } finally {
    if (!released) {
      await sampler.release();
      await policy.release();
    }
  }
}
