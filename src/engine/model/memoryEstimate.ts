/**
 * Peak resident memory of a run, estimated before anything is built, from the model's
 * config.json and the run config alone (pure: no files, no sessions). The runner refuses a run
 * whose estimate exceeds the machine's memory with a MemoryBudgetError that gives the estimate
 * and its parts, instead of being killed midway; the Models page shows the same figures.
 *
 * The estimate is a sum of named parts:
 *   weights     fp32 weights held in JS (loaded once, every graph reads them)
 *   sessions    weight copies onnxruntime holds: one per session that stores the weights as
 *               initializers (see SESSION_WEIGHT_COPIES), plus the serialized graph while a
 *               session is created (transient, but it lands on the peak)
 *   trainer     the trainer's own copy of the parameters (GRPO full finetuning with beta > 0;
 *               otherwise a full finetune trains the loaded weights in place)
 *   optimizer   gradients and two AdamW moments of the trainable parameters
 *   reference   a frozen copy of the starting policy (GRPO with beta > 0, LoRA excepted)
 *   activations the largest single forward (or forward + backward) the run does: per-layer
 *               tensors, attention scores, KV caches, and the LM head — a few chunk × vocabulary
 *               tensors where the graph uses the chunked head (scoring, training, GRPO), the
 *               whole batch × length × vocabulary logits where it outputs them (value features)
 *   runtime     Node, V8 and onnxruntime themselves
 * Per-token byte counts follow the graphs in src/engine/model/decoder.ts and were compared with
 * `npm run bench -- --scale` (2 cores, 24 GiB, shared; README "Real model shapes on this machine").
 */
import { defaultConfig, validateRunConfig, type RunConfig } from '../../shared/config';
import { headChunkRows } from '../onnx/chunkedHead';
import { parameterCount, type DecoderConfig } from './config';

/** Fields of the model config the estimate reads. */
export type EstimateModel = Pick<
  DecoderConfig,
  | 'vocab_size'
  | 'hidden_size'
  | 'num_hidden_layers'
  | 'num_attention_heads'
  | 'num_key_value_heads'
  | 'head_dim'
  | 'intermediate_size'
  | 'tie_word_embeddings'
  | 'qkv_bias'
  | 'o_bias'
  | 'mlp_bias'
  | 'qk_norm'
>;

export interface MemoryPart {
  name: 'weights' | 'sessions' | 'trainer' | 'optimizer' | 'reference' | 'activations' | 'runtime';
  bytes: number;
  /** How the figure was reached, in words (shown with the estimate). */
  detail: string;
}

export interface MemoryEstimate {
  kind: RunConfig['kind'];
  parameters: number;
  /** fp32 size of all weights (the unit the bounds are stated in). */
  fp32WeightBytes: number;
  totalBytes: number;
  parts: MemoryPart[];
}

export interface EstimateOptions {
  /** Prompt tokens assumed where the run config does not fix them (eval, GRPO's automatic length). Default 64. */
  promptTokens?: number;
}

/**
 * Weight copies onnxruntime holds per run kind: none, since every graph takes the weights as
 * bound inputs that share the loaded arrays (src/engine/onnx/serialize.ts, docs/decisions/0013).
 * A kind whose graphs keep initializers again counts one copy per open session here, plus the
 * serialized graph while a session is created.
 */
export const SESSION_WEIGHT_COPIES: Record<RunConfig['kind'], number> = {
  pretrain: 0,
  eval: 0,
  prune: 0,
  value: 0,
  sft: 0,
  grpo: 0,
  score: 0,
};

/** Node + V8 + the ORT library and arenas with nothing loaded (measured ≈ 0.25 GiB). */
const RUNTIME_BYTES = 0.35 * 2 ** 30;
const F32 = 4;

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

/**
 * Bytes of the chunked LM head (src/engine/onnx/chunkedHead.ts) over `rows` rows: the forward
 * holds a chunk's logits, log-softmax, probabilities and one product at once; the backward also
 * the one-hot targets, the entropy term and the logits' gradient. Plus the [rows, d] hidden
 * states it reads (and, training, their gradient).
 */
export function headBytes(m: EstimateModel, rows: number, backward: boolean): number {
  const chunk = Math.min(rows, headChunkRows(m.vocab_size));
  return (backward ? 8 : 4) * chunk * m.vocab_size * F32 + (backward ? 2 : 1) * rows * m.hidden_size * F32;
}

