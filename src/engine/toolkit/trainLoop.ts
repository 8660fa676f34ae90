/**
 * The training loop shared by the training kinds (pretrain; sft, full finetune or LoRA adapters):
 * one compiled step graph (compileTrainStep over the decoder loss), batches from a seeded
 * MixtureStream, the HF-style LR schedule, and the run's reporting — progress every step,
 * metrics every log_every, periodic evals, resumable checkpoints, cancellation between steps.
 *
 * Determinism: weights, data order and LR depend only on the config (seed) and the step, and a
 * checkpoint holds params + Adam moments + step + stream position, so a resumed run replays the
 * stream to the same position and continues exactly as the uninterrupted run would.
 */
import type { TrainingConfig } from '../../shared/config/common';
import type { RunContext } from '../../shared/runContext';
import type { Feed, SessionSettings } from '../onnx';
import { AdamWTrainer, compileTrainStep, learningRateAt, optimizerFromConfig, scheduleFromConfig } from '../optim';
import { MixtureStream, type MixtureEntry, type TokenBatch } from '../data/batches';
import type { DecoderConfig } from '../model/config';
import type { TextTokenizer } from '../model/tokenizer';
import { expectedTensors, tensorsFromWeights, weightsFromTensors, type DecoderWeights, type Tensor32 } from '../model/weights';
import type { LoadedTensor } from '../model/safetensors';
import { decoderLossBuilder, decoderParams, loraParams } from './decoderLoss';
import { initLoraAdapters, mergeLora, type LoraSpec } from '../model/lora';
import { evaluateQuick } from './periodicEval';
import { checkpointDir, readTrainCheckpoint, writeTrainCheckpoint } from './trainCheckpoint';
import { InferenceModel } from '../generate/inferenceModel';

export interface TrainLoopInput {
  ctx: RunContext;
  config: DecoderConfig;
  /** Starting weights (ignored when resuming: the checkpoint's are used). */
  weights: DecoderWeights;
  tokenizer: TextTokenizer;
  training: TrainingConfig;
  tasks: MixtureEntry[];
  seqLen: number;
  seed: number;
  completionOnly: boolean;
  /** The tasks periodic evals score (default `tasks`; e.g. the source tasks of self-generated data). */
  evalTasks?: MixtureEntry[];
  /** Pack several examples per row (MixtureStream.nextBatch). */
  packing?: boolean;
  /** Test examples per task in periodic evals (default 32). */
  evalExamples?: number;
  /** Train LoRA adapters on the frozen `weights` instead of every weight (A seeded by `seed`). */
  lora?: LoraSpec;
  /**
   * Full finetuning may train `weights` in place (the trainer adopts their arrays instead of
   * copying them: one fp32 copy of the model less, issue 10). The caller must not read
   * `weights` afterwards; use the result's `weights`.
   */
  consumeWeights?: boolean;
}

export interface TrainLoopResult {
  /** The trained weights (with LoRA: the base with the adapters merged in). */
  weights: DecoderWeights;
  /** With LoRA: the trained adapters by PEFT name. */
  adapters?: Map<string, Tensor32>;
  /** Optimizer steps taken in total (including before a resume). */
  step: number;
  cancelled: boolean;
  /** Loss of every step this process ran, by step index (step k = the k-th update, 0-based). */
  losses: Map<number, number>;
  /**
   * The eval model (what was trained, as of the end of training, fed to its graphs: all weights,
   * or the adapters on the base), for a final eval; the caller releases it.
   */
  evalModel: InferenceModel;
}

/** Settings → ORT session options. */
export function sessionSettingsOf(ctx: RunContext): SessionSettings {
  return { executionProvider: ctx.settings.executionProvider, threads: ctx.settings.threads, allowSpinning: ctx.settings.allowSpinning };
}

