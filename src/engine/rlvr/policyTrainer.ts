/**
 * The policy's graphs for one GRPO run, at one batch shape [batch, seqLen]:
 *   - the compiled training step (decoder + GRPO loss head + backward + AdamW; compileTrainStep),
 *     whose parameters are every weight or the LoRA adapters on the frozen base;
 *   - the policy scorer: the same forward with the trainer's parameters fed in, giving π_old's
 *     log-probs at generation time (= the current policy's, so the first iteration's ratio is 1,
 *     as TRL's old = current.detach(); §1.1);
 *   - the reference scorer (β ≠ 0 only): the frozen initial model — for LoRA the base with the
 *     adapter disabled (§1.3); with `syncReference` (full finetune only) the policy scorer fed
 *     reference weights held in memory, which mixReference moves toward the policy
 *     (referenceSync.ts, decision 0037).
 */
import type * as ort from 'onnxruntime-node';
import { openSession, serialize, type Feed, type GraphSession, type SessionSettings } from '../onnx';
import { AdamWTrainer, compileTrainStep, type OptimizerSettings, type StepResult, type TrainableParam, type TrainerState } from '../optim';
import type { DecoderConfig } from '../model/config';
import { initLoraAdapters, mergeLora, type LoraSpec } from '../model/lora';
import { tensorsFromWeights, type DecoderWeights, type Tensor32 } from '../model/weights';
import { decoderParams, loraParams } from '../toolkit/decoderLoss';
import { weightsFromParams } from '../toolkit/trainLoop';
import { buildScoreGraph, grpoLossBuilder, POLICY_DATA, type PolicyShape } from './policyGraph';
import type { PolicyLossSpec } from './policyLoss';
import { sliceRows, type TrainRows } from './rollout';
import { mixInto } from './referenceSync';

export interface PolicyTrainerSpec extends PolicyShape {
  loss: PolicyLossSpec;
  optimizer: OptimizerSettings;
  session: SessionSettings;
  /** Seeds fresh LoRA A matrices. */
  seed: number;
  /** Resume from a saved trainer state instead of the base weights / fresh adapters. */
  resume?: TrainerState;
  /**
   * Micro-batches of `batch` rows per optimizer step (gradient accumulation, default 1): the
   * step averages their gradients (optim/trainStep.ts).
   */
  accumulationSteps?: number;
  /** Optimizer steps one call may take (training.steps_per_call, decision 0036; default 1). */
  stepsPerCall?: number;
  /** The policy scorer also outputs the final hidden states (THR, §4). */
  scoreHidden?: boolean;
  /**
   * The reference is mixable (sync_ref_model): its weights are held in memory and fed to the
   * policy scorer instead of baked into a graph. Full finetune only (TRL refuses it under LoRA).
   */
  syncReference?: boolean;
  /** With syncReference: the reference weights to start from (a resumed run's); default the base weights. */
  reference?: Record<string, Float32Array>;
  /**
   * Full finetuning may train `weights` in place (no trainer copy) when nothing reads the
   * initial weights later: taken only with beta 0 (no frozen reference scored from them) and no
   * resume. The caller must not read `weights` afterwards.
   */
  consumeWeights?: boolean;
}

export class PolicyTrainer {
  private refSession: Promise<GraphSession> | null = null;
  /** syncReference: the reference weights by parameter name (mixed in place). */
  private refWeights: Record<string, Float32Array> | null = null;
  /** The trainer trains spec.weights in place (consumeWeights). */
  private adopted = false;

  private constructor(
    private readonly spec: PolicyTrainerSpec,
    readonly params: readonly TrainableParam[],
    private readonly trainer: AdamWTrainer,
    private readonly scorer: GraphSession,
  ) {}

  /** The trainable parameters: every decoder weight, or the LoRA adapters. */
  static paramsOf(config: DecoderConfig, weights: DecoderWeights, lora?: LoraSpec): TrainableParam[] {
    return lora ? loraParams(config, lora) : decoderParams(config, weights);
  }