/**
 * Bytes of one inference forward over B rows of T tokens (peak inside the graph). `head`:
 * 'chunked' for per-token log-probs through the chunked head, 'logits' when the graph outputs
 * the whole [B, T, vocab] logits (and the caller reads them).
 */
export function forwardBytes(m: EstimateModel, B: number, T: number, keepHidden: boolean, head: 'chunked' | 'logits' = 'chunked'): number {
  const d = m.hidden_size;
  const H = m.num_attention_heads;
  const f = m.intermediate_size;
  const tokens = B * T;
  // the graph's logits plus the copy the session hands to JS, or the chunked head
  const logits = head === 'logits' ? 2 * tokens * m.vocab_size * F32 : headBytes(m, tokens, false);
  // one layer at a time: residual, norm, q/k/v/o, gate/up/act, attention scores + softmax
  const layer = tokens * (6 * d + 3 * f) * F32 + 2 * B * H * T * T * F32;
  const hidden = keepHidden ? (m.num_hidden_layers + 1) * tokens * d * F32 : 0;
  return logits + layer + hidden;
}

/** Bytes of a generation prefill over B rows of T prompt tokens: one layer at a time, logits of the last position only. */
export function prefillBytes(m: EstimateModel, B: number, T: number): number {
  const d = m.hidden_size;
  const tokens = B * T;
  return tokens * (6 * d + 3 * m.intermediate_size) * F32 + 2 * B * m.num_attention_heads * T * T * F32 + 2 * B * m.vocab_size * F32;
}

/** Bytes kept for the backward pass of one training step over B rows of T tokens. */
export function trainStepBytes(m: EstimateModel, B: number, T: number): number {
  const d = m.hidden_size;
  const H = m.num_attention_heads;
  const f = m.intermediate_size;
  const tokens = B * T;
  // the chunked LM head, forward and its recomputing backward
  const logits = headBytes(m, tokens, true);
  // per layer: what autodiff keeps for the backward (norm inputs, q/k/v after RoPE, attention
  // output, MLP gate/up/product) plus the attention probabilities
  const perLayer = tokens * (10 * d + 4 * f) * F32 + 2 * B * H * T * T * F32;
  return logits + m.num_hidden_layers * perLayer;
}

/** KV cache for B rows of T positions. */
export function kvCacheBytes(m: EstimateModel, B: number, T: number): number {
  return 2 * m.num_hidden_layers * B * m.num_key_value_heads * m.head_dim * T * F32;
}

function loraParams(m: EstimateModel, r: number, targets: readonly string[]): number {
  const d = m.hidden_size;
  const q = m.num_attention_heads * m.head_dim;
  const kv = m.num_key_value_heads * m.head_dim;
  const f = m.intermediate_size;
  const shape: Record<string, [number, number]> = { q: [q, d], k: [kv, d], v: [kv, d], o: [d, q], gate: [f, d], up: [f, d], down: [d, f] };
  return m.num_hidden_layers * targets.reduce((s, t) => s + (shape[t] ? r * (shape[t][0] + shape[t][1]) : 0), 0);
}

/**
 * Estimated peak resident memory of `run` on a model of shape `model`. Pretrain runs build
 * their model from the run config; pass that config as `model`.
 */
