/**
 * A loaded model folder plus session settings, with the inference graphs it needs built and
 * opened lazily and kept: 'prefill' and 'decode' (KV cache, kvDecoder.ts), 'full' (whole-
 * sequence logits, the no-cache reference path), 'score' (target log-probs) and 'loop-*' (the
 * whole generation inside one ONNX Loop, loopDecoder.ts). Every graph has a symbolic batch and
 * length, so one session per kind serves every batch bucket.
 *
 * Trainable state: with `trainable` set, what a run trains (every weight, or the LoRA adapters)
 * is a graph input of every graph here, fed from `setState` on each run — a policy update is a
 * new feed, never a new session (ARCHITECTURE.md, "The compute engine").
 */
import * as ort from 'onnxruntime-node';
import { openSession, serialize, type Feed, type Fetched, type GraphSession, type SessionSettings } from '../onnx';
import { buildDecoder } from '../model/decoder';
import type { ModelFolder } from '../model/folder';
import { loraTensorShapes, type LoraSpec } from '../model/lora';
import { tensorsFromWeights } from '../model/weights';
import { buildKvDecoder, type GenerationWeights } from './kvDecoder';
import { buildLoopDecoder, type LoopSampling } from './loopDecoder';

export type LoopKind = 'loop-greedy' | 'loop-sample' | 'loop-sample-k' | 'loop-sample-p' | 'loop-sample-kp';
export type GraphKind = 'prefill' | 'decode' | 'full' | 'score' | LoopKind;

/** The parts of a loaded folder inference reads (a ModelFolder fits). */
export type InferenceFolder = Pick<ModelFolder, 'config' | 'weights' | 'tokenizer' | 'generationConfig'> & { dir?: string };

export interface RuntimeSettings extends Omit<SessionSettings, 'cache'> {
  /** Layers to run (a pruned model); default all. */
  layers?: readonly number[];
  /**
   * Trainable state fed as graph inputs: 'all' (every weight: full finetuning) or the LoRA spec
   * whose adapters are fed (base frozen in the graphs). Default: everything stored in the graphs.
   */
  trainable?: 'all' | { lora: LoraSpec };
}

export type StateValue = Float32Array | ort.Tensor;

export class ModelRuntime {
  private readonly sessions = new Map<GraphKind, Promise<GraphSession>>();
  private state = new Map<string, ort.Tensor>();

  constructor(
    public folder: InferenceFolder,
    readonly settings: RuntimeSettings = { executionProvider: 'cpu' },
  ) {
    this.state = this.initialState();
  }

  get config() {
    return this.folder.config;
  }
  get tokenizer() {
    return this.folder.tokenizer;
  }

  /** Token ids that end a generation: config.json, generation_config.json and the tokenizer's eos. */
  get eosIds(): Set<number> {
    const ids = new Set<number>(this.folder.config.eos_token_id);
    const g = this.folder.generationConfig.eos_token_id;
    for (const id of Array.isArray(g) ? g : g === undefined ? [] : [g]) if (typeof id === 'number') ids.add(id);
    for (const id of this.folder.tokenizer.eosIds) ids.add(id);
    return ids;
  }

  /** The id written in padding slots (never read by the model: masked keys, ignored outputs). */
  get padId(): number {
    return this.folder.tokenizer.padId ?? this.folder.config.pad_token_id ?? this.folder.tokenizer.eosId ?? 0;
  }

  /** Token ids of a prompt as training sees it (chat template or plain, src/engine/data/batches.ts). */
  encodePrompt(text: string, responsePrefix?: string): number[] {
    return this.folder.tokenizer.encodePrompt(text, responsePrefix);
  }

  /**
   * Whether generation runs inside the graph: the provider runs ONNX Loop on the device (CPU,
   * CUDA). WebGPU runs Loop on the host, so there the per-token JS loop is the better path.
   * Past a plain CPU setting the provider is known once a session is open (the prefill, which the
   * JS path needs anyway; a WebGPU setting without an adapter ends on CPU, which runs Loop).
   */
  async loopOnDevice(): Promise<boolean> {
    const ep = this.settings.executionProvider ?? 'cpu';
    if (ep === 'cpu') return true;
    return (await this.session('prefill')).provider !== 'webgpu';
  }

  session(kind: GraphKind): Promise<GraphSession> {
    let s = this.sessions.get(kind);
    if (!s) {
      s = this.open(kind);
      this.sessions.set(kind, s);
      s.catch(() => this.sessions.delete(kind));
    }
    return s;
  }