  static async create(spec: PolicyTrainerSpec): Promise<PolicyTrainer> {
    const params = PolicyTrainer.paramsOf(spec.config, spec.weights, spec.lora);
    if (spec.syncReference && spec.lora) throw new Error('sync_ref_model: not available with LoRA (the reference is the base with the adapter off); set lora.enabled false or sync_ref_model false');
    const compiled = compileTrainStep({ name: 'grpo', params, buildLoss: grpoLossBuilder(spec, spec.loss), optimizer: spec.optimizer, accumulationSteps: spec.accumulationSteps ?? 1, stepsPerCall: spec.stepsPerCall ?? 1 });
    const start =
      spec.resume ??
      (spec.lora
        ? Object.fromEntries([...initLoraAdapters(spec.config, spec.lora, spec.seed)].map(([n, w]) => [n, w.data]))
        : Object.fromEntries(tensorsFromWeights(spec.config, spec.weights).map(([n, w]) => [n, w.data])));
    const adopt = spec.consumeWeights === true && !spec.lora && !spec.resume && spec.loss.beta === 0;
    const trainer = await AdamWTrainer.create(compiled, start, spec.optimizer, spec.session, { adopt });
    let scorer: GraphSession;
    try {
      scorer = await openSession(serialize(buildScoreGraph(spec, true, { hidden: spec.scoreHidden === true })), { ...spec.session, cache: false });
    } catch (e) {
      await trainer.release();
      throw e;
    }
    const p = new PolicyTrainer(spec, params, trainer, scorer);
    p.adopted = adopt;
    if (spec.syncReference) {
      const base = spec.reference ?? Object.fromEntries(tensorsFromWeights(spec.config, spec.weights).map(([n, w]) => [n, w.data]));
      p.refWeights = Object.fromEntries(params.map(({ name, shape }) => {
        const w = base[name];
        const n = shape.reduce((a, b) => a * b, 1);
        if (!w || w.length !== n) throw new Error(`sync_ref_model: reference weight '${name}' is missing or not ${n} values`);
        return [name, Float32Array.from(w)];
      }));
    }
    return p;
  }

  /** Optimizer steps taken (including before a resume). */
  get step(): number {
    return this.trainer.step;
  }

  /** Provider notice of the step session (null when on the provider asked for). */
  get notice(): string | null {
    return this.trainer.notice;
  }

  get provider(): string {
    return this.scorer.provider;
  }

  /** The trainable parameters' current values (copies). */
  parameters(): Record<string, Float32Array> {
    return this.trainer.params();
  }

  /**
   * The trainable state as ORT tensors (no copy): every weight, or the adapters — what the
   * generation and scoring graphs are fed (ModelRuntime.setState).
   */
  stateTensors(): Record<string, ort.Tensor> {
    return this.trainer.paramTensors();
  }

  /** With LoRA: the adapters by PEFT name. */
  adapters(p: Record<string, Float32Array> = this.parameters()): Map<string, Tensor32> | undefined {
    if (!this.spec.lora) return undefined;
    return new Map(this.params.map(({ name, shape }) => [name, { shape, data: p[name]! }]));
  }

  /** The decoder the parameters stand for (LoRA: merged into the frozen base). */
  modelWeights(p: Record<string, Float32Array> = this.parameters()): DecoderWeights {
    return this.spec.lora ? mergeLora(this.spec.config, this.spec.weights, this.adapters(p)!, this.spec.lora) : weightsFromParams(this.spec.config, p);
  }

  snapshot(): TrainerState {
    return this.trainer.snapshot();
  }

  private rowsFeed(rows: TrainRows): Feed {
    const dims = [rows.batch, rows.seqLen];
    if (rows.batch !== this.spec.batch || rows.seqLen !== this.spec.seqLen) {
      throw new Error(`policy: rows are [${dims.join(', ')}], the graphs were built for [${this.spec.batch}, ${this.spec.seqLen}]`);
    }
    return { [POLICY_DATA.inputIds]: { data: rows.inputIds, dims }, [POLICY_DATA.targetIds]: { data: rows.targetIds, dims } };
  }

  /** Run a scoring session over `rows` in chunks of the graphs' batch (a generation batch holds several micro-batches). */
  private async scoreChunks(rows: TrainRows, run: (chunk: TrainRows) => Promise<Float32Array>): Promise<Float32Array> {
    const b = this.spec.batch;
    if (rows.batch === b) return run(rows);
    if (rows.batch % b !== 0) throw new Error(`policy: ${rows.batch} rows are not a whole number of micro-batches of ${b}`);
    const out = new Float32Array(rows.batch * rows.seqLen);
    for (let i = 0; i < rows.batch; i += b) out.set(await run(sliceRows(rows, i, b)), i * rows.seqLen);
    return out;
  }

  /** Log-probs [batch·seqLen] of the rows' targets under the current policy (temperature-scaled). */
  scorePolicy(rows: TrainRows): Promise<Float32Array> {
    return this.scoreChunks(rows, async (chunk) => {
      const out = await this.scorer.run({ ...this.rowsFeed(chunk), ...this.stateTensors() });
      return out[POLICY_DATA.logprobs]!.data as Float32Array;
    });
  }

