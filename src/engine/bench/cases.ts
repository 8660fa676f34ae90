/**
 * `npm run bench`: engine throughput on this machine, one JSON line per case. Every model figure
 * is given as GFLOP/s (6·N·tokens ÷ time for training, 2·N·tokens ÷ time forward-only) and as
 * MFU, a ratio to the MatMul roofline measured in the same process — before the first case and
 * again after every case (yardstick.ts): a case's `mfu` divides by the best roofline seen up to
 * it, and the closing `roofline_spread` line gives every sample, their spread, and each case's
 * MFU against the run's best.
 */
import type { SessionSettings } from '../onnx';
import { Yardstick } from './yardstick';
import { compileTrainStep, AdamWTrainer } from '../optim';
import { parseDecoderConfig, parameterCount, type DecoderConfig } from '../model/config';
import { initDecoderWeights } from '../model/init';
import { tensorsFromWeights } from '../model/weights';
import { charTokenizerFiles, tokenizerFromJson } from '../model/tokenizer';
import { decoderLossBuilder, decoderParams } from '../toolkit/decoderLoss';
import { ModelRuntime } from '../generate/runtime';
import { benchGeneration } from '../generate/inGraph';
import { grpoStepCase } from './grpoStep';
import { scoreIds } from '../generate/scoring';
import { createRng } from '../random';
import { samplerCase } from './sampler';

export interface BenchLine {
  case: string;
  [key: string]: unknown;
}

export interface BenchOptions {
  /** Skip the 135M-shape training case (minutes on a laptop CPU). */
  quick?: boolean;
  /** Run only the cases whose name starts with one of these (the roofline samples always run). */
  cases?: readonly string[];
  session?: SessionSettings;
  log?: (line: BenchLine) => void;
}

const TINY = { model_type: 'llama', vocab_size: 64, hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4, intermediate_size: 512, tie_word_embeddings: true };
const SMOL_135M = {
  model_type: 'llama',
  vocab_size: 49152,
  hidden_size: 576,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  intermediate_size: 1536,
  tie_word_embeddings: true,
};

/**
 * Generation at a more realistic size than TINY: 8 layers, d 256, GQA (4 query / 2 KV heads of
 * 64), an 8,192-token vocabulary (what the LM head and the logits copied out per step cost).
 */
const GEN_D256_L8 = {
  model_type: 'llama',
  hidden_size: 256,
  num_hidden_layers: 8,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 768,
  tie_word_embeddings: true,
  max_position_embeddings: 1024,
};

