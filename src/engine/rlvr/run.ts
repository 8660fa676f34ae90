/**
 * The `grpo` executor (ALGORITHMS.md §1; config and metrics in docs/dev/GRPO-CONTRACT.md):
 *
 *   every num_iterations steps   draw prompts_per_step prompts from the tasks' train split,
 *                                sample num_generations completions each with the current
 *                                policy (KV-cache generation, seeded), reward them with the
 *                                task verifiers, compute advantages, score π_old (and the
 *                                frozen reference when beta ≠ 0)
 *   every step                   one compiled training step (decoder forward, GRPO loss head,
 *                                backward, AdamW) on that batch
 *
 * With failure_prefix.enabled the prompts come from a pool of saturated problems' prompts +
 * prefixes of the policy's own failed responses (§3, prefixPool.ts), rebuilt every refresh_every steps;
 * plus greedy evals on held-out test examples (`eval/<task>/accuracy`), sample rows, resumable
 * checkpoints at generation-batch boundaries, and the trained HF folder at the end (LoRA: merged,
 * with the PEFT adapter in adapter/). Cancelled between steps.
 */
import { join } from 'node:path';
import type { GrpoConfig } from '../../shared/config/grpo';
import { grpoBatchShape } from '../../shared/config/grpoBatches';
import type { RunContext, RunExecutor } from '../../shared/runContext';
import { MixtureStream, type MixtureEntry } from '../data/batches';
import { InferenceModel } from '../generate/inferenceModel';
import { sessionBuildCount } from '../onnx/session';
import { loadModelFolder } from '../model/folder';
import { loraParameterCount, saveLoraAdapter, type LoraSpec } from '../model/lora';
import { learningRateAt, type OptimizerSettings, type ScheduleSpec } from '../optim';
import { resolveModelFolder } from '../toolkit/modelRef';
import { evaluateQuick } from '../toolkit/periodicEval';
import { outputDirOf, saveAndRegister } from '../toolkit/modelOutput';
import { checkTaskNames } from '../toolkit/taskCheck';
import { checkpointDir, readTrainCheckpoint, writeTrainCheckpoint } from '../toolkit/trainCheckpoint';
import { sessionSettingsOf } from '../toolkit/trainLoop';
import { batchSeed, makeGenerationBatch, type GenerationBatch, type GenerationSettings } from './generationBatch';
import { grpoWarnings } from './runWarnings';
import { clipExtremes, MetricWindow, policyMonitorMetrics, rolloutMetrics } from './metrics';
import { POLICY_OUTPUTS, type PolicyLossSpec } from './policyLoss';
import { PolicyTrainer, scalarOf } from './policyTrainer';
import { PrefixPool } from './prefixPool';
import { poolBuildNotice, rowShape } from './rowShape';
import { lmHeadOf, thrNotice, ThrHistogramLog } from './thrRun';
import { rowThr, thrMetrics } from './thr';
import { rewardFunctionMetrics } from './rewardFunctions';
import { PrefixRobustnessEval } from './prefixEvalRun';
import { completionTokenData } from './sampleTokens';
import { readReference, syncDue, writeReference } from './referenceSync';

/** The loss head's settings from the config (epsilon_high defaults to epsilon, as TRL). */
export function lossSpecOf(cfg: GrpoConfig): PolicyLossSpec {
  return {
    lossType: cfg.loss_type,
    importanceSamplingLevel: cfg.importance_sampling_level,
    epsilon: cfg.epsilon,
    epsilonHigh: cfg.epsilon_high ?? cfg.epsilon,
    delta: cfg.delta ?? null,
    beta: cfg.beta,
    maxCompletionLength: cfg.max_completion_length,
    ...(cfg.llds.enabled ? { llds: { gate: cfg.llds.gate, lambda: cfg.llds.lambda, normalization: cfg.llds.normalization } } : {}),
    ...(cfg.entropy_coef !== 0 ? { entropyCoef: cfg.entropy_coef } : {}),
    ...(cfg.top_entropy_quantile < 1 ? { topEntropyQuantile: cfg.top_entropy_quantile } : {}),
  };
}

function optimizerOf(t: GrpoConfig['training']): OptimizerSettings {
  return { beta1: t.adam_beta1, beta2: t.adam_beta2, eps: t.adam_epsilon, weightDecay: t.weight_decay, maxGradNorm: t.max_grad_norm };
}

function scheduleOf(t: GrpoConfig['training']): ScheduleSpec {
  return { schedule: t.lr_scheduler_type, learningRate: t.learning_rate, warmupSteps: t.warmup_steps, maxSteps: t.max_steps };
}

