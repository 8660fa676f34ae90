/**
 * `npm run bench -- --scale`: the run kinds on model folders of real shapes (minutes; not in
 * CI). Writes random-weight BF16 folders of the SmolLM2-135M and Qwen2.5-0.5B shapes with
 * byte-level BPE tokenizers of their styles (scaleTokenizer.ts), then runs each operation in a
 * child process of its own (scaleOps.ts) so every peak RSS is that operation's alone, and
 * prints one JSON line per operation: time, tokens/s, peak RSS, sessions and their creation
 * time, and whether the peak is within the bound of issue 10 (scoring, generation, eval,
 * prune, value ≤ 2.5× the fp32 weights + activations; training ≤ 4× + activations).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parameterCount, parseDecoderConfig } from '../model/config';
import { withAllocatorEnv } from '../allocatorEnv';
import { initModelFolder } from '../model/folder';
import { forwardBytes, kvCacheBytes, prefillBytes, trainStepBytes } from '../model/memoryEstimate';
import { tokenizerFromJson } from '../model/tokenizer';
import { GRPO_MICRO_BATCHES, MULTI_STEP_OPS, SCALE_LINE_PREFIX, type ScaleOp } from './scaleOps';
import { byteBpeTokenizerFiles, QWEN25_STYLE, SMOLLM2_STYLE, type ByteBpeStyle } from './scaleTokenizer';

export interface ScaleShape {
  name: string;
  config: Record<string, unknown>;
  tokenizer: ByteBpeStyle;
  ops: ScaleOp[];
}

export const SCALE_SHAPES: ScaleShape[] = [
  {
    name: 'smollm2-135m',
    config: {
      model_type: 'llama', vocab_size: 49152, hidden_size: 576, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3,
      intermediate_size: 1536, tie_word_embeddings: true, max_position_embeddings: 2048, rope_theta: 10000, rms_norm_eps: 1e-5,
    },
    tokenizer: SMOLLM2_STYLE,
    ops: ['score', 'generate_b1', 'generate_b8', 'eval', 'prune', 'export', 'value', 'sft_lora', 'sft_full', 'grpo_full'],
  },
  {
    name: 'qwen2.5-0.5b',
    config: {
      model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2,
      intermediate_size: 4864, tie_word_embeddings: true, max_position_embeddings: 32768, rope_theta: 1000000, rms_norm_eps: 1e-6,
    },
    tokenizer: QWEN25_STYLE,
    ops: ['score', 'grpo_lora', 'eval', 'generate_b1', 'prune', 'sft_lora', 'value', 'generate_b8'],
  },
];

export interface ScaleOptions {
  /** Folder for the model folders and run outputs (default <tmp>/benchtop-scale; reused when present). */
  workDir?: string;
  /** Only these shapes / ops (default all). */
  shapes?: string[];
  ops?: string[];
  /** Optimizer steps of the GRPO ops (default 1; the bound is the same for every step). */
  steps?: number;
  log: (line: Record<string, unknown>) => void;
}

const GIB = 2 ** 30;

/** Activations each op's bound allows, from the same formulas as the run estimate. */
function activationBytes(op: ScaleOp, c: ReturnType<typeof parseDecoderConfig>): number {
  switch (op) {
    case 'score':
      return forwardBytes(c, 16, 128, false);
    case 'generate_b1':
    case 'generate_b8': {
      const B = op === 'generate_b1' ? 1 : 8;
      return forwardBytes(c, B, 16, false) + kvCacheBytes(c, B, 144);
    }
    case 'eval':
      return forwardBytes(c, 16, 128, false) + kvCacheBytes(c, 16, 160);
    case 'prune':
      return forwardBytes(c, 8, 128, true);
    case 'export':
      return forwardBytes(c, 4, 64, false);
    case 'value':
      return forwardBytes(c, 16, 128, false, 'logits');
    case 'sft_lora':
    case 'sft_full':
      return trainStepBytes(c, 8, 128);
    case 'grpo_full':
    case 'grpo_lora':
      // 64 completions in GRPO_MICRO_BATCHES micro-batches (scaleOps.ts), or generating all 64
      return Math.max(trainStepBytes(c, 64 / GRPO_MICRO_BATCHES, 128), prefillBytes(c, 64, 64) + kvCacheBytes(c, 64, 128));
  }
}

function runChild(op: ScaleOp, modelDir: string, workDir: string, steps: number): Promise<Record<string, unknown>> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'scaleOps.ts');
  const args = [script, op, modelDir, workDir, ...(MULTI_STEP_OPS.includes(op) ? [String(steps)] : [])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: withAllocatorEnv(process.env) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith(SCALE_LINE_PREFIX));
      if (line) resolve(JSON.parse(line.slice(SCALE_LINE_PREFIX.length)) as Record<string, unknown>);
      else resolve({ op, error: `child exited with ${signal ?? code}: ${err.trim().split('\n').slice(-3).join(' | ').slice(0, 500)}` });
    });
  });
}

export async function runScaleBench(o: ScaleOptions): Promise<void> {
  const workDir = o.workDir ?? join(tmpdir(), 'benchtop-scale');
  for (const shape of SCALE_SHAPES) {
    if (o.shapes && !o.shapes.includes(shape.name)) continue;
    const dir = join(workDir, shape.name);
    const tk = byteBpeTokenizerFiles(shape.tokenizer);
    const tokenizer = tokenizerFromJson(tk.json, tk.config);
    const config = parseDecoderConfig(shape.name, { ...shape.config, bos_token_id: tokenizer.bosId, eos_token_id: tokenizer.eosId, pad_token_id: tokenizer.padId });
    if (!existsSync(join(dir, 'config.json'))) {
      await mkdir(dir, { recursive: true });
      const t0 = performance.now();
      await initModelFolder({ config: shape.config, outDir: dir, seed: 1, tokenizer, checkpoint: { dtype: 'BF16' } });
      o.log({ shape: shape.name, op: 'write_folder', seconds: Math.round((performance.now() - t0) / 100) / 10, dir });
    }
    const fp32 = parameterCount(config) * 4;
    for (const op of shape.ops) {
      if (o.ops && !o.ops.includes(op)) continue;
      const opDir = join(workDir, `${shape.name}-${op}`);
      await mkdir(opDir, { recursive: true });
      const line = await runChild(op, dir, opDir, o.steps ?? 1);
      const peak = typeof line.peak_rss_gib === 'number' ? line.peak_rss_gib * GIB : NaN;
      const factor = op.startsWith('sft') || op.startsWith('grpo') ? 4 : 2.5;
      const bound = factor * fp32 + activationBytes(op, config);
      o.log({
        shape: shape.name,
        ...line,
        fp32_weights_gib: Math.round((fp32 / GIB) * 100) / 100,
        bound_gib: Math.round((bound / GIB) * 100) / 100,
        // export holds two models at once (the pruned one and the one read back): no single-model bound
        within_bound: Number.isFinite(peak) && op !== 'export' ? peak <= bound : null,
        verdict: !Number.isFinite(peak) ? 'no measurement' : op === 'export' ? 'no bound' : peak <= bound ? 'within' : 'over',
        free_gib_after: Math.round((freemem() / GIB) * 10) / 10,
      });
    }
  }
}
