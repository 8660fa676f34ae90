/**
 * A loaded model folder plus session settings, with the inference graphs it needs built and
 * opened lazily and kept: 'prefill' and 'decode' (KV cache, kvDecoder.ts), 'full' (whole-
 * sequence logits, the no-cache reference path), 'score' (target log-probs) and 'loop-greedy' /
 * 'loop-gumbel' (the whole decode inside one ONNX Loop, loopDecoder.ts). Every graph has
 * a symbolic batch and length, so one session per kind serves every batch bucket.
 */
import { openSession, serialize, type GraphSession, type SessionSettings } from '../onnx';
import { buildDecoder } from '../model/decoder';
import type { ModelFolder } from '../model/folder';
import { buildKvDecoder } from './kvDecoder';
import { buildLoopDecoder } from './loopDecoder';

export type GraphKind = 'prefill' | 'decode' | 'full' | 'score' | 'loop-greedy' | 'loop-gumbel';

/** The parts of a loaded folder inference reads (a ModelFolder fits). */
export type InferenceFolder = Pick<ModelFolder, 'config' | 'weights' | 'tokenizer' | 'generationConfig'> & { dir?: string };

export interface RuntimeSettings extends Omit<SessionSettings, 'cache'> {
  /** Layers to run (a pruned model); default all. */
  layers?: readonly number[];
}

export class ModelRuntime {
  private readonly sessions = new Map<GraphKind, Promise<GraphSession>>();

  constructor(
    public folder: InferenceFolder,
    readonly settings: RuntimeSettings = { executionProvider: 'cpu' },
  ) {}

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
    if (this.folder.tokenizer.eosId !== null) ids.add(this.folder.tokenizer.eosId);
    return ids;
  }

  /** The id written in padding slots (never read by the model: masked keys, ignored outputs). */
  get padId(): number {
    return this.folder.tokenizer.padId ?? this.folder.config.pad_token_id ?? this.folder.tokenizer.eosId ?? 0;
  }

  /** Token ids of a prompt as training sees it: <bos> then the text (src/engine/data/batches.ts). */
  encodePrompt(text: string): number[] {
    const bos = this.folder.tokenizer.bosId;
    return [...(bos === null ? [] : [bos]), ...this.folder.tokenizer.encode(text)];
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

  private async open(kind: GraphKind): Promise<GraphSession> {
    const { config, weights } = this.folder;
    const layers = this.settings.layers;
    const graph =
      kind === 'loop-greedy' || kind === 'loop-gumbel'
        ? buildLoopDecoder(config, weights, kind === 'loop-greedy' ? 'greedy' : 'gumbel', layers)
        : kind === 'prefill' || kind === 'decode'
        ? buildKvDecoder(config, weights, kind, layers).graph
        : buildDecoder(config, weights, {
            layers,
            batch: 'B',
            seqLen: 'T',
            positionIds: kind === 'full',
            outputs: kind === 'full' ? { logits: true } : { targetLogProbs: true },
          }).graph;
    // Sessions are owned here (released with the runtime), not shared through the global cache.
    return openSession(serialize(graph), { ...this.settings, cache: false });
  }

  /** Use other weights (same config) from the next call on: the graphs are rebuilt then. */
  async setWeights(weights: InferenceFolder['weights']): Promise<void> {
    await this.release();
    this.folder = { ...this.folder, weights };
  }

  /** Release every open session. */
  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of all) await (await p.catch(() => null))?.release();
  }
}