export { lldsWarnings } from './runWarnings';

export const runGrpo: RunExecutor = async (ctx) => {
  const cfg = ctx.config;
  if (cfg.kind !== 'grpo') throw new Error(`the grpo executor got a '${cfg.kind}' config`);
  checkTaskNames(cfg.tasks, 'tasks', ctx.dataDir);
  const t = cfg.training;
  const dir = resolveModelFolder(cfg.model, ctx.dataDir);
  const folder = await loadModelFolder(dir);
  folder.tokenizer = folder.tokenizer.withPromptFormat(cfg.prompt_format, cfg.sequence_end);
  const { config, tokenizer } = folder;
  const session = sessionSettingsOf(ctx);
  const tasks: MixtureEntry[] = cfg.tasks.map((r) => ({ task: r.task, weight: r.weight, options: r.options }));
  const lora: LoraSpec | undefined = cfg.lora.enabled ? { r: cfg.lora.r, alpha: cfg.lora.alpha, targets: cfg.lora.target_modules } : undefined;
  const G = cfg.num_generations;
  const B = cfg.prompts_per_step * G;
  const mu = cfg.num_iterations;
  // Micro-batches and accumulation (TRL steps_per_generation / gradient_accumulation_steps).
  const mini = grpoBatchShape(cfg);
  const stepsPerBatch = mu * mini.stepsPerPass; // optimizer steps on one generation batch
  const loss = lossSpecOf(cfg);
  const limit = config.sliding_window ?? config.max_position_embeddings;

  // Generation: in-graph (or, on WebGPU, JS-loop) sampling whose graphs take the trainable state
  // as inputs — every weight, or the LoRA adapters on the stored base — so a policy update is a
  // new feed (sampler.setState), never a rebuilt session.
  const sampler = InferenceModel.create(
    config,
    folder.weights,
    tokenizer,
    { ...session, batchSize: Math.min(B, 64), fitToLimit: true, trainable: lora ? { lora } : 'all' },
    folder.generationConfig,
  );
  const { maxPrompt, seqLen } = rowShape(cfg, tasks, (s) => sampler.encodePrompt(s), limit, `${dir}/config.json`, ctx.log);
  const padId = sampler.padId;

  const stream = new MixtureStream(tasks, cfg.seed);
  const counters: Record<string, number> = { tokens: 0, skipped_prompts: 0 };
  let resume;
  let reference;
  if (ctx.resumeFrom) {
    const params = PolicyTrainer.paramsOf(config, folder.weights, lora);
    const ck = await readTrainCheckpoint(ctx.resumeFrom.dir, params);
    resume = ck.trainer;
    if (cfg.sync_ref_model) reference = await readReference(ctx.resumeFrom.dir, params);
    stream.restore(ck.stream);
    Object.assign(counters, ck.counters);
    ctx.log('info', `resumed from ${ctx.resumeFrom.dir} at step ${ck.trainer.step}`);
  }
  const policy = await PolicyTrainer.create({
    config,
    weights: folder.weights,
    lora,
    batch: mini.microRows,
    accumulationSteps: mini.accumulation,
    stepsPerCall: t.steps_per_call,
    seqLen,
    temperature: cfg.temperature,
    loss,
    optimizer: optimizerOf(t),
    session,
    seed: cfg.seed,
    scoreHidden: cfg.thr.enabled,
    syncReference: cfg.sync_ref_model,
    // folder.weights are read after this only as the sampler's first state, which the policy's
    // parameters are until the first step: with beta 0 the trainer may train them in place
    consumeWeights: true,
    ...(resume ? { resume } : {}),
    ...(reference ? { reference } : {}),
  });
  const refSync = cfg.sync_ref_model ? { alpha: cfg.ref_model_mixup_alpha, every: cfg.ref_model_sync_steps } : null;
  try {
    ctx.device(policy.notice ?? policy.provider);
    const trainable = policy.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    ctx.log(
      'info',
      `GRPO on ${dir} (${lora ? `LoRA r ${lora.r} on ${lora.targets.join(', ')}, ${loraParameterCount(config, lora)}` : `full, ${trainable}`} trainable parameters): ` +
        `${cfg.prompts_per_step} prompts × ${G} completions per step, rows of ${seqLen} tokens (prompts ≤ ${maxPrompt}), ` +
        `loss ${cfg.loss_type}, ${cfg.importance_sampling_level}-level ratio, beta ${cfg.beta}, num_iterations ${mu}` +
        (cfg.llds.enabled ? `, LLDS ${cfg.llds.gate}-gated, lambda ${cfg.llds.lambda}` : '') +
        (cfg.entropy_coef !== 0 ? `, entropy bonus ${cfg.entropy_coef}` : '') +
        (cfg.top_entropy_quantile < 1 ? `, policy term on the top ${cfg.top_entropy_quantile} entropy quantile` : '') +
        (refSync ? `, reference ← ${refSync.alpha}·policy + ${1 - refSync.alpha}·reference every ${refSync.every} steps` : ''),
    );
    if (cfg.thr.enabled) ctx.log('info', thrNotice(cfg.thr));
    for (const w of grpoWarnings(cfg)) ctx.log('warn', w);
    if (policy.step === 0) ctx.metrics(0, { 'train/trainable_parameters': trainable });

    const gen: GenerationSettings = {
      numGenerations: G,
      maxCompletionLength: cfg.max_completion_length,
      temperature: cfg.temperature,
      topP: cfg.top_p,
      topK: cfg.top_k,
      promptsPerStep: cfg.prompts_per_step,
      maxPromptTokens: maxPrompt,
      seqLen,
      padId,
      scaleRewards: cfg.scale_rewards,
      passAtK: cfg.pass_at_k,
      passAtKMethod: cfg.pass_at_k_method,
      rewardFunctions: cfg.reward_functions,
      maskTruncated: cfg.mask_truncated_completions,
      lossType: cfg.loss_type,
      beta: cfg.beta,
      microRows: mini.microRows,
      accumulation: mini.accumulation,
      thr: cfg.thr.enabled
        ? { spec: { p: cfg.thr.p, normalization: cfg.thr.normalization, topFraction: cfg.thr.top_fraction }, hiddenSize: config.hidden_size, lmHead: () => lmHeadOf(policy.modelWeights()) }
        : null,
      llds: cfg.llds.enabled ? { answerWeight: cfg.llds.answer_weight, decode: (ids) => tokenizer.decode(ids, { skipSpecial: true }) } : null,
    };
    const warned = new Set<string>();
    const warnOnce = (m: string) => {
      if (warned.size < 5 && !warned.has(m)) ctx.log('warn', m);
      warned.add(m);
    };
    // failure-prefix robustness evals (§3.5): prefixes built once, with the policy at the start
    const prefixEval = cfg.prefix_eval.enabled ? new PrefixRobustnessEval(cfg, tasks, (ids) => tokenizer.decode(ids as number[], { skipSpecial: true })) : null;
    const evalNow = async (step: number) => {
      sampler.setState(policy.stateTensors());
      const m = await evaluateQuick(sampler, tasks, { examples: cfg.eval_examples, seed: cfg.seed, maxNewTokens: cfg.max_completion_length, signal: ctx.signal });
      if (prefixEval) Object.assign(m, await prefixEval.evaluate(sampler));
      if (Object.keys(m).length) ctx.metrics(step, m);
    };
    if (prefixEval) {
      sampler.setState(policy.stateTensors());
      ctx.metrics(policy.step, await prefixEval.build(sampler));
      if (!(t.eval_every > 0 && policy.step === 0)) ctx.metrics(policy.step, await prefixEval.evaluate(sampler));
    }
    if (t.eval_every > 0 && policy.step === 0) await evalNow(0);

    const schedule = scheduleOf(t);
    const window = new MetricWindow();
    // Failure-prefix conditioning (§3): built at the first batch (also after a resume) and every refresh_every steps.
    const pool = cfg.failure_prefix.enabled ? new PrefixPool(cfg.failure_prefix, cfg.seed) : null;
    const poolSampling = { maxCompletionLength: cfg.max_completion_length, temperature: cfg.temperature, topP: cfg.top_p, topK: cfg.top_k, maxPromptTokens: maxPrompt };
    const decodeText = (ids: readonly number[]) => tokenizer.decode(ids as number[], { skipSpecial: true });
    let batch: GenerationBatch | null = null;
    let buildsAfterFirstStep: number | null = null;
    const thrLog = new ThrHistogramLog(ctx.runDir);
    while (policy.step < t.max_steps) {
      if (ctx.signal.aborted) {
        ctx.log('info', `cancelled at step ${policy.step} of ${t.max_steps}`);
        return;
      }
      const step = policy.step;
      const started = performance.now();
      if (step % stepsPerBatch === 0 || !batch) {
        sampler.setState(policy.stateTensors());
        let drawn;
        if (pool) {
          if (pool.due(step)) {
            const m = await pool.build(step, stream, sampler, poolSampling, decodeText);
            window.add(m);
            for (const n of poolBuildNotice(m, pool.size, cfg, maxPrompt)) ctx.log(n.level, n.message);
          }
          drawn = pool.draw(cfg.prompts_per_step) ?? undefined;
        }
        batch = await makeGenerationBatch(gen, stream, sampler, policy, batchSeed(cfg.seed, Math.floor(step / stepsPerBatch)), warnOnce, drawn);
        if (pool) window.add(conditionedMetrics(batch, drawn !== undefined));
        counters.tokens! += batch.rows.rowTokens.reduce((a, b) => a + b, 0);
        counters.skipped_prompts! += batch.skippedPrompts;
        window.add(rolloutMetrics(batch.completions, batch.group, (c) => batch!.prompts[c.group]!.example.task, G, batch.advantages));
        window.add(rewardFunctionMetrics(batch.rewardsByFunction));
        if (batch.thr) {
          window.add(thrMetrics(batch.thr.values, batch.rows.mask, batch.thr.weights, batch.thr.entropy));
          thrLog.append(step + 1, batch.thr.values, batch.rows.mask);
        }
        if (step % t.log_every === 0) logCompletions(ctx, batch, step + 1, cfg.completions_to_log, (id) => tokenizer.decode([id]));
      }
      // Steps this call takes (training.steps_per_call, decision 0036): within this generation
      // batch, and cut so that evals and checkpoints fall between calls.
      const untilEvery = (every: number) => (every > 0 ? every - (step % every) : Infinity);
      const k = Math.min(t.steps_per_call, stepsPerBatch - (step % stepsPerBatch), t.max_steps - step, untilEvery(t.eval_every), untilEvery(t.checkpoint_every), untilEvery(refSync?.every ?? 0));
      // which accumulation window of the batch each step trains on
      const partsOf = (s: number) => batch!.micro.slice((s % mini.stepsPerPass) * mini.accumulation, ((s % mini.stepsPerPass) + 1) * mini.accumulation);
      const results = await policy.trainSteps(
        Array.from({ length: k }, (_, i) => partsOf(step + i)),
        Array.from({ length: k }, (_, i) => learningRateAt(schedule, step + i)),
      );
      const callSeconds = (performance.now() - started) / 1000;
      for (const [i, r] of results.entries()) {
        const parts = partsOf(step + i);
        if (!Number.isFinite(r.loss)) {
          throw new Error(`training diverged at step ${step + i + 1}: loss is ${r.loss}; lower training.learning_rate (now ${t.learning_rate}) or set training.max_grad_norm`);
        }
        // Per-micro-batch head outputs: means averaged over the step's micro-batches, extremes over all its rows.
        const perSeq = (key: string) => Float32Array.from(r.microOutputs.flatMap((o) => Array.from(o[key]!.data as Float32Array)));
        const ext = clipExtremes(perSeq(POLICY_OUTPUTS.clipLowPerSequence), perSeq(POLICY_OUTPUTS.clipHighPerSequence), parts.flatMap((p) => p.rows.maskedTokens));
        for (const o of r.microOutputs) {
          window.add({
            entropy: scalarOf(o[POLICY_OUTPUTS.entropyMean]),
            ...(cfg.beta !== 0 ? { kl: scalarOf(o[POLICY_OUTPUTS.klMean]) } : {}),
            'clip_ratio/low_mean': scalarOf(o[POLICY_OUTPUTS.clipLowMean]),
            'clip_ratio/high_mean': scalarOf(o[POLICY_OUTPUTS.clipHighMean]),
            'clip_ratio/region_mean': scalarOf(o[POLICY_OUTPUTS.clipRegionMean]),
            ...policyMonitorMetrics(o, cfg.llds.enabled),
            ...(cfg.entropy_coef !== 0 ? { policy_loss: scalarOf(o[POLICY_OUTPUTS.policyLoss]), entropy_coef: cfg.entropy_coef } : {}),
            ...(cfg.top_entropy_quantile < 1 ? { 'entropy_mask/kept_fraction': scalarOf(o[POLICY_OUTPUTS.entropyMaskKept]) } : {}),
          });
        }
        window.add({
          loss: r.loss,
          grad_norm: r.gradNorm,
          'clip_ratio/low_min': ext.lowMin,
          'clip_ratio/high_max': ext.highMax,
          // several steps per call share the call's time (and the batch's generation) evenly
          step_time: callSeconds / k,
        });
        const done = step + i + 1;
        // Sessions are built during the first step (generation, scoring, training); none after it.
        buildsAfterFirstStep ??= sessionBuildCount();
        ctx.progress(done, t.max_steps, 'train');
        if (done % t.log_every === 0 || done === t.max_steps) {
          ctx.metrics(done, { ...window.flush(), learning_rate: r.lr, num_tokens: counters.tokens!, 'perf/session_builds': sessionBuildCount() - buildsAfterFirstStep });
        }
      }
      // TR-DPO (§1.3): after the step, as TRL's on_step_end (calls are cut so a sync step ends one);
      // reference log-probs change from the next generation batch
      if (refSync && syncDue(policy.step, refSync)) policy.mixReference(refSync.alpha);
      const done = policy.step;
      if (t.eval_every > 0 && done % t.eval_every === 0 && done < t.max_steps) await evalNow(done);
      if (t.checkpoint_every > 0 && done % t.checkpoint_every === 0 && done % stepsPerBatch === 0 && done < t.max_steps) {
        const ckDir = checkpointDir(ctx.runDir, done);
        // before state.json (written last by writeTrainCheckpoint), so an announced checkpoint has it
        if (refSync) await writeReference(ckDir, policy.params, policy.referenceWeights());
        await writeTrainCheckpoint(ckDir, policy.params, { trainer: policy.snapshot(), stream: { drawn: stream.drawn, skipped: stream.skipped }, counters });
        ctx.checkpoint({ dir: ckDir, step: done });
      }
    }
    if (counters.skipped_prompts! > 0) ctx.log('warn', `${counters.skipped_prompts} prompts were longer than ${maxPrompt} tokens and were skipped`);

    // save + final eval
    const p = policy.parameters();
    const weights = policy.modelWeights(p);
    const out = outputDirOf(ctx, cfg.output_dir);
    const adapters = policy.adapters(p);
    if (lora && adapters) {
      const adapterDir = join(out, 'adapter');
      const files = await saveLoraAdapter(adapterDir, config, lora, adapters, dir);
      for (const f of files) ctx.artifact(join(adapterDir, f), f.endsWith('.json') ? 'lora-adapter' : 'lora-adapter-file');
    }
    await saveAndRegister(ctx, out, { config, weights, tokenizer: { json: tokenizer.json, configJson: tokenizer.configJson }, generationConfig: folder.generationConfig });
    thrLog.register(ctx);
    sampler.setState(policy.stateTensors());
    const final = await evaluateQuick(sampler, tasks, { examples: cfg.eval_examples, seed: cfg.seed, maxNewTokens: cfg.max_completion_length, signal: ctx.signal });
    if (prefixEval) Object.assign(final, await prefixEval.evaluate(sampler));
    if (Object.keys(final).length) ctx.metrics(policy.step, final);
  } finally {
    await policy.release();
    await sampler.release();
  }
};