export function estimateRunMemory(model: EstimateModel, run: RunConfig, opts: EstimateOptions = {}): MemoryEstimate {
  const P = parameterCount(model as DecoderConfig);
  const W = P * F32;
  const prompt = opts.promptTokens ?? 64;
  const parts: MemoryPart[] = [{ name: 'runtime', bytes: RUNTIME_BYTES, detail: 'Node, V8 and onnxruntime' }];
  parts.push({ name: 'weights', bytes: W, detail: `${(P / 1e6).toFixed(1)}M parameters in fp32` });
  const fullFinetune = run.kind === 'pretrain' || ((run.kind === 'sft' || run.kind === 'grpo') && !run.lora.enabled);
  const copies = SESSION_WEIGHT_COPIES[run.kind];
  // + the serialized graph of an initializer session while ORT creates it (it lands on the peak)
  const sessions = (copies > 0 ? copies + 1 : 0) * W;
  if (sessions > 0) parts.push({ name: 'sessions', bytes: sessions, detail: `${copies} weight ${copies === 1 ? 'copy' : 'copies'} held by sessions + a serialized graph while one is created` });
  // Full SFT, pretraining and GRPO with beta 0 train the loaded weights in place (the trainer
  // adopts them, and a step writes its new parameters and moments into the old ones:
  // docs/decisions/0045); GRPO with beta > 0 scores its reference from the loaded weights and
  // trains a copy.
  if (fullFinetune && run.kind === 'grpo' && run.beta > 0) parts.push({ name: 'trainer', bytes: W, detail: "the trainer's own copy of the parameters (the loaded weights are the reference)" });

  let act = 0;
  let actDetail = '';
  switch (run.kind) {
    case 'eval': {
      const B = run.batch_size * Math.max(1, run.num_samples > 1 ? Math.min(run.num_samples, 8) : 1);
      const T = prompt + run.max_new_tokens;
      act = prefillBytes(model, B, prompt) + kvCacheBytes(model, B, T);
      actDetail = `prefill of ${B} rows × ${prompt} prompt tokens, KV cache to ${T} positions`;
      break;
    }
    case 'prune': {
      const T = run.calibration.seq_len;
      const calib = forwardBytes(model, 8, T, true);
      const gen = prefillBytes(model, 16, prompt) + kvCacheBytes(model, 16, prompt + run.eval.max_new_tokens);
      // + the pruned weights converted to the folder's dtype while they are written (16-bit
      // folders assumed: half the fp32 size; measured 135M peak 1.39 GiB against 1.08 without it)
      act = Math.max(calib, gen) + W / 2;
      actDetail = `calibration forward of 8 rows × ${T} tokens with every layer's hidden states, or eval generation, and the saved copy`;
      break;
    }
    case 'value': {
      act = forwardBytes(model, run.batch_size, prompt, false, 'logits');
      actDetail = `forward over ${run.batch_size} rows × ${prompt} tokens (with the logits)`;
      // value with warmup_sft: the finetune's training step comes first and is usually the peak.
      const w = run.kind === 'value' && run.warmup_sft.enabled ? run.warmup_sft : null;
      if (w) {
        const step = trainStepBytes(model, w.training.batch_size, w.seq_len);
        if (step > act) {
          act = step;
          actDetail = `warm-up training step of ${w.training.batch_size} rows × ${w.seq_len} tokens`;
        }
        const trainable = w.lora.enabled ? loraParams(model, w.lora.r, w.lora.target_modules) : P;
        parts.push({ name: 'optimizer', bytes: 3 * trainable * F32, detail: `warm-up: gradients and two AdamW moments of ${(trainable / 1e6).toFixed(2)}M trainable parameters` });
        if (!w.lora.enabled) parts.push({ name: 'trainer', bytes: W, detail: "the warm-up trainer's own copy of the parameters" });
      }
      break;
    }
    case 'score': {
      act = forwardBytes(model, run.batch_size, prompt, false);
      actDetail = `forward over ${run.batch_size} rows × ${prompt} tokens (chunked LM head)`;
      break;
    }
    case 'sft': {
      const B = run.training.batch_size;
      const T = run.data.seq_len;
      act = trainStepBytes(model, B, T);
      actDetail = `training step of ${B} rows × ${T} tokens`;
      const trainable = run.lora.enabled ? loraParams(model, run.lora.r, run.lora.target_modules) : P;
      parts.push({ name: 'optimizer', bytes: 3 * trainable * F32, detail: `gradients and two AdamW moments of ${(trainable / 1e6).toFixed(2)}M trainable parameters` });
      break;
    }
    case 'grpo': {
      const B = run.prompts_per_step * run.num_generations;
      const P0 = run.max_prompt_length > 0 ? run.max_prompt_length : prompt;
      const T = P0 + run.max_completion_length;
      // The policy step and the old-policy / reference scoring run one micro-batch at a time
      // (steps_per_generation, TRL semantics; PolicyTrainer.scoreChunks); scoring a micro-batch
      // needs less than training on it.
      const micro = Math.max(1, Math.floor(B / Math.max(1, run.steps_per_generation ?? run.gradient_accumulation_steps)));
      act = Math.max(trainStepBytes(model, micro, T), prefillBytes(model, Math.min(B, 64), P0) + kvCacheBytes(model, Math.min(B, 64), T));
      actDetail = `policy step of ${micro} completions × ${T} tokens per micro-batch (or the generation of ${B})`;
      const trainable = run.lora.enabled ? loraParams(model, run.lora.r, run.lora.target_modules) : P;
      // with accumulation the trainer also holds the running sum of the gradients (summed in
      // place, docs/decisions/0045); every micro-batch adds into it and the update then runs one
      // parameter at a time (docs/decisions/0047), so the sum, one micro-batch's gradients and
      // the two moments are the whole optimizer state (135M full, 8 micro-batches, beta 0:
      // measured 3.59 GiB against 4.73 estimated; 4.79–5.26 GiB with the fused update)
      const copies = run.gradient_accumulation_steps > 1 ? 4 : 3;
      parts.push({
        name: 'optimizer',
        bytes: copies * trainable * F32,
        detail: `gradients${copies > 3 ? ' (and their running sum)' : ''} and two AdamW moments of ${(trainable / 1e6).toFixed(2)}M trainable parameters`,
      });
      if (run.beta > 0 && !run.lora.enabled) parts.push({ name: 'reference', bytes: W, detail: 'frozen reference policy for the KL term (beta > 0)' });
      break;
    }
    case 'pretrain': {
      const r = run as unknown as { training: { batch_size: number }; data?: { seq_len?: number } };
      const B = r.training.batch_size;
      const T = r.data?.seq_len ?? prompt;
      act = trainStepBytes(model, B, T);
      actDetail = `training step of ${B} rows × ${T} tokens`;
      parts.push({ name: 'optimizer', bytes: 3 * W, detail: 'gradients and two AdamW moments of every parameter' });
      break;
    }
  }
  parts.push({ name: 'activations', bytes: act, detail: actDetail });
  const totalBytes = parts.reduce((s, p) => s + p.bytes, 0);
  return { kind: run.kind, parameters: P, fp32WeightBytes: W, totalBytes, parts };
}

