/**
 * Host side of a compiled train step: holds parameters and AdamW moments as ORT tensors, feeds
 * each step's outputs back as the next step's inputs (no copies through JS), runs the
 * accumulate graph for all but the last micro-batch, and feeds lr and bias corrections.
 * On CPU, where every gradient sum is written in place, an accumulated step instead runs all its
 * micro-batches through the accumulate graph and then the update's own graphs, one parameter
 * per run (applyStep.ts, docs/decisions/0047).
 * When the step was compiled with stepsPerCall > 1 every step goes through the `loop` graph
 * instead (loopStep.ts): `trainSteps` runs up to stepsPerCall steps in one call, their
 * micro-batches stacked along a new first axis.
 */
import * as ort from 'onnxruntime-node';
import { openSession, toOrtTensor, type Feed, type GraphSession, type IOSpec, type SessionSettings } from '../onnx';
import { applyNames } from './applyStep';
import { collectGarbage } from './collect';
import { inPlacePairs } from './inPlace';
import { loopNames } from './loopStep';
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

export interface TrainerOptions {
  /**
   * The trainer may keep the initial parameter arrays it is given and overwrite them as it
   * trains (no copy): the caller hands them over and must not read them afterwards.
   */
  adopt?: boolean;
  /**
   * Train accumulated steps through the fused step graph even where the update could run as
   * graphs of its own (applyStep.ts). Default false; the two agree to rounding.
   */
  fusedUpdate?: boolean;
}

export class AdamWTrainer {
  /**
   * Per graph, the state names (parameter, moment, accumulator) whose new values the graph writes
   * into the input's own buffer (inPlace.ts): a step then holds one generation of them, not two.
   */
  private inPlace: { step: Map<string, string>; accumulate: Map<string, string> } = { step: new Map(), accumulate: new Map() };
  /** The update's own graphs (accumulation on CPU with every sum in place), else null: the fused step graph. */
  private apply: ApplySessions | null = null;

