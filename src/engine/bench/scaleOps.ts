/**
 * One operation of the scale bench, run in a process of its own so its peak resident memory
 * (VmHWM) is its alone: `node --import tsx scaleOps.ts <op> <modelDir> <workDir> [steps]` prints one
 * JSON line prefixed with SCALE_LINE_PREFIX. `steps` (default 1) is the number of optimizer steps
 * of the GRPO ops: from the second step on the AdamW moments are resident through generation and
 * the micro-batches, so one step does not show a training run's peak. Run kinds go through their real executors (with
 * the runner's memory guard) and a context that keeps what they report.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateRunConfig } from '../../shared/config';
import type { RunContext } from '../../shared/runContext';
import { DEFAULT_SETTINGS } from '../../shared/settings';
import { loadExecutor } from '../executors';
import { withMemoryGuard } from '../model/memoryGuard';
import { generateFromIds } from '../generate/generate';
import { ModelRuntime } from '../generate/runtime';
import { scoreIds } from '../generate/scoring';
import { loadModelFolder, saveModelFolder } from '../model/folder';
import { sessionCreationStats, serializeStats } from '../onnx';
import { removeLayers } from '../pruning/removeLayers';
import { createRng } from '../random';

export const SCALE_LINE_PREFIX = 'SCALE_LINE ';

export const SCALE_OPS = ['score', 'generate_b1', 'generate_b8', 'eval', 'prune', 'export', 'value', 'sft_lora', 'sft_full', 'grpo_full', 'grpo_lora'] as const;
export type ScaleOp = (typeof SCALE_OPS)[number];

/** Peak resident set of this process so far, in bytes (Linux; null elsewhere). */
export function peakRssBytes(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** GRPO's 8 × 8 completions are trained in this many micro-batches (one optimizer step, gradients accumulated). */
export const GRPO_MICRO_BATCHES = 8;

const SESSION = { executionProvider: 'cpu' as const, threads: 0 };
const TASKS = [{ task: 'arithmetic' }];

function randomSeqs(rows: number, len: number, vocab: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: len }, () => 3 + rng.nextInt(vocab - 3)));
}

/** A context for the real executors that keeps metrics and logs (the runner would send them on). */
function benchContext(raw: Record<string, unknown>, runDir: string): { ctx: RunContext; metrics: Record<string, number>; logs: string[] } {
  const v = validateRunConfig(raw);
  if (!v.ok) throw new Error(`scale bench config invalid: ${JSON.stringify(v.issues)}`);
  const metrics: Record<string, number> = {};
  const logs: string[] = [];
  const ctx: RunContext = {
    runId: `scale-${raw.kind as string}`,
    config: v.config,
    settings: { ...DEFAULT_SETTINGS, executionProvider: 'cpu' },
    runDir,
    dataDir: runDir,
    signal: new AbortController().signal,
    resumeFrom: null,
    progress: () => {},
    metrics: (_step, values) => Object.assign(metrics, values),
    log: (level, text) => logs.push(`${level}: ${text}`),
    sample: () => {},
    artifact: () => {},
    checkpoint: () => {},
    device: () => {},
  };
  return { ctx, metrics, logs };
}

function runConfigFor(op: ScaleOp, model: string, out: string, steps: number): Record<string, unknown> {
  const common = { name: `scale ${op}`, seed: 1, model };
  switch (op) {
    case 'eval':
      return { kind: 'eval', ...common, tasks: TASKS, num_examples: 16, max_new_tokens: 32, batch_size: 16 };
    case 'prune':
      return {
        kind: 'prune', ...common, method: 'block_influence', num_layers: 2, protect_first: 1,
        calibration: { tasks: TASKS, num_sequences: 16, seq_len: 128 },
        eval: { tasks: TASKS, num_examples: 16, max_new_tokens: 32, sweep: false },
        output_dir: out,
      };
    case 'value':
      return { kind: 'value', ...common, train: { tasks: TASKS, num_examples: 50 }, val: { num_examples: 10 }, protocols: ['mislabel'], mislabel_ratio: 0.2, batch_size: 16 };
    case 'sft_lora':
    case 'sft_full':
      return {
        kind: 'sft', ...common, data: { tasks: TASKS, seq_len: 128 },
        lora: { enabled: op === 'sft_lora' },
        training: { max_steps: 1, batch_size: 8, learning_rate: 1e-5 },
        output_dir: out,
      };
    case 'grpo_full':
    case 'grpo_lora':
      return {
        kind: 'grpo', ...common, tasks: TASKS, num_generations: 8, prompts_per_step: 8, max_completion_length: 64,
        gradient_accumulation_steps: GRPO_MICRO_BATCHES,
        lora: { enabled: op === 'grpo_lora' }, training: { max_steps: steps }, eval_examples: 1, output_dir: out,
      };
    default:
      throw new Error(`'${op}' is not a run kind`);
  }
}

