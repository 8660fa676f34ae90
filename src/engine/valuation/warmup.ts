/**
 * The `warmup_sft` step of a value run (ALGORITHMS.md §6.3 (c); docs/decisions/0040): a brief
 * finetune of the model on exactly the train examples about to be valued — mislabeled ones with
 * their wrong answers — before the features are taken. For-Value's first-order argument assumes
 * a model that has fit its training data; a model that already knows the right answers has
 * prediction errors near zero on every clean example, so the validation mean of Φ is made of its
 * few idiosyncratic errors and says little about which train answers disagree with it.
 *
 * The finetune is the sft kind's own loop (src/engine/toolkit runTrainLoop: the same step graph,
 * LoRA adapters, schedule, metrics `train/*` and cancellation), fed by a one-dataset mixture that
 * holds the train items (drawn in seeded epochs), with the loss on the completion and <eos>.
 */
import type { RunContext } from '../../shared/runContext';
import type { ValueConfig } from '../../shared/config/value';
import type { LoraSpec } from '../model/lora';
import type { DecoderConfig } from '../model/config';
import type { DecoderWeights } from '../model/weights';
import type { TextTokenizer } from '../model/tokenizer';
import { registerDatasetTask, type Example } from '../tasks';
import { datasetTask } from '../tasks/imported';
import { evaluateQuick, runTrainLoop } from '../toolkit';
import type { ValuationItem } from './data';

/** The dataset name the train items are registered under for the training stream. */
export const WARMUP_DATASET = 'value-train';

/** The train items as examples of one dataset (the answers as valued: corrupted where mislabeled). */
export function warmupExamples(items: readonly ValuationItem[]): Example[] {
  return items.map((it) => ({ ...it.example, id: `${WARMUP_DATASET}:${it.index}`, task: WARMUP_DATASET, metadata: { ...it.example.metadata, split: 'train' } }));
}

export interface WarmupInput {
  ctx: RunContext;
  cfg: ValueConfig;
  config: DecoderConfig;
  weights: DecoderWeights;
  tokenizer: TextTokenizer;
  train: readonly ValuationItem[];
}

/** The finetuned weights (LoRA merged into the base), or null when the run was cancelled. */
export async function warmupSft(w: WarmupInput): Promise<DecoderWeights | null> {
  const { ctx, cfg } = w;
  const s = cfg.warmup_sft;
  const lora: LoraSpec | undefined = s.lora.enabled ? { r: s.lora.r, alpha: s.lora.alpha, targets: s.lora.target_modules } : undefined;
  const mislabeled = w.train.filter((t) => t.mislabeled).length;
  ctx.log(
    'info',
    `warm-up: ${lora ? `LoRA (r ${lora.r}, alpha ${lora.alpha}, on ${lora.targets.join(', ')})` : 'full'} finetune for ${s.training.max_steps} steps of ${s.training.batch_size} ` +
      `on the ${w.train.length} train examples (${mislabeled} with a wrong answer), learning rate ${s.training.learning_rate}`,
  );
  registerDatasetTask(datasetTask(WARMUP_DATASET, warmupExamples(w.train)));
  const r = await runTrainLoop({
    ctx,
    config: w.config,
    weights: w.weights,
    tokenizer: w.tokenizer,
    training: s.training,
    tasks: [{ task: WARMUP_DATASET, weight: 1 }],
    // Periodic and final evals: the clean test split of the train tasks.
    evalTasks: cfg.train.tasks,
    seqLen: s.seq_len,
    seed: cfg.seed,
    completionOnly: true,
    lora,
  });
  try {
    if (r.cancelled || ctx.signal.aborted) return null;
    // Greedy accuracy on clean held-out examples after the finetune: how far it fit the noise.
    const final = await evaluateQuick(r.evalModel, cfg.train.tasks, { examples: 32, seed: cfg.seed, signal: ctx.signal });
    if (Object.keys(final).length) ctx.metrics(r.step, final);
  } finally {
    await r.evalModel.release();
  }
  return ctx.signal.aborted ? null : r.weights;
}