  /** Run a graph of this runtime with `feeds` plus the trainable state it takes. */
  async run(kind: GraphKind, feeds: Feed): Promise<Fetched> {
    const s = await this.session(kind);
    const all: Feed = { ...feeds };
    for (const spec of s.inputs) {
      if (spec.name in all) continue;
      const v = this.state.get(spec.name);
      if (v) all[spec.name] = v;
    }
    return s.run(all);
  }

  private source(): GenerationWeights {
    const t = this.settings.trainable;
    return {
      weights: this.folder.weights,
      ...(this.settings.layers ? { layers: this.settings.layers } : {}),
      ...(t === 'all' ? { trainable: 'all' as const } : t ? { trainable: 'lora' as const, lora: t.lora } : {}),
    };
  }

  private async open(kind: GraphKind): Promise<GraphSession> {
    const { config, weights } = this.folder;
    const src = this.source();
    const t = this.settings.trainable;
    const graph = kind.startsWith('loop-')
      ? buildLoopDecoder(config, src, loopSamplingOf(kind as LoopKind)).graph
      : kind === 'prefill' || kind === 'decode'
        ? buildKvDecoder(config, src, kind).graph
        : buildDecoder(config, weights, {
            layers: this.settings.layers,
            batch: 'B',
            seqLen: 'T',
            positionIds: kind === 'full',
            outputs: kind === 'full' ? { logits: true } : { targetLogProbs: true },
            trainable: t === 'all' ? 'all' : 'none',
            ...(t && t !== 'all' ? { lora: { r: t.lora.r, alpha: t.lora.alpha, targets: t.lora.targets } } : {}),
          }).graph;
    // Sessions are owned here (released with the runtime), not shared through the global cache.
    return openSession(serialize(graph), { ...this.settings, cache: false });
  }

  /** The state the graphs start from: the folder's weights ('all') or zero adapters (LoRA = the base model). */
  private initialState(): Map<string, ort.Tensor> {
    const t = this.settings.trainable;
    const out = new Map<string, ort.Tensor>();
    if (t === 'all') for (const [n, w] of tensorsFromWeights(this.config, this.folder.weights)) out.set(n, new ort.Tensor('float32', w.data, w.shape));
    else if (t) for (const { name, shape } of loraTensorShapes(this.config, t.lora)) out.set(name, new ort.Tensor('float32', new Float32Array(shape[0]! * shape[1]!), shape));
    return out;
  }

  /**
   * New values of the trainable state (every weight, or the adapters, by name), used from the
   * next run on without rebuilding anything. ort.Tensors are used as they are (no copy).
   */
  setState(values: Readonly<Record<string, StateValue>>): void {
    if (!this.settings.trainable) throw new Error('setState: this runtime stores its weights in the graphs (settings.trainable is not set); use setWeights');
    for (const [name, v] of Object.entries(values)) {
      const cur = this.state.get(name);
      if (!cur) throw new Error(`setState: '${name}' is not trainable state of this runtime`);
      const t = ArrayBuffer.isView(v) ? new ort.Tensor('float32', v as Float32Array, cur.dims) : (v as ort.Tensor);
      if (t.size !== cur.size || t.type !== 'float32') throw new Error(`setState: '${name}' needs ${cur.size} float32 values for [${cur.dims.join(', ')}], got ${t.size} ${t.type}`);
      this.state.set(name, t);
    }
  }

  /**
   * Use other weights (same config) from the next call on. With trainable 'all' that is a new
   * state feed; otherwise the graphs store the weights and are rebuilt.
   */
  async setWeights(weights: InferenceFolder['weights']): Promise<void> {
    this.folder = { ...this.folder, weights };
    if (this.settings.trainable === 'all') {
      this.setState(Object.fromEntries(tensorsFromWeights(this.config, weights).map(([n, w]) => [n, w.data])));
      return;
    }
    await this.release();
  }

  /** Release every open session. */
  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of all) await (await p.catch(() => null))?.release();
  }
}

/** The loop graph kind for sampler settings. */
export function loopKindOf(o: { temperature?: number; topK?: number; topP?: number }): LoopKind {
  if ((o.temperature ?? 1) === 0) return 'loop-greedy';
  const k = (o.topK ?? 0) > 0;
  const p = (o.topP ?? 1) < 1;
  return k && p ? 'loop-sample-kp' : k ? 'loop-sample-k' : p ? 'loop-sample-p' : 'loop-sample';
}

function loopSamplingOf(kind: LoopKind): LoopSampling {
  if (kind === 'loop-greedy') return { mode: 'greedy' };
  return { mode: 'sample', topK: kind.endsWith('-k') || kind.endsWith('-kp'), topP: kind.endsWith('-p') || kind.endsWith('-kp') };
}
