/**
 * One page of a run's samples, filtered and sorted by the store (SQL with LIMIT/OFFSET), so the
 * samples viewer never loads a whole run's completions. RL and eval runs record the fields
 * filtered on in a sample's `extra`: task, correct, advantage, group (docs/dev/GRPO-CONTRACT.md).
 */
import { z } from 'zod';
import type { SampleRecord } from './records';

export const SAMPLE_SORT_KEYS = ['id', 'step', 'reward', 'advantage'] as const;
export type SampleSortKey = (typeof SAMPLE_SORT_KEYS)[number];

export const sampleQuerySchema = z
  .object({
    fromStep: z.number().optional(),
    toStep: z.number().optional(),
    /** Only samples the verifier marked correct (true) or wrong (false). */
    correct: z.boolean().optional(),
    minReward: z.number().optional(),
    maxReward: z.number().optional(),
    task: z.string().max(200).optional(),
    /** Exactly this prompt (its completions across steps). */
    prompt: z.string().max(100_000).optional(),
    /** Prompt or completion contains this text. */
    text: z.string().max(200).optional(),
    sort: z.enum(SAMPLE_SORT_KEYS).optional(),
    desc: z.boolean().optional(),
    limit: z.number().int().min(1, 'expected limit ≥ 1').max(500, 'expected limit ≤ 500').optional(),
    offset: z.number().int().min(0, 'expected offset ≥ 0').optional(),
  })
  .strict();

export type SampleQuery = z.infer<typeof sampleQuerySchema>;

export interface SamplePage {
  /** Samples matching the filters (all pages). */
  total: number;
  rows: SampleRecord[];
  /** Tasks and step range over all the run's samples (for the filter controls). */
  tasks: string[];
  minStep: number | null;
  maxStep: number | null;
}

/**
 * Per-token data a sample may carry in `extra` (arrays as long as its token texts, `token_text`
 * or, from GRPO with THR on, `thr_tokens`): the viewer draws each as a heat over the tokens.
 */
export const TOKEN_HEAT_FIELDS = {
  token_logprob: 'log-prob',
  token_entropy: 'entropy',
  token_advantage: 'advantage × token weight',
  thr: 'THR score',
  token_lld: 'LLD penalty',
} as const;

/** The token texts of a sample's per-token data, or null. */
export function sampleTokenTexts(extra: Record<string, unknown>): string[] | null {
  const t = Array.isArray(extra.token_text) ? extra.token_text : Array.isArray(extra.thr_tokens) ? extra.thr_tokens : null;
  return t && t.length ? t.map(String) : null;
}
export type TokenHeatField = keyof typeof TOKEN_HEAT_FIELDS;