export function weightsFromParams(config: DecoderConfig, params: Record<string, Float32Array>): DecoderWeights {
  const map = new Map<string, LoadedTensor>();
  for (const { name, shape } of expectedTensors(config)) map.set(name, { dtype: 'F32', shape, data: params[name]!, file: '(trainer)' });
  return weightsFromTensors(config, map, '(trainer)');
}

function countTokens(b: TokenBatch, padId: number): number {
  let n = 0;
  const pad = BigInt(padId);
  for (const id of b.inputIds) if (id !== pad) n++;
  return n;
}

export async function runTrainLoop(input: TrainLoopInput): Promise<TrainLoopResult> {
  const { ctx, config, tokenizer, training: t } = input;
  const session = sessionSettingsOf(ctx);
  const B = t.batch_size;
  const T = input.seqLen;
  const lora = input.lora;
  const params = lora ? loraParams(config, lora) : decoderParams(config, input.weights);
  const adaptersOf = (p: Record<string, Float32Array>) => new Map(params.map(({ name, shape }) => [name, { shape, data: p[name]! }]));
  // The model the trainer's parameters stand for (LoRA: merged into the frozen base).
  const modelOf = (p: Record<string, Float32Array>): DecoderWeights => (lora ? mergeLora(config, input.weights, adaptersOf(p), lora) : weightsFromParams(config, p));
  const optimizer = optimizerFromConfig(t);
  const schedule = scheduleFromConfig(t);
  const compiled = compileTrainStep({
    name: 'decoder',
    params,
    buildLoss: decoderLossBuilder(config, input.weights, B, T, lora),
    optimizer,
    accumulationSteps: t.gradient_accumulation_steps,
    stepsPerCall: t.steps_per_call,
  });

  const stream = new MixtureStream(input.tasks, input.seed);
  const counters: Record<string, number> = { tokens: 0 };
  let start: Record<string, Float32Array> | Awaited<ReturnType<typeof readTrainCheckpoint>>['trainer'];
  if (ctx.resumeFrom) {
    const ck = await readTrainCheckpoint(ctx.resumeFrom.dir, params);
    start = ck.trainer;
    // Replay the stream to where the checkpoint left it (generation is cheap next to a step).
    stream.restore(ck.stream);
    Object.assign(counters, ck.counters);
    ctx.log('info', `resumed from ${ctx.resumeFrom.dir} at step ${ck.trainer.step}`);
  } else if (lora) {
    start = Object.fromEntries([...initLoraAdapters(config, lora, input.seed)].map(([n, w]) => [n, w.data]));
  } else {
    start = Object.fromEntries(tensorsFromWeights(config, input.weights).map(([n, w]) => [n, w.data]));
  }
  const trainer = await AdamWTrainer.create(compiled, start, optimizer, session, { adopt: input.consumeWeights === true && !lora });
  ctx.device(trainer.notice ?? `${session.executionProvider === 'auto' ? 'cpu' : (session.executionProvider ?? 'cpu')}`);
  ctx.metrics(trainer.step, { 'train/trainable_parameters': params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0) });
  // Evals generate with what the trainer trains fed as graph inputs (docs/decisions/0011): every
  // weight in full finetuning, the adapters on the frozen base (kept in the graphs) with LoRA. A
  // parameter's name is its graph input's, so the trainer's parameters are the state feed:
  // the sessions the first eval opens (lazily, only the kinds an eval uses) serve every later eval
  // and the caller's final eval, never rebuilt. The evals are fed the trainer's own tensors (no
  // copy), taken again before each eval since a step may replace them.
  // fitToLimit: a small model's positions may be fewer than prompt + the evals' max_new_tokens.
  const evalModel = InferenceModel.create(config, input.weights, tokenizer, { ...session, fitToLimit: true, trainable: lora ? { lora } : 'all' });
  const padId = tokenizer.padId ?? tokenizer.eosId!;
  const losses = new Map<number, number>();
  let cancelled = false;
  let windowTokens = 0;
  let windowStart = performance.now();
  let handedOver = false;

  const runEval = async (step: number) => {
    evalModel.setState(trainer.paramTensors());
    const metrics = await evaluateQuick(evalModel, input.evalTasks ?? input.tasks, { examples: input.evalExamples ?? 32, seed: input.seed, signal: ctx.signal });
    if (Object.keys(metrics).length) ctx.metrics(step, metrics);
  };

  try {
    while (trainer.step < t.max_steps) {
      if (ctx.signal.aborted) {
        cancelled = true;
        ctx.log('info', `cancelled at step ${trainer.step} of ${t.max_steps}`);
        break;
      }
      // Steps this call takes: steps_per_call, cut so that an eval or a checkpoint falls between calls.
      const step = trainer.step;
      const untilEvery = (every: number) => (every > 0 ? every - (step % every) : Infinity);
      const k = Math.min(t.steps_per_call, t.max_steps - step, untilEvery(t.eval_every), untilEvery(t.checkpoint_every));
      const feeds: Feed[] = [];
      const stepTokens = new Array<number>(k).fill(0);
      for (let i = 0; i < k * t.gradient_accumulation_steps; i++) {
        const b = stream.nextBatch(tokenizer, B, T, input.completionOnly, input.packing ?? false);
        stepTokens[Math.floor(i / t.gradient_accumulation_steps)]! += countTokens(b, padId);
        feeds.push({ input_ids: { data: b.inputIds, dims: [B, T] }, labels: { data: b.labels, dims: [B, T] } });
      }
      const results = await trainer.trainSteps(feeds, Array.from({ length: k }, (_, i) => learningRateAt(schedule, step + i)));
      for (const [i, r] of results.entries()) {
        if (!Number.isFinite(r.loss)) {
          throw new Error(`training diverged at step ${step + i + 1}: loss is ${r.loss}; lower training.learning_rate (now ${t.learning_rate}) or set training.max_grad_norm`);
        }
        losses.set(step + i, r.loss);
        counters.tokens! += stepTokens[i]!;
        windowTokens += stepTokens[i]!;
        const done = step + i + 1; // steps completed, 1-based
        ctx.progress(done, t.max_steps, 'train');
        if (done % t.log_every === 0 || done === t.max_steps) {
          const secs = (performance.now() - windowStart) / 1000;
          ctx.metrics(done, {
            'train/loss': r.loss,
            'train/learning_rate': r.lr,
            'train/grad_norm': r.gradNorm,
            'train/tokens_per_second': secs > 0 ? windowTokens / secs : 0,
            'train/tokens': counters.tokens!,
            'train/examples': stream.drawn - stream.skipped,
          });
          windowTokens = 0;
          windowStart = performance.now();
        }
      }
      const done = trainer.step;
      if (t.eval_every > 0 && done % t.eval_every === 0 && done < t.max_steps) await runEval(done);
      if (t.checkpoint_every > 0 && done % t.checkpoint_every === 0 && done < t.max_steps) {
        const dir = checkpointDir(ctx.runDir, done);
        await writeTrainCheckpoint(dir, params, { trainer: trainer.snapshot(), stream: { drawn: stream.drawn, skipped: stream.skipped, pending: stream.hasPending }, counters });
        ctx.checkpoint({ dir, step: done });
      }
    }
    if (stream.skipped > 0) ctx.log('warn', `${stream.skipped} examples were longer than data.seq_len (${T}) and were skipped`);
    // The trainer takes no step after this: its arrays become the result (no copy).
    const final = Object.fromEntries(Object.entries(trainer.paramTensors()).map(([n, t]) => [n, t.data as Float32Array]));
    const weights = modelOf(final);
    evalModel.setState(final);
    handedOver = true; // the caller releases the eval model
    return { weights, ...(lora ? { adapters: adaptersOf(final) } : {}), step: trainer.step, cancelled, losses, evalModel };
  } finally {
    await trainer.release();
    if (!handedOver) await evalModel.release();
  }
}
