/**
 * Host side of a compiled train step: holds parameters and AdamW moments as ORT tensors, feeds
 * each step's outputs back as the next step's inputs (no copies through JS), runs the
 * accumulate graph for all but the last micro-batch, and feeds lr and bias corrections.
 */
import * as ort from 'onnxruntime-node';
import { openSession, type Feed, type GraphSession, type SessionSettings } from '../onnx';
import { adamBiasCorrections } from './schedule';
import { names, type CompiledTrainStep, type OptimizerSettings } from './trainStep';

export interface StepResult {
  /** Mean of the micro-batch losses. */
  loss: number;
  /** Global gradient norm before clipping (of the averaged gradient). */
  gradNorm: number;
  lr: number;
  /** The builder's extra outputs from the last micro-batch. */
  outputs: Record<string, ort.Tensor>;
  /** The builder's extra outputs of every micro-batch, in order (the last is `outputs`). */
  microOutputs: Record<string, ort.Tensor>[];
}

export interface TrainerState {
  /** Optimizer steps taken. */
  step: number;
  params: Record<string, Float32Array>;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class AdamWTrainer {
  private constructor(
    readonly compiled: CompiledTrainStep,
    private readonly optimizer: OptimizerSettings,
    private readonly stepSession: GraphSession,
    private readonly accSession: GraphSession | null,
    private readonly state: Map<string, ort.Tensor>,
    private readonly zeros: Map<string, ort.Tensor>,
    public step: number,
  ) {}

  /** Start from `initial` parameter values (moments zero) or from a saved TrainerState. */
  static async create(
    compiled: CompiledTrainStep,
    initial: Record<string, Float32Array> | TrainerState,
    optimizer: OptimizerSettings,
    session: SessionSettings = {},
  ): Promise<AdamWTrainer> {
    const saved = 'params' in initial && 'm' in initial ? (initial as TrainerState) : null;
    const values = saved ? saved.params : (initial as Record<string, Float32Array>);
    const state = new Map<string, ort.Tensor>();
    const zeros = new Map<string, ort.Tensor>();
    for (const p of compiled.params) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const data = values[p.name];
      if (!data || data.length !== n) {
        throw new Error(`trainer: parameter '${p.name}' needs ${n} float32 values for shape [${p.shape.join(', ')}], got ${data?.length ?? 'none'}`);
      }
      state.set(p.name, new ort.Tensor('float32', Float32Array.from(data), p.shape));
      state.set(names.m(p.name), new ort.Tensor('float32', saved ? Float32Array.from(saved.m[p.name]!) : new Float32Array(n), p.shape));
      state.set(names.v(p.name), new ort.Tensor('float32', saved ? Float32Array.from(saved.v[p.name]!) : new Float32Array(n), p.shape));
      zeros.set(p.name, new ort.Tensor('float32', new Float32Array(n), p.shape));
    }
    const stepSession = await openSession(compiled.step, session);
    const accSession = compiled.accumulate ? await openSession(compiled.accumulate, session) : null;
    return new AdamWTrainer(compiled, optimizer, stepSession, accSession, state, zeros, saved?.step ?? 0);
  }

  /** The provider notice of the step session (null when on the provider asked for). */
  get notice(): string | null {
    return this.stepSession.notice;
  }

  /** One optimizer step over `microBatches` (exactly accumulationSteps feeds of data inputs). */
  async trainStep(microBatches: readonly Feed[], lr: number): Promise<StepResult> {
    const n = this.compiled.accumulationSteps;
    if (microBatches.length !== n) throw new Error(`trainer: expected ${n} micro-batches per step, got ${microBatches.length}`);
    const params = Object.fromEntries(this.compiled.params.map((p) => [p.name, this.state.get(p.name)!]));
    const acc = new Map<string, ort.Tensor>(this.compiled.params.map((p) => [names.acc(p.name), this.zeros.get(p.name)!]));
    let lossSum = 0;
    const extras = (out: Record<string, ort.Tensor>) => Object.fromEntries(this.compiled.extraOutputs.map((k) => [k, out[k]!]));
    const microOutputs: Record<string, ort.Tensor>[] = [];
    for (let k = 0; k < n - 1; k++) {
      const out = await this.accSession!.run({ ...microBatches[k]!, ...params, ...Object.fromEntries(acc) });
      lossSum += Number(out[names.loss]!.data[0]);
      microOutputs.push(extras(out));
      for (const key of acc.keys()) acc.set(key, out[names.out(key)]!);
    }
    const { bc1, bc2 } = adamBiasCorrections(this.step, this.optimizer.beta1, this.optimizer.beta2);
    const feeds: Feed = { ...microBatches[n - 1]!, ...params, [names.lr]: lr, [names.bc1]: bc1, [names.bc2]: bc2 };
    for (const p of this.compiled.params) {
      feeds[names.m(p.name)] = this.state.get(names.m(p.name))!;
      feeds[names.v(p.name)] = this.state.get(names.v(p.name))!;
    }
    if (n > 1) {
      Object.assign(feeds, Object.fromEntries(acc));
      feeds[names.gradScale] = 1 / n;
    }
    const out = await this.stepSession.run(feeds);
    for (const p of this.compiled.params) {
      for (const key of [p.name, names.m(p.name), names.v(p.name)]) this.state.set(key, out[names.out(key)]!);
    }
    this.step++;
    lossSum += Number(out[names.loss]!.data[0]);
    const outputs = extras(out);
    microOutputs.push(outputs);
    return { loss: lossSum / n, gradNorm: Number(out[names.gradNorm]!.data[0]), lr, outputs, microOutputs };
  }

  /**
   * Current parameter values as the ORT tensors the last step returned (no copy): feed them to
   * other graphs. A step replaces them with new tensors, never writes into these.
   */
  paramTensors(): Record<string, ort.Tensor> {
    return Object.fromEntries(this.compiled.params.map((p) => [p.name, this.state.get(p.name)!]));
  }

  /** Current parameter values (copies). */
  params(): Record<string, Float32Array> {
    return Object.fromEntries(this.compiled.params.map((p) => [p.name, Float32Array.from(this.state.get(p.name)!.data as Float32Array)]));
  }

  /** Everything needed to resume: step count, parameters and moments (copies). */
  snapshot(): TrainerState {
    const get = (key: string): Float32Array => Float32Array.from(this.state.get(key)!.data as Float32Array);
    const ps = this.compiled.params;
    return {
      step: this.step,
      params: Object.fromEntries(ps.map((p) => [p.name, get(p.name)])),
      m: Object.fromEntries(ps.map((p) => [p.name, get(names.m(p.name))])),
      v: Object.fromEntries(ps.map((p) => [p.name, get(names.v(p.name))])),
    };
  }

  async release(): Promise<void> {
    await this.stepSession.release();
    await this.accSession?.release();
  }
}
