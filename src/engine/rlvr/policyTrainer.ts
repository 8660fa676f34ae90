/**
 * The policy's graphs for one GRPO run, at one batch shape [batch, seqLen]:
 *   - the compiled training step (decoder + GRPO loss head + backward + AdamW; compileTrainStep),
 *     whose parameters are every weight or the LoRA adapters on the frozen base;
 *   - the policy scorer: the same forward with the trainer's parameters fed in, giving π_old's
 *     log-probs at generation time (= the current policy's, so the first iteration's ratio is 1,
 *     as TRL's old = current.detach(); §1.1);
 *   - the reference scorer (β ≠ 0 only): the frozen initial model — for LoRA the base with the
 *     adapter disabled (§1.3).
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
import type { TrainRows } from './rollout';

export interface PolicyTrainerSpec extends PolicyShape {
  loss: PolicyLossSpec;
  optimizer: OptimizerSettings;
  session: SessionSettings;
  /** Seeds fresh LoRA A matrices. */
  seed: number;
  /** Resume from a saved trainer state instead of the base weights / fresh adapters. */
  resume?: TrainerState;
}

export class PolicyTrainer {
  private refSession: Promise<GraphSession> | null = null;

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
    const compiled = compileTrainStep({ name: 'grpo', params, buildLoss: grpoLossBuilder(spec, spec.loss), optimizer: spec.optimizer });
    const start =
      spec.resume ??
      (spec.lora
        ? Object.fromEntries([...initLoraAdapters(spec.config, spec.lora, spec.seed)].map(([n, w]) => [n, w.data]))
        : Object.fromEntries(tensorsFromWeights(spec.config, spec.weights).map(([n, w]) => [n, w.data])));
    const trainer = await AdamWTrainer.create(compiled, start, spec.optimizer, spec.session);
    let scorer: GraphSession;
    try {
      scorer = await openSession(serialize(buildScoreGraph(spec, true)), { ...spec.session, cache: false });
    } catch (e) {
      await trainer.release();
      throw e;
    }
    return new PolicyTrainer(spec, params, trainer, scorer);
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

  /** Log-probs [batch·seqLen] of the rows' targets under the current policy (temperature-scaled). */
  async scorePolicy(rows: TrainRows): Promise<Float32Array> {
    const out = await this.scorer.run({ ...this.rowsFeed(rows), ...this.parameters() });
    return out[POLICY_DATA.logprobs]!.data as Float32Array;
  }

  /** Log-probs under the frozen reference (initial) model. */
  async scoreReference(rows: TrainRows): Promise<Float32Array> {
    if (!this.refSession) {
      const { lora: _unused, ...frozen } = this.spec;
      this.refSession = openSession(serialize(buildScoreGraph(frozen, false)), { ...this.spec.session, cache: false });
    }
    const out = await (await this.refSession).run(this.rowsFeed(rows));
    return out[POLICY_DATA.logprobs]!.data as Float32Array;
  }

  /** One optimizer step on the rows plus the loss head's inputs (advantages, old/ref log-probs, masks…). */
  trainStep(rows: TrainRows, head: Feed, lr: number): Promise<StepResult> {
    return this.trainer.trainStep([{ ...this.rowsFeed(rows), ...head }], lr);
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
