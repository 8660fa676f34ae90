/**
 * Mini-batches and gradient accumulation inside a GRPO generation batch, with TRL's names and
 * semantics (ALGORITHMS.md §1.1, §1.4): the generation batch (prompts_per_step × num_generations
 * completions) is split into `steps_per_generation` micro-batches; every
 * `gradient_accumulation_steps` micro-batches make one optimizer step (gradients averaged, dapo
 * normalised by the tokens of the whole accumulation window); the batch is reused for
 * num_iterations passes. Merged into the grpo schema as a fragment.
 */
import { z } from 'zod';

export const grpoBatchFields = {
  /** Micro-batches per optimizer step (TRL gradient_accumulation_steps). */
  gradient_accumulation_steps: z.number().int('expected a whole number').positive('expected ≥ 1').max(1024).default(1),
  /** Micro-batches one generation batch is split into (TRL steps_per_generation); unset = gradient_accumulation_steps. */
  steps_per_generation: z.number().int('expected a whole number').positive('expected ≥ 1').max(1024).optional(),
};

export interface GrpoBatchShape {
  /** Rows of the generation batch. */
  generationRows: number;
  /** Micro-batches per generation batch. */
  microBatches: number;
  /** Rows per micro-batch. */
  microRows: number;
  /** Micro-batches per optimizer step. */
  accumulation: number;
  /** Optimizer steps per pass over the generation batch. */
  stepsPerPass: number;
}

/** The batch layout of a grpo config, or an error naming the field that does not divide. */
export function grpoBatchShape(cfg: {
  prompts_per_step: number;
  num_generations: number;
  gradient_accumulation_steps: number;
  steps_per_generation?: number | undefined;
}): GrpoBatchShape {
  const rows = cfg.prompts_per_step * cfg.num_generations;
  const ga = cfg.gradient_accumulation_steps;
  const spg = cfg.steps_per_generation ?? ga;
  if (spg % ga !== 0) throw new Error(`steps_per_generation: expected a multiple of gradient_accumulation_steps (${ga}), got ${spg}`);
  if (rows % spg !== 0) throw new Error(`steps_per_generation: expected a divisor of the generation batch (prompts_per_step × num_generations = ${rows} completions), got ${spg}`);
  return { generationRows: rows, microBatches: spg, microRows: rows / spg, accumulation: ga, stepsPerPass: spg / ga };
}
