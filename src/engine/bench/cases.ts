/**
 * `npm run bench`: engine throughput on this machine, one JSON line per case. Every figure is
 * also given as a ratio to a MatMul roofline measured first in the same process, so numbers
 * from different machines (or a loaded one) compare: MFU = 6·N·tokens ÷ time ÷ roofline for
 * training, 2·N·tokens ÷ time ÷ roofline for forward-only work.
 */
import { measureMatmulRoofline, type SessionSettings } from '../onnx';
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

async function trainCase(name: string, c: DecoderConfig, batch: number, seqLen: number, steps: number, rooflineGflops: number, session: SessionSettings): Promise<BenchLine> {
  const weights = initDecoderWeights(c, 0);
  const t0 = performance.now();
  const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };
  const compiled = compileTrainStep({
    name,
    params: decoderParams(c, weights),
    buildLoss: decoderLossBuilder(c, weights, batch, seqLen),
    optimizer,
  });
  const initial = Object.fromEntries(tensorsFromWeights(c, weights).map(([n, t]) => [n, t.data]));
  const trainer = await AdamWTrainer.create(compiled, initial, optimizer, session);
  const buildSeconds = (performance.now() - t0) / 1000;
  const feed = () => ({
    input_ids: randomTokens(batch * seqLen, c.vocab_size, 1),
    labels: randomTokens(batch * seqLen, c.vocab_size, 2),
  });
  await trainer.trainStep([feed()], 1e-4); // warm-up
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const f = feed();
    const s = performance.now();
    await trainer.trainStep([f], 1e-4);
    times.push((performance.now() - s) / 1000);
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
  const roof = await measureMatmulRoofline({ n: 1024, iterations: 7, session });
  emit({ case: 'roofline_matmul_1024', gflops: round(roof.gflops), best_gflops: round(roof.bestGflops), threads: roof.threads, provider: roof.provider });

  const tiny = parseDecoderConfig('bench tiny', TINY);
  emit(await trainCase('train_tiny_V64_d128_L4_T64_B16', tiny, 16, 64, 10, roof.gflops, session));

  // Forward scoring and generation on the tiny shape with the built-in character tokenizer.
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
  emit({
    case: 'score_tiny_B16_T64',
    ms: round(scoreS * 1000),
    tokens_per_s: round((16 * 64) / scoreS),
    mfu: round((2 * n * 16 * 64) / scoreS / 1e9 / roof.gflops, 3),
  });

  const gen = await benchGeneration(rt, { batch: 1, promptTokens: 16, newTokens: 256 });
  emit({
    case: 'generate_tiny_256_tokens',
    tokens_per_s: { full_forward: round(gen.tokensPerSecond.full), kv_cache: round(gen.tokensPerSecond.kv), in_graph: round(gen.tokensPerSecond.inGraph) },
    kv_vs_no_cache: round(gen.tokensPerSecond.kv / gen.tokensPerSecond.full),
    in_graph_vs_js_loop: round(gen.tokensPerSecond.inGraph / gen.tokensPerSecond.kv),
    kv_mfu: round((2 * n * gen.tokensPerSecond.kv) / 1e9 / roof.gflops, 4),
  });

  await rt.release();
  emit(await generationCase('generate_d256_L8_V8192_P32_N256', { ...GEN_D256_L8, vocab_size: 8192 }, { batch: 1, promptTokens: 32, newTokens: 256 }, roof.gflops, session));

  for (const vocab of [49152, 151936]) for (const shape of ['peaked', 'flat'] as const) emit(samplerCase(vocab, shape));

  if (!opts.quick) {
    const smol = parseDecoderConfig('bench 135M shape', SMOL_135M);
    emit(await trainCase('train_135M_shape_T128_B2', smol, 2, 128, 3, roof.gflops, session));
    // One GRPO step, 8 prompts × 8 completions × 64 new tokens, full finetuning and LoRA.
    const grpo = { config: SMOL_135M, prompts: 8, generations: 8, promptTokens: 16, newTokens: 64, microBatches: 8 };
    emit(await grpoStepCase('grpo_step_135M_shape', grpo, session));
    emit(await grpoStepCase('grpo_step_135M_shape', { ...grpo, lora: { r: 16, alpha: 32, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } }, session));
  }
  return out;
}