/** One line per part, largest first: "activations 1.20 GiB (training step of 16 rows × 128 tokens)". */
export function describeEstimate(e: MemoryEstimate): string {
  const parts = [...e.parts].sort((a, b) => b.bytes - a.bytes).map((p) => `${p.name} ${gib(p.bytes)} (${p.detail})`);
  return `${gib(e.totalBytes)} estimated for this ${e.kind} run: ${parts.join('; ')}`;
}

/** The run would not fit: named so the UI and CLI can tell it from a crash. */
export class MemoryBudgetError extends Error {
  override readonly name = 'MemoryBudgetError';
  constructor(
    readonly estimate: MemoryEstimate,
    readonly limitBytes: number,
  ) {
    super(
      `this run needs about ${gib(estimate.totalBytes)} but the machine has ${gib(limitBytes)} of memory, so it was not started. ` +
        `${describeEstimate(estimate)}. Lower the batch size or sequence lengths, use LoRA, or pick a smaller model ` +
        `(or set BENCHTOP_IGNORE_MEMORY_ESTIMATE=1 to start it anyway).`,
    );
  }
}

/** Throws MemoryBudgetError when the estimate exceeds `limitBytes` (the machine's total memory). */
export function checkMemoryBudget(estimate: MemoryEstimate, limitBytes: number): void {
  if (estimate.totalBytes > limitBytes) throw new MemoryBudgetError(estimate, limitBytes);
}

/** Run kinds that start from a model folder, in the order the Models page lists them. */
export const FOLDER_RUN_KINDS = ['eval', 'prune', 'value', 'sft', 'grpo'] as const;

/**
 * The estimate of every folder run kind with its default settings (what a new run of that kind
 * starts with; SFT with LoRA, GRPO full), for showing on the Models page when a folder is added.
 */
export function estimateDefaultRuns(model: EstimateModel): Record<(typeof FOLDER_RUN_KINDS)[number], MemoryEstimate> {
  const tasks = [{ task: 'arithmetic' }];
  const out = {} as Record<(typeof FOLDER_RUN_KINDS)[number], MemoryEstimate>;
  for (const kind of FOLDER_RUN_KINDS) {
    const required: Record<string, unknown> = { model: '(folder)' };
    if (kind === 'eval' || kind === 'grpo') required.tasks = tasks;
    if (kind === 'sft') required.data = { tasks };
    const v = validateRunConfig(defaultConfig(kind, required));
    if (!v.ok) throw new Error(`the default ${kind} config does not validate: ${JSON.stringify(v.issues)}`);
    out[kind] = estimateRunMemory(model, v.config);
  }
  return out;
}