  /**
   * Log-probs, final hidden states [batch·seqLen·d] and token entropies of the rows under the
   * current policy (one pass; needs `scoreHidden`).
   */
  async scorePolicyWithHidden(rows: TrainRows): Promise<{ logprobs: Float32Array; hidden: Float32Array; entropy: Float32Array }> {
    if (!this.spec.scoreHidden) throw new Error('policy: the scorer was built without the hidden-state output (scoreHidden)');
    const keys = [POLICY_DATA.logprobs, POLICY_DATA.hidden, POLICY_DATA.entropy] as const;
    const parts: Float32Array[][] = [];
    await this.scoreChunks(rows, async (chunk) => {
      const out = await this.scorer.run({ ...this.rowsFeed(chunk), ...this.stateTensors() });
      parts.push(keys.map((k) => out[k]!.data as Float32Array));
      return parts.at(-1)![0]!;
    });
    const joined = keys.map((_, i) => {
      const all = new Float32Array(parts.reduce((n, p) => n + p[i]!.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p[i]!, at);
        at += p[i]!.length;
      }
      return all;
    });
    return { logprobs: joined[0]!, hidden: joined[1]!, entropy: joined[2]! };
  }

  /**
   * The reference weights (syncReference only; the live arrays, not copies — read, don't write).
   */
  referenceWeights(): Record<string, Float32Array> {
    if (!this.refWeights) throw new Error('policy: the reference is frozen in its graph (built without syncReference)');
    return this.refWeights;
  }

  /** TR-DPO sync (§1.3): reference ← α·policy + (1 − α)·reference, weight by weight. */
  mixReference(alpha: number): void {
    mixInto(this.referenceWeights(), this.parameters(), alpha);
  }

  /** Log-probs under the reference model: the frozen initial model, or (syncReference) the mixed weights of the moment. */
  scoreReference(rows: TrainRows): Promise<Float32Array> {
    const mixed = this.refWeights;
    if (mixed) {
      const weights: Feed = Object.fromEntries(this.params.map(({ name, shape }) => [name, { data: mixed[name]!, dims: shape }]));
      return this.scoreChunks(rows, async (chunk) => {
        const out = await this.scorer.run({ ...this.rowsFeed(chunk), ...weights });
        return out[POLICY_DATA.logprobs]!.data as Float32Array;
      });
    }
    if (!this.refSession) {
      if (this.adopted) throw new Error('policy: the initial weights were trained in place (consumeWeights with beta 0); there is no frozen reference to score');
      const { lora: _unused, ...frozen } = this.spec;
      this.refSession = openSession(serialize(buildScoreGraph(frozen, false)), { ...this.spec.session, cache: false });
    }
    const ref = this.refSession;
    return this.scoreChunks(rows, async (chunk) => {
      const out = await (await ref).run(this.rowsFeed(chunk));
      return out[POLICY_DATA.logprobs]!.data as Float32Array;
    });
  }

  /** One optimizer step on the rows plus the loss head's inputs (advantages, old/ref log-probs, masks…). */
  trainStep(rows: TrainRows, head: Feed, lr: number): Promise<StepResult> {
    return this.trainMicroBatches([{ rows, head }], lr);
  }

  /** One optimizer step over accumulationSteps micro-batches (gradients averaged). */
  trainMicroBatches(parts: readonly { rows: TrainRows; head: Feed }[], lr: number): Promise<StepResult> {
    return this.trainer.trainStep(parts.map((p) => ({ ...this.rowsFeed(p.rows), ...p.head })), lr);
  }

  /** Several optimizer steps (each over accumulationSteps micro-batches) in one call when the trainer was built for it. */
  trainSteps(steps: readonly (readonly { rows: TrainRows; head: Feed }[])[], lrs: readonly number[]): Promise<StepResult[]> {
    return this.trainer.trainSteps(steps.flatMap((parts) => parts.map((p) => ({ ...this.rowsFeed(p.rows), ...p.head }))), lrs);
  }

  async release(): Promise<void> {
    await this.trainer.release();
    await this.scorer.release();
    if (this.refSession) await (await this.refSession.catch(() => null))?.release();
  }
}

/** A scalar graph output as a number. */
export function scalarOf(t: ort.Tensor | undefined): number {
  return t ? Number(t.data[0]) : Number.NaN;
}