/** A character tokenizer of `size` tokens: the 4 specials, then CJK code points from U+4E00. */
function wideTokenizer(size: number) {
  const chars = Array.from({ length: size - 4 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
  const tk = charTokenizerFiles(chars);
  return tokenizerFromJson(tk.json, tk.config);
}

export interface GenerationCaseOptions {
  batch: number;
  promptTokens: number;
  newTokens: number;
  /** New tokens of the untimed warm-up run per path (it opens the sessions); default 8. */
  warmupTokens?: number;
}

/**
 * Greedy generation of `newTokens` per row (EOS ignored) by the no-cache path (a full forward
 * per token), the KV cache stepped from JS, and the in-graph Loop; tokens/s of each and the
 * ratios. `config` is an HF config object; the vocabulary is a wide character tokenizer of its
 * vocab_size (default 8,192).
 */
export async function generationCase(name: string, config: Record<string, unknown>, o: GenerationCaseOptions, rooflineGflops: number, session: SessionSettings): Promise<BenchLine> {
  const tokenizer = wideTokenizer(typeof config.vocab_size === 'number' ? config.vocab_size : 8192);
  const c = parseDecoderConfig(`bench ${name}`, { ...config, vocab_size: tokenizer.vocabSize });
  const rt = new ModelRuntime({ config: c, weights: initDecoderWeights(c, 0), tokenizer, generationConfig: {} }, session);
  try {
    const gen = await benchGeneration(rt, { batch: o.batch, promptTokens: o.promptTokens, newTokens: o.newTokens, warmupTokens: o.warmupTokens ?? 8 });
    const n = parameterCount(c);
    const tps = gen.tokensPerSecond;
    return {
      case: name,
      parameters: n,
      batch: o.batch,
      prompt_tokens: o.promptTokens,
      new_tokens: o.newTokens,
      tokens_per_s: { full_forward: round(tps.full), kv_cache: round(tps.kv), in_graph: round(tps.inGraph) },
      kv_vs_no_cache: round(tps.kv / tps.full),
      in_graph_vs_js_loop: round(tps.inGraph / tps.kv),
      kv_model_gflops: round((2 * n * tps.kv) / 1e9, 3),
      kv_mfu: round((2 * n * tps.kv) / 1e9 / rooflineGflops, 4),
    };
  } finally {
    await rt.release();
  }
}

function randomTokens(n: number, vocab: number, seed: number): BigInt64Array {
  const rng = createRng(seed);
  return BigInt64Array.from({ length: n }, () => BigInt(rng.nextInt(vocab)));
}

/**
 * Training throughput of one step graph (median of `steps` timed steps after a warm-up). With
 * `loopSteps` K > 1 the same model is also compiled with stepsPerCall K (one session.run takes
 * K optimizer steps, decision 0036) and timed in rounds interleaved with K single-step calls, so
 * load on a shared machine hits both alike: `loop.step_ms` is the per-step median of the looped
 * calls, `loop.vs_single` its ratio to the single-step median of the same rounds (< 1 = faster).
 */
export async function trainCase(name: string, c: DecoderConfig, batch: number, seqLen: number, steps: number, rooflineGflops: number, session: SessionSettings, loopSteps = 1): Promise<BenchLine> {
  const weights = initDecoderWeights(c, 0);
  const t0 = performance.now();
  const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };
  const spec = { name, params: decoderParams(c, weights), buildLoss: decoderLossBuilder(c, weights, batch, seqLen), optimizer };
  const compiled = compileTrainStep(spec);
  const initial = Object.fromEntries(tensorsFromWeights(c, weights).map(([n, t]) => [n, t.data]));
  const trainer = await AdamWTrainer.create(compiled, initial, optimizer, session);
  const buildSeconds = (performance.now() - t0) / 1000;
  let seed = 1;
  const feed = () => ({
    input_ids: randomTokens(batch * seqLen, c.vocab_size, seed++),
    labels: randomTokens(batch * seqLen, c.vocab_size, seed++),
  });
  await trainer.trainStep([feed()], 1e-4); // warm-up
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const f = feed();
    const s = performance.now();
    await trainer.trainStep([f], 1e-4);
    times.push((performance.now() - s) / 1000);
  }
  let loop: Record<string, number> | undefined;
  if (loopSteps > 1) {
    const looped = await AdamWTrainer.create(compileTrainStep({ ...spec, stepsPerCall: loopSteps }), initial, optimizer, session);
    const lrs = Array.from({ length: loopSteps }, () => 1e-4);
    await looped.trainSteps(Array.from({ length: loopSteps }, feed), lrs); // warm-up
    const single: number[] = [];
    const many: number[] = [];
    for (let round = 0; round < Math.max(1, Math.ceil(steps / loopSteps)); round++) {
      for (let i = 0; i < loopSteps; i++) {
        const f = feed();
        const s = performance.now();
        await trainer.trainStep([f], 1e-4);
        single.push((performance.now() - s) / 1000);
      }
      const fs = Array.from({ length: loopSteps }, feed);
      const s = performance.now();
      await looped.trainSteps(fs, lrs);
      many.push((performance.now() - s) / 1000 / loopSteps);
    }
    await looped.release();
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    loop = { steps_per_call: loopSteps, step_ms: round(med(many) * 1000), single_step_ms: round(med(single) * 1000), vs_single: round(med(many) / med(single), 3) };
  }
  await trainer.release();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const tokens = batch * seqLen;
  const n = parameterCount(c);
  const gflops = (6 * n * tokens) / median / 1e9;
  return {
    case: name,
    parameters: n,
    batch,
    seq_len: seqLen,
    nodes: compiled.step.nodeCount,
    build_s: round(buildSeconds),
    step_ms: round(median * 1000),
    tokens_per_s: round(tokens / median),
    model_gflops: round(gflops),
    mfu: round(gflops / rooflineGflops, 3),
    ...(loop ? { loop } : {}),
  };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchLine[]> {
  const session: SessionSettings = { executionProvider: 'cpu', ...opts.session };
  const out: BenchLine[] = [];
  const emit = (l: BenchLine) => {
    out.push(l);
    opts.log?.(l);
  };
  const yard = new Yardstick(session, 1024, 7);
  const first = await yard.measure('start');
  emit({ case: 'roofline_matmul_1024', gflops: round(first.gflops), best_gflops: round(first.bestGflops), threads: first.threads, provider: first.provider });
  /** Emit a case's line, then measure the roofline again (interleaved with the cases). */
  const emitCase = async (l: BenchLine) => {
    emit(l);
    await yard.measure(l.case);
  };

  const want = (name: string) => !opts.cases?.length || opts.cases.some((c) => name.startsWith(c));
  const tiny = parseDecoderConfig('bench tiny', TINY);
  if (want('train_tiny_V64_d128_L4_T64_B16')) await emitCase(await trainCase('train_tiny_V64_d128_L4_T64_B16', tiny, 16, 64, 10, yard.best, session, 5));

  // Forward scoring and generation on the tiny shape with the built-in character tokenizer.
  if (want('score_tiny_B16_T64') || want('generate_tiny_256_tokens')) await tinyForwardCases(session, yard, emitCase);
  if (want('generate_d256_L8_V8192_P32_N256')) {
    await emitCase(await generationCase('generate_d256_L8_V8192_P32_N256', { ...GEN_D256_L8, vocab_size: 8192 }, { batch: 1, promptTokens: 32, newTokens: 256 }, yard.best, session));
  }
  for (const vocab of [49152, 151936]) for (const shape of ['peaked', 'flat'] as const) if (want('sampler')) emit(samplerCase(vocab, shape));

  if (!opts.quick) {
    const smol = parseDecoderConfig('bench 135M shape', SMOL_135M);
    if (want('train_135M_shape_T128_B2')) await emitCase(await trainCase('train_135M_shape_T128_B2', smol, 2, 128, 3, yard.best, session, 3));
    // One GRPO step, 8 prompts × 8 completions × 64 new tokens, full finetuning and LoRA.
    const grpo = { config: SMOL_135M, prompts: 8, generations: 8, promptTokens: 16, newTokens: 64, microBatches: 8 };
    if (want('grpo_step_135M_shape')) {
      await emitCase(await grpoStepCase('grpo_step_135M_shape', grpo, session));
      await emitCase(await grpoStepCase('grpo_step_135M_shape', { ...grpo, lora: { r: 16, alpha: 32, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } }, session));
    }
  }
  emit(spreadLine(out, yard));
  return out;
}

async function tinyForwardCases(session: SessionSettings, yard: Yardstick, emitCase: (l: BenchLine) => Promise<void>): Promise<void> {
  const tk = charTokenizerFiles();
  const tokenizer = tokenizerFromJson(tk.json, tk.config);
  const genConfig = parseDecoderConfig('bench generation', { ...TINY, vocab_size: tokenizer.vocabSize, max_position_embeddings: 512 });
  const rt = new ModelRuntime({ config: genConfig, weights: initDecoderWeights(genConfig, 0), tokenizer, generationConfig: {} }, session);
  const n = parameterCount(genConfig);
  // Forward scoring (log-prob of every token given its prefix), 16 sequences × 64 tokens.
  const seqRng = createRng(3);
  const seqs = Array.from({ length: 16 }, () => Array.from({ length: 64 }, () => 4 + seqRng.nextInt(tokenizer.vocabSize - 4)));
  await scoreIds(rt, seqs, { batchSize: 16 }); // warm-up: builds and opens the session
  const scoreTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s0 = performance.now();
    await scoreIds(rt, seqs, { batchSize: 16 });
    scoreTimes.push((performance.now() - s0) / 1000);
  }
  scoreTimes.sort((a, b) => a - b);
  const scoreS = scoreTimes[2]!;
  await emitCase({
    case: 'score_tiny_B16_T64',
    ms: round(scoreS * 1000),
    tokens_per_s: round((16 * 64) / scoreS),
    model_gflops: round((2 * n * 16 * 64) / scoreS / 1e9, 3),
    mfu: round((2 * n * 16 * 64) / scoreS / 1e9 / yard.best, 3),
  });

  const gen = await benchGeneration(rt, { batch: 1, promptTokens: 16, newTokens: 256 });
  await emitCase({
    case: 'generate_tiny_256_tokens',
    tokens_per_s: { full_forward: round(gen.tokensPerSecond.full), kv_cache: round(gen.tokensPerSecond.kv), in_graph: round(gen.tokensPerSecond.inGraph) },
    kv_vs_no_cache: round(gen.tokensPerSecond.kv / gen.tokensPerSecond.full),
    in_graph_vs_js_loop: round(gen.tokensPerSecond.inGraph / gen.tokensPerSecond.kv),
    kv_model_gflops: round((2 * n * gen.tokensPerSecond.kv) / 1e9, 3),
    kv_mfu: round((2 * n * gen.tokensPerSecond.kv) / 1e9 / yard.best, 4),
  });

  await rt.release();
}

/** The closing line: every roofline sample, their spread, and each case's MFU against the run's best. */
function spreadLine(lines: readonly BenchLine[], yard: Yardstick): BenchLine {
  const s = yard.spread();
  const mfu: Record<string, number> = {};
  for (const l of lines) {
    const gflops = typeof l.model_gflops === 'number' ? l.model_gflops : typeof l.kv_model_gflops === 'number' ? l.kv_model_gflops : null;
    if (gflops !== null) mfu[l.case] = round(gflops / s.best, 4);
  }
  return {
    case: 'roofline_spread',
    samples: s.samples.map((x) => ({ after: x.after, gflops: round(x.gflops) })),
    best_gflops: round(s.best),
    median_gflops: round(s.median),
    worst_gflops: round(s.worst),
    spread: round(s.spread, 3),
    mfu_vs_run_best: mfu,
  };
}
