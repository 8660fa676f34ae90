/**
 * Session factory: serialized graph → onnxruntime-node InferenceSession on the best execution
 * provider the setting allows, with a plain notice when it falls back; sessions are cached by
 * graph hash and settings. Shapes fixed in a graph mean one session per shape bucket, so the
 * cache is what makes bucketing cheap (ARCHITECTURE.md, "The compute engine").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { EXECUTION_PROVIDERS } from '../../shared/settings';
import type { IOSpec, SerializedModel } from './serialize';
import { cudaLibraryInstalled } from './cudaProbe';

export { cudaLibraryInstalled } from './cudaProbe';
import type { TypedArray } from './tensor';

export type Provider = 'cuda' | 'webgpu' | 'cpu';
export type ExecutionProviderSetting = (typeof EXECUTION_PROVIDERS)[number];

export interface SessionSettings {
  /** 'auto' tries cuda → webgpu → cpu; a named provider falls back to cpu. Default 'cpu'. */
  executionProvider?: ExecutionProviderSetting;
  /** intraOpNumThreads; 0 (default) lets ORT choose. */
  threads?: number;
  /** Let idle ORT workers busy-wait: fast on a dedicated box, ≈4× slower on a shared one. */
  allowSpinning?: boolean;
  /** Reuse a session for the same graph bytes and settings (default true). */
  cache?: boolean;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Keep ORT's per-session CPU memory arena (default false). An arena keeps the peak
   * activations of its session for the session's life, so a run holding several sessions pays
   * each one's peak at once; without it the memory returns after every run
   * (docs/decisions/0013-weights-shared-as-inputs.md).
   */
  memoryArena?: boolean;
}

export type FeedValue = TypedArray | { data: TypedArray; dims: readonly number[] } | ort.Tensor | number | bigint;
export type Feed = Record<string, FeedValue>;
export type Fetched = Record<string, ort.Tensor>;

export interface GraphSession {
  readonly session: ort.InferenceSession;
  readonly provider: Provider;
  /** Why the session is not on the provider asked for; null when it is. */
  readonly notice: string | null;
  readonly inputs: readonly IOSpec[];
  readonly outputs: readonly IOSpec[];
  /** Milliseconds `InferenceSession.create` took (graph optimisation and kernel setup). */
  readonly createMs: number;
  /**
   * Run once; inputs with static shapes may be given as bare typed arrays, scalars as numbers.
   * `into` names outputs onnxruntime writes into the given tensors instead of allocating new
   * ones (CPU: the node that computes such an output writes the caller's buffer directly).
   */
  run(feeds: Feed, fetch?: readonly string[], into?: Readonly<Record<string, ort.Tensor>>): Promise<Fetched>;
  release(): Promise<void>;
}

const PROVIDER_NAMES: Record<Provider, string> = { cuda: 'CUDA', webgpu: 'WebGPU', cpu: 'CPU' };

function providerOrder(setting: ExecutionProviderSetting): Provider[] {
  if (setting === 'auto') return ['cuda', 'webgpu', 'cpu'];
  if (setting === 'cpu') return ['cpu'];
  return [setting, 'cpu'];
}

/**
 * Linux: ORT's WebGPU provider (Dawn) needs the Vulkan loader. Without it the probe prints a
 * native warning to stderr before failing, so look for the library first and skip WebGPU with
 * a plain reason instead.
 */