/** Export check: prune in memory, save as an HF folder, load it back, and compare log-probs bit for bit. */
async function exportCheck(modelDir: string, workDir: string): Promise<Record<string, unknown>> {
  const folder = await loadModelFolder(modelDir);
  const L = folder.config.num_hidden_layers;
  const pruned = removeLayers(folder.config, folder.weights, [L - 3, L - 2]);
  const out = join(workDir, 'exported');
  await mkdir(out, { recursive: true });
  const files = await saveModelFolder(out, { config: pruned.config, weights: pruned.weights, tokenizer: { json: folder.tokenizer.json, configJson: folder.tokenizer.configJson }, generationConfig: folder.generationConfig });
  const seqs = randomSeqs(4, 64, folder.tokenizer.vocabSize, 5);
  const before = new ModelRuntime({ ...folder, config: pruned.config, weights: pruned.weights }, SESSION);
  const a = await scoreIds(before, seqs, { batchSize: 4 });
  await before.release();
  const back = await loadModelFolder(out);
  const after = new ModelRuntime(back, SESSION);
  const b = await scoreIds(after, seqs, { batchSize: 4 });
  await after.release();
  let maxDiff = 0;
  a.forEach((row, i) => row.forEach((x, t) => (maxDiff = Math.max(maxDiff, Math.abs((x ?? 0) - (b[i]![t] ?? 0))))));
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  return { files, stored_dtype: back.dtype, torch_dtype: config.torch_dtype, num_hidden_layers: config.num_hidden_layers, max_abs_logprob_diff: maxDiff, identical: maxDiff === 0 };
}

/** Ops whose optimizer steps the bench can choose (`--steps`); the others run their fixed work. */
export const MULTI_STEP_OPS: readonly ScaleOp[] = ['grpo_full', 'grpo_lora'];

export async function runScaleOp(op: ScaleOp, modelDir: string, workDir: string, steps = 1): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const extra: Record<string, unknown> = {};
  let tokens = 0;
  if (op === 'score' || op === 'generate_b1' || op === 'generate_b8') {
    const folder = await loadModelFolder(modelDir);
    const rt = new ModelRuntime(folder, SESSION);
    const V = folder.tokenizer.vocabSize;
    if (op === 'score') {
      const seqs = randomSeqs(16, 128, V, 1);
      await scoreIds(rt, seqs, { batchSize: 16 });
      tokens = 16 * 128;
    } else {
      const B = op === 'generate_b1' ? 1 : 8;
      const t1 = performance.now();
      await generateFromIds(rt, randomSeqs(B, 16, V, 2), { maxNewTokens: 4, temperature: 0, ignoreEos: true, batchSize: B });
      extra.warmup_s = round((performance.now() - t1) / 1000);
      const t2 = performance.now();
      await generateFromIds(rt, randomSeqs(B, 16, V, 3), { maxNewTokens: 128, temperature: 0, ignoreEos: true, batchSize: B });
      extra.decode_tokens_per_s = round((B * 128) / ((performance.now() - t2) / 1000));
      tokens = B * 128;
    }
    await rt.release();
  } else if (op === 'export') {
    Object.assign(extra, await exportCheck(modelDir, workDir));
  } else {
    const out = join(workDir, `out-${op}`);
    const { ctx, metrics, logs } = benchContext(runConfigFor(op, modelDir, out, steps), workDir);
    const executor = withMemoryGuard(await loadExecutor(ctx.config.kind));
    await executor(ctx);
    const mem = logs.find((l) => l.startsWith('info: memory:'));
    if (mem) extra.estimate = mem.slice('info: memory: '.length, mem.indexOf(' estimated'));
    for (const k of ['train/tokens', 'tokens', 'train/loss', 'loss']) if (k in metrics) extra[k] = metrics[k];
  }
  const seconds = (performance.now() - t0) / 1000;
  const s = sessionCreationStats();
  const z = serializeStats();
  return {
    op,
    ...(MULTI_STEP_OPS.includes(op) ? { steps } : {}),
    seconds: round(seconds),
    ...(tokens ? { tokens_per_s: round(tokens / seconds) } : {}),
    peak_rss_gib: round((peakRssBytes() ?? NaN) / 2 ** 30, 2),
    sessions: s.sessions,
    session_create_s: round(s.ms / 1000),
    graphs_serialized: z.graphs,
    serialize_s: round(z.ms / 1000),
    ...extra,
  };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const [, , opArg, dirArg, workArg, stepsArg] = process.argv;
if (opArg && dirArg && workArg && process.argv[1]?.endsWith('scaleOps.ts')) {
  if (!(SCALE_OPS as readonly string[]).includes(opArg)) {
    process.stderr.write(`unknown scale op '${opArg}' (expected one of ${SCALE_OPS.join(', ')})\n`);
    process.exit(2);
  }
  const steps = stepsArg === undefined ? 1 : Number(stepsArg);
  if (!Number.isInteger(steps) || steps < 1) {
    process.stderr.write(`steps: expected a whole number ≥ 1, got '${stepsArg}'\n`);
    process.exit(2);
  }
  runScaleOp(opArg as ScaleOp, dirArg, workArg, steps).then(
    (line) => {
      process.stdout.write(SCALE_LINE_PREFIX + JSON.stringify(line) + '\n');
      process.exit(0);
    },
    (err: Error) => {
      process.stdout.write(SCALE_LINE_PREFIX + JSON.stringify({ op: opArg, error: err.message.slice(0, 600), peak_rss_gib: round((peakRssBytes() ?? NaN) / 2 ** 30, 2) }) + '\n');
      process.exit(1);
    },
  );
}