  private constructor(
    readonly compiled: CompiledTrainStep,
    private readonly optimizer: OptimizerSettings,
    /** Null when the loop graph trains (stepsPerCall > 1). */
    private readonly stepSession: GraphSession | null,
    private readonly accSession: GraphSession | null,
    private readonly loopSession: GraphSession | null,
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
    options: TrainerOptions = {},
  ): Promise<AdamWTrainer> {
    const saved = 'params' in initial && 'm' in initial ? (initial as TrainerState) : null;
    const values = saved ? saved.params : (initial as Record<string, Float32Array>);
    const state = new Map<string, ort.Tensor>();
    const zeros = new Map<string, ort.Tensor>();
    const adopted: Float32Array[] = [];
    // An adopted array is written in place: two parameters must never share memory.
    const own = (data: Float32Array): Float32Array => {
      if (!options.adopt || saved || adopted.some((a) => overlaps(a, data))) return Float32Array.from(data);
      adopted.push(data);
      return data;
    };
    for (const p of compiled.params) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const data = values[p.name];
      if (!data || data.length !== n) {
        throw new Error(`trainer: parameter '${p.name}' needs ${n} float32 values for shape [${p.shape.join(', ')}], got ${data?.length ?? 'none'}`);
      }
      state.set(p.name, new ort.Tensor('float32', own(data), p.shape));
      state.set(names.m(p.name), new ort.Tensor('float32', saved ? Float32Array.from(saved.m[p.name]!) : new Float32Array(n), p.shape));
      state.set(names.v(p.name), new ort.Tensor('float32', saved ? Float32Array.from(saved.v[p.name]!) : new Float32Array(n), p.shape));
      // Accumulator seeds exist only with gradient accumulation: one more copy of every parameter.
      if (compiled.accumulate && !compiled.loop) zeros.set(p.name, new ort.Tensor('float32', new Float32Array(n), p.shape));
    }
    if (compiled.loop) {
      const loopSession = await openSession(compiled.loop, session);
      // WebGPU runs Loop on the host (docs/decisions/0030): there the looped graph would cost
      // transfers instead of saving them, so the step graphs train one step per run.
      if (loopSession.provider !== 'webgpu') return new AdamWTrainer(compiled, optimizer, null, null, loopSession, state, zeros, saved?.step ?? 0);
      await loopSession.release();
      if (compiled.accumulate) for (const p of compiled.params) zeros.set(p.name, new ort.Tensor('float32', new Float32Array(p.shape.reduce((a, b) => a * b, 1)), p.shape));
    }
    const accSession = compiled.accumulate ? await openSession(compiled.accumulate, session) : null;
    const inPlace = { step: new Map<string, string>(), accumulate: new Map<string, string>() };
    // Writing into inputs needs the CPU provider's direct writes of pre-allocated outputs.
    const cpu = (accSession?.provider ?? 'cpu') === 'cpu';
    if (cpu && compiled.graphs.accumulate) {
      inPlace.accumulate = inPlacePairs(compiled.graphs.accumulate, compiled.params.map((p) => [names.acc(p.name), names.out(names.acc(p.name))] as const));
    }
    // Accumulation with every sum in place: the update runs as graphs of its own (applyStep.ts).
    let apply: ApplySessions | null = null;
    if (accSession && cpu && compiled.apply && !options.fusedUpdate && inPlace.accumulate.size === compiled.params.length) apply = await openApply(compiled, session);
    const stepSession = apply ? null : await openSession(compiled.step, session);
    const trainer = new AdamWTrainer(compiled, optimizer, stepSession, accSession, null, state, zeros, saved?.step ?? 0);
    trainer.apply = apply;
    if (stepSession?.provider === 'cpu' || apply) {
      const keys = compiled.params.flatMap((p) => [p.name, names.m(p.name), names.v(p.name)]);
      trainer.inPlace = { step: apply ? new Map() : inPlacePairs(compiled.graphs.step, keys.map((k) => [k, names.out(k)] as const)), accumulate: inPlace.accumulate };
      // An accumulator summed in place starts each step from a fresh zero buffer that becomes
      // the sum: no shared zero seed (one copy of the parameters less).
      for (const p of compiled.params) if (trainer.inPlace.accumulate.has(names.acc(p.name))) zeros.delete(p.name);
    }
    return trainer;
  }

  /** The provider notice of the training session (null when on the provider asked for). */
  get notice(): string | null {
    return (this.loopSession ?? this.stepSession ?? this.accSession)!.notice;
  }

  /**
   * How an optimizer step updates: the fused step graph, the update's own graphs after every
   * micro-batch is accumulated (applyStep.ts), or the loop graph of several steps per call.
   */
  get updatePath(): 'fused' | 'separate' | 'loop' {
    return this.loopSession ? 'loop' : this.apply ? 'separate' : 'fused';
  }

  /** Optimizer steps one call of `trainSteps` may take. */
  get stepsPerCall(): number {
    return this.compiled.stepsPerCall;
  }

  /**
   * `lrs.length` optimizer steps (with the loop graph at most stepsPerCall), each over accumulationSteps of
   * `microBatches` in order. With the loop graph this is one session.run; otherwise one
   * trainStep per step.
   */
  async trainSteps(microBatches: readonly Feed[], lrs: readonly number[]): Promise<StepResult[]> {
    const n = this.compiled.accumulationSteps;
    const k = lrs.length;
    // without the loop graph (stepsPerCall 1, or on WebGPU) any number of steps runs one by one
    const limit = this.loopSession ? this.compiled.stepsPerCall : Infinity;
    if (k < 1 || k > limit) throw new Error(`trainer: expected 1 to ${this.compiled.stepsPerCall} steps per call, got ${k}`);
    if (microBatches.length !== k * n) throw new Error(`trainer: ${k} steps of ${n} micro-batches need ${k * n} feeds, got ${microBatches.length}`);
    if (!this.loopSession) {
      const out: StepResult[] = [];
      for (let s = 0; s < k; s++) out.push(await this.trainStep(microBatches.slice(s * n, (s + 1) * n), lrs[s]!));
      return out;
    }
    const feeds: Feed = { [loopNames.steps]: k };
    for (const spec of this.compiled.dataInputs) feeds[spec.name] = stack(spec, microBatches.map((f) => f[spec.name]!));
    const bc = lrs.map((_, s) => adamBiasCorrections(this.step + s, this.optimizer.beta1, this.optimizer.beta2));
    feeds[names.lr] = { data: Float32Array.from(lrs), dims: [k] };
    feeds[names.bc1] = { data: Float32Array.from(bc, (b) => b.bc1), dims: [k] };
    feeds[names.bc2] = { data: Float32Array.from(bc, (b) => b.bc2), dims: [k] };
    for (const p of this.compiled.params) for (const key of [p.name, names.m(p.name), names.v(p.name)]) feeds[key] = this.state.get(key)!;
    const out = await this.loopSession.run(feeds);
    for (const p of this.compiled.params) {
      for (const key of [p.name, names.m(p.name), names.v(p.name)]) this.state.set(key, out[names.out(key)]!);
    }
    this.step += k;
    const losses = out[names.loss]!.data as Float32Array; // [k, n]
    const norms = out[names.gradNorm]!.data as Float32Array; // [k]
    const results: StepResult[] = [];
    for (let s = 0; s < k; s++) {
      const microOutputs: Record<string, ort.Tensor>[] = [];
      let lossSum = 0;
      for (let j = 0; j < n; j++) {
        lossSum += Number(losses[s * n + j]);
        microOutputs.push(Object.fromEntries(this.compiled.extraOutputs.map((key) => [key, slice(out[key]!, s * n + j)])));
      }
      results.push({ loss: lossSum / n, gradNorm: Number(norms[s]), lr: lrs[s]!, outputs: microOutputs.at(-1)!, microOutputs });
    }
    return results;
  }

  /** One optimizer step over `microBatches` (exactly accumulationSteps feeds of data inputs). */
  async trainStep(microBatches: readonly Feed[], lr: number): Promise<StepResult> {
    const n = this.compiled.accumulationSteps;
    if (microBatches.length !== n) throw new Error(`trainer: expected ${n} micro-batches per step, got ${microBatches.length}`);
    if (this.loopSession) return (await this.trainSteps(microBatches, [lr]))[0]!;
    if (this.apply) return this.accumulateThenApply(microBatches, lr, this.apply);
    const stepSession = this.stepSession!;
    const params = Object.fromEntries(this.compiled.params.map((p) => [p.name, this.state.get(p.name)!]));
    const seed = (p: { name: string; shape: number[] }) => this.zeros.get(p.name) ?? new ort.Tensor('float32', new Float32Array(p.shape.reduce((a, b) => a * b, 1)), p.shape);
    const acc = new Map<string, ort.Tensor>(n > 1 ? this.compiled.params.map((p) => [names.acc(p.name), seed(p)]) : []);
    let lossSum = 0;
    const extras = (out: Record<string, ort.Tensor>) => Object.fromEntries(this.compiled.extraOutputs.map((k) => [k, out[k]!]));
    const microOutputs: Record<string, ort.Tensor>[] = [];
    for (let k = 0; k < n - 1; k++) {
      // Accumulators summed in place (a fresh zero buffer per step, see create) are written
      // into; the others start from the shared zero seed, which must stay zero.
      const into: Record<string, ort.Tensor> = {};
      for (const [key, outName] of this.inPlace.accumulate) into[outName] = acc.get(key)!;
      const out = await this.accSession!.run({ ...microBatches[k]!, ...params, ...Object.fromEntries(acc) }, undefined, into);
      lossSum += Number(out[names.loss]!.data[0]);
      microOutputs.push(extras(out));
      for (const key of acc.keys()) if (!(names.out(key) in into)) acc.set(key, out[names.out(key)]!);
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
    const into: Record<string, ort.Tensor> = {};
    for (const [key, outName] of this.inPlace.step) into[outName] = this.state.get(key)!;
    const out = await stepSession.run(feeds, undefined, into);
    for (const p of this.compiled.params) {
      for (const key of [p.name, names.m(p.name), names.v(p.name)]) if (!this.inPlace.step.has(key)) this.state.set(key, out[names.out(key)]!);
    }
    this.step++;
    lossSum += Number(out[names.loss]!.data[0]);
    const outputs = extras(out);
    microOutputs.push(outputs);
    return { loss: lossSum / n, gradNorm: Number(out[names.gradNorm]!.data[0]), lr, outputs, microOutputs };
  }

  /**
   * Every micro-batch through the accumulate graph (sums written in place), then the global norm
   * and AdamW one parameter per run, each writing the parameter and its moments in place
   * (applyStep.ts, decision 0047).
   */
  private async accumulateThenApply(microBatches: readonly Feed[], lr: number, apply: ApplySessions): Promise<StepResult> {
    const n = this.compiled.accumulationSteps;
    const ps = this.compiled.params;
    const acc = new Map(ps.map((p) => [names.acc(p.name), new ort.Tensor('float32', new Float32Array(size(p.shape)), p.shape)]));
    const params = Object.fromEntries(ps.map((p) => [p.name, this.state.get(p.name)!]));
    const into = Object.fromEntries([...acc].map(([key, t]) => [names.out(key), t]));
    let lossSum = 0;
    const microOutputs: Record<string, ort.Tensor>[] = [];
    // keeps the loss and the extra outputs only, so the run's result object — with the JS copy of
    // the sums — is unreachable once it returns
    const accumulate = async (feed: Feed): Promise<{ loss: number; extras: Record<string, ort.Tensor> }> => {
      const out = await this.accSession!.run({ ...feed, ...params, ...Object.fromEntries(acc) }, undefined, into);
      return { loss: Number(out[names.loss]!.data[0]), extras: Object.fromEntries(this.compiled.extraOutputs.map((key) => [key, out[key]!])) };
    };
    for (let k = 0; k < n; k++) {
      const r = await accumulate(microBatches[k]!);
      lossSum += r.loss;
      microOutputs.push(r.extras);
      // that copy is garbage: collected now, it does not stay resident through the next micro-batch
      collectGarbage();
    }
    const scale = 1 / n;
    const norm = (await apply.norm.run({ ...Object.fromEntries(acc), [names.gradScale]: scale }))[names.gradNorm]!;
    const { bc1, bc2 } = adamBiasCorrections(this.step, this.optimizer.beta1, this.optimizer.beta2);
    const scalars: Feed = { [names.gradScale]: scale, [names.gradNorm]: norm, [names.lr]: lr, [names.bc1]: bc1, [names.bc2]: bc2 };
    for (const p of ps) {
      const flat = (t: ort.Tensor) => new ort.Tensor('float32', t.data as Float32Array, [t.size]);
      const [pt, mt, vt] = [p.name, names.m(p.name), names.v(p.name)].map((key) => flat(this.state.get(key)!));
      const at = flat(acc.get(names.acc(p.name))!);
      // the sum is not needed after its parameter's update: let it go as the step proceeds
      acc.delete(names.acc(p.name));
      delete into[names.out(names.acc(p.name))];
      const session = (p.weightDecay ?? true) ? apply.decay : apply.noDecay;
      await session.run(
        { ...scalars, [applyNames.p]: pt!, [applyNames.m]: mt!, [applyNames.v]: vt!, [applyNames.acc]: at },
        undefined,
        { [names.out(applyNames.p)]: pt!, [names.out(applyNames.m)]: mt!, [names.out(applyNames.v)]: vt! },
      );
    }
    // and the update's copies and the spent sums before whatever the caller does next
    collectGarbage();
    this.step++;
    return { loss: lossSum / n, gradNorm: Number(norm.data[0]), lr, outputs: microOutputs.at(-1)!, microOutputs };
  }

  /**
   * Current parameter values as the trainer's own ORT tensors (no copy): feed them to other
   * graphs between steps. A step may write its new values into these very tensors (in place,
   * inPlace.ts) or replace them: take them again after every step, never keep them as a copy.
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
    if (this.apply) for (const x of [this.apply.norm, this.apply.decay, this.apply.noDecay]) await x.release();
    await this.stepSession?.release();
    await this.accSession?.release();
    await this.loopSession?.release();
  }
}

interface ApplySessions {
  norm: GraphSession;
  decay: GraphSession;
  noDecay: GraphSession;
}

/**
 * The norm and update sessions, or null when the update graph may not write a parameter or a
 * moment in place (then the fused step graph trains, as before).
 */
async function openApply(compiled: CompiledTrainStep, session: SessionSettings): Promise<ApplySessions | null> {
  const a = compiled.apply!;
  const pairs = [applyNames.p, applyNames.m, applyNames.v].map((k) => [k, names.out(k)] as const);
  for (const g of [a.graphs.decay, a.graphs.noDecay]) if (inPlacePairs(g, pairs).size !== pairs.length) return null;
  // Uncached: the update graphs depend on the optimizer settings alone, so another trainer's
  // would share them and close them with its release.
  const own = { ...session, cache: false };
  return {
    norm: await openSession(a.norm, own),
    decay: await openSession(a.update.decay, own),
    noDecay: await openSession(a.update.noDecay, own),
  };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function overlaps(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Micro-batch feeds of one data input stacked along a new first axis: [count, ...dims]. */
function stack(spec: IOSpec, values: readonly Feed[string][]): ort.Tensor {
  const parts = values.map((v, i) => {
    if (v === undefined) throw new Error(`trainer: micro-batch ${i} has no input '${spec.name}'`);
    return toOrtTensor(spec, v);
  });
  const dims = parts[0]!.dims;
  for (const [i, t] of parts.entries()) {
    if (t.dims.join() !== dims.join()) throw new Error(`trainer: input '${spec.name}' is [${t.dims.join(', ')}] in micro-batch ${i} but [${dims.join(', ')}] in the first; stacked micro-batches need one shape`);
  }
  const first = parts[0]!.data as Float32Array;
  const per = first.length;
  const data = new (first.constructor as Float32ArrayConstructor)(per * parts.length);
  parts.forEach((t, i) => data.set(t.data as Float32Array, i * per));
  return new ort.Tensor(parts[0]!.type as 'float32', data, [parts.length, ...dims]);
}

/** Micro-batch `i` of a looped output [steps, micro-batches, ...], as its own tensor. */
function slice(t: ort.Tensor, i: number): ort.Tensor {
  const rest = t.dims.slice(2);
  const per = rest.reduce((a, b) => a * b, 1);
  const data = t.data as Float32Array;
  return new ort.Tensor(t.type as 'float32', data.slice(i * per, (i + 1) * per), rest);
}