export function vulkanLoaderFound(dirs: readonly string[] = vulkanSearchDirs()): boolean {
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

function vulkanSearchDirs(): string[] {
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const arch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return [...fromEnv, `/usr/lib/${arch}`, `/lib/${arch}`, '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
}

/** Providers that failed to start in this process, with the reason (don't retry each session). */
const unavailable = new Map<Provider, string>();

const cache = new Map<string, Promise<GraphSession>>();

/** Sessions created in this process and the time ORT took to create them (the scale bench reads it). */
const creation = { sessions: 0, ms: 0 };
export function sessionCreationStats(): { sessions: number; ms: number } {
  return { ...creation };
}

/** ORT sessions created in this process so far (a GRPO run logs how many it made after its first step). */
export function sessionBuildCount(): number {
  return creation.sessions;
}

export async function openSession(model: SerializedModel, settings: SessionSettings = {}): Promise<GraphSession> {
  if (settings.cache === false) return create(model, settings, null);
  const key = `${model.hash}|${settings.executionProvider ?? 'cpu'}|${settings.threads ?? 0}|${settings.allowSpinning ?? false}|${settings.graphOptimizationLevel ?? 'all'}|${settings.memoryArena ?? false}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = create(model, settings, key);
    cache.set(key, hit);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

/** Release every cached session (tests, end of a run). */
export async function clearSessionCache(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) await (await p.catch(() => null))?.session.release();
}

async function create(model: SerializedModel, settings: SessionSettings, key: string | null): Promise<GraphSession> {
  const setting = settings.executionProvider ?? 'cpu';
  const reasons: string[] = [];
  for (const provider of providerOrder(setting)) {
    const known = unavailable.get(provider);
    if (known) {
      reasons.push(known);
      continue;
    }
    if (provider === 'cuda' && !cudaLibraryInstalled()) {
      const why = 'CUDA: the provider library is not installed (run `npm run setup:cuda`)';
      unavailable.set('cuda', why);
      reasons.push(why);
      continue;
    }
    if (provider === 'webgpu' && process.platform === 'linux' && !vulkanLoaderFound()) {
      const why = 'WebGPU: no Vulkan loader (libvulkan.so.1) on this machine';
      unavailable.set('webgpu', why);
      reasons.push(why);
      continue;
    }
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
      intraOpNumThreads: settings.threads ?? 0,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableCpuMemArena: settings.memoryArena ?? false,
      ...(settings.allowSpinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
      ...(model.externalData.length ? { externalData: model.externalData } : {}),
    };
    try {
      const started = performance.now();
      const session = await ort.InferenceSession.create(model.bytes, options);
      const createMs = performance.now() - started;
      creation.sessions++;
      creation.ms += createMs;
      const notice = provider === setting || setting === 'cpu' ? null : `running on ${PROVIDER_NAMES[provider]}: ${reasons.join('; ')}`;
      const fixed: Record<string, ort.Tensor> = {};
      for (const [name, b] of model.bound) fixed[name] = new ort.Tensor('float32', b.data, [...b.dims]);
      return wrap(session, provider, notice, model.inputs, model.outputs, key, createMs, fixed);
    } catch (e) {
      if (provider === 'cpu') throw new Error(`onnxruntime could not create a CPU session for this graph: ${(e as Error).message}`);
      const why = `${PROVIDER_NAMES[provider]}: ${plainReason((e as Error).message)}`;
      unavailable.set(provider, why);
      reasons.push(why);
    }
  }
  throw new Error(`no execution provider could run this graph: ${reasons.join('; ')}`);
}

/** ORT's messages start with a source location and an assertion; keep the sentence after them. */
function plainReason(message: string): string {
  const line = message.split('\n')[0]!;
  const m = /was false\.\s*(.*)$/.exec(line);
  return (m?.[1] || line).trim();
}

/**
 * Takes the input and output specs, not the SerializedModel: a session must not keep the
 * serialized bytes reachable once ORT has them. `fixed` are the bound weights (serialize.ts),
 * wrapped once; their arrays are the caller's, so they live as long as the session.
 */
function wrap(
  session: ort.InferenceSession,
  provider: Provider,
  notice: string | null,
  inputs: readonly IOSpec[],
  outputs: readonly IOSpec[],
  key: string | null,
  createMs: number,
  fixed: Record<string, ort.Tensor>,
): GraphSession {
  const specs = new Map(inputs.map((s) => [s.name, s]));
  return {
    session,
    provider,
    notice,
    inputs,
    outputs,
    createMs,
    async run(feeds, fetch, into) {
      const ortFeeds: Record<string, ort.Tensor> = { ...fixed };
      for (const s of inputs) {
        const v = feeds[s.name];
        if (v === undefined) throw new Error(`run: missing input '${s.name}' (${s.dtype}[${s.shape.join(', ')}])`);
        ortFeeds[s.name] = toOrtTensor(s, v);
      }
      for (const name of Object.keys(feeds)) {
        if (!specs.has(name)) throw new Error(`run: '${name}' is not an input of this graph (inputs: ${inputs.map((s) => s.name).join(', ')})`);
      }
      if (into && Object.keys(into).length > 0) {
        const fetches: Record<string, ort.Tensor | null> = {};
        for (const name of fetch ?? outputs.map((o) => o.name)) fetches[name] = into[name] ?? null;
        for (const name of Object.keys(into)) {
          if (!(name in fetches)) throw new Error(`run: '${name}' is not an output fetched from this graph`);
        }
        return session.run(ortFeeds, fetches);
      }
      return fetch ? session.run(ortFeeds, [...fetch]) : session.run(ortFeeds);
    },
    async release() {
      if (key) cache.delete(key);
      await session.release();
    },
  };
}

/** A feed value as an ort.Tensor of the input's dtype; static shapes need no dims. */
export function toOrtTensor(spec: IOSpec, v: FeedValue): ort.Tensor {
  if (v instanceof ort.Tensor) return v;
  const type = spec.dtype === 'float16' ? 'float16' : spec.dtype;
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (spec.shape.length !== 0) throw new Error(`run: input '${spec.name}' has shape [${spec.shape.join(', ')}]; a bare number feeds only scalars`);
    const arr = spec.dtype === 'int64' ? BigInt64Array.of(BigInt(v)) : spec.dtype === 'float64' ? Float64Array.of(Number(v)) : spec.dtype === 'int32' ? Int32Array.of(Number(v)) : Float32Array.of(Number(v));
    return new ort.Tensor(type as 'float32', arr as Float32Array, []);
  }
  let data: TypedArray;
  let dims: number[];
  if (ArrayBuffer.isView(v)) {
    if (!spec.shape.every((d): d is number => typeof d === 'number')) {
      throw new Error(`run: input '${spec.name}' has symbolic shape [${spec.shape.join(', ')}]; pass { data, dims }`);
    }
    data = v as TypedArray;
    dims = spec.shape as number[];
  } else {
    const fed = v as { data: TypedArray; dims: readonly number[] };
    data = fed.data;
    dims = [...fed.dims];
  }
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`run: input '${spec.name}' got ${data.length} values for dims [${dims.join(', ')}] (${n})`);
  return new ort.Tensor(type as 'float32', data as Float32Array, dims);
}

/**
 * A session that feeds the inputs named in `bound` from it on every run: weights held once in
 * JS and given to every graph that reads them as inputs. onnxruntime-node wraps a CPU input
 * tensor's buffer without copying it, so any number of sessions share one copy, whereas
 * initializers (inline or external data) are copied into each session. Names in `bound` that
 * the graph does not take are skipped (one store serves graphs over different layer subsets);
 * a feed given to `run` wins over the bound value of the same name.
 */
export function withBoundInputs(s: GraphSession, bound: ReadonlyMap<string, FeedValue>): GraphSession {
  const fixed: Record<string, ort.Tensor> = {};
  for (const spec of s.inputs) {
    const v = bound.get(spec.name);
    if (v !== undefined) fixed[spec.name] = toOrtTensor(spec, v);
  }
  return {
    session: s.session,
    provider: s.provider,
    notice: s.notice,
    inputs: s.inputs,
    outputs: s.outputs,
    createMs: s.createMs,
    run: (feeds, fetch, into) => s.run({ ...fixed, ...feeds }, fetch, into),
    release: () => s.release(),
  };
}