/** Per generating step: whether the batch was conditioned, and its mean reward when it was (§3.5). */
function conditionedMetrics(b: GenerationBatch, conditioned: boolean): Record<string, number> {
  const m: Record<string, number> = { 'failure_prefix/conditioned': conditioned ? 1 : 0 };
  const r = b.completions.map((c) => c.reward).filter(Number.isFinite);
  if (conditioned && r.length) m['failure_prefix/conditioned_reward'] = r.reduce((a, x) => a + x, 0) / r.length;
  return m;
}

/**
 * The first `n` completions of the batch (whole groups first) as sample rows, each row's extra
 * with per-token data for the samples viewer (sampleTokens.ts: token_text, token_logprob,
 * token_advantage, and token_entropy with THR on); with THR on also `thr` (one value per
 * completion token, in order; empty when the completion is masked out) and `thr_tokens`.
 */
function logCompletions(ctx: RunContext, b: GenerationBatch, step: number, n: number, tokenText: (id: number) => string): void {
  b.completions.slice(0, n).forEach((c, i) => {
    const item = b.prompts[c.group]!;
    const ex = item.example;
    const tokens = completionTokenData(b, i, tokenText);
    const thr = b.thr ? { thr: rowThr(b.thr.values, b.rows.mask, i, b.rows.seqLen), thr_tokens: tokens.token_text } : {};
    ctx.sample({
      step,
      prompt: item.shownPrompt ?? ex.prompt,
      completion: c.text,
      reward: Number.isFinite(c.reward) ? c.reward : null,
      extra: { task: ex.task, id: ex.id, group: c.group, advantage: b.advantages[i]!, correct: c.correct, truncated: c.truncated, tokens: c.tokens.length, answer: ex.answer, errorClass: c.errorClass, ...tokens, ...thr },
    });
  });
}
