/**
 * What the Models page shows about a folder when it is added (src/core/modelChecks.ts computes
 * it, stored in ModelEntry.info.checks). Sizes are bytes.
 */
import type { RunKind } from './config/kinds';

export interface ModelChecks {
  architecture: { modelType: string; supported: true };
  tokenizer: {
    /** e.g. "byte-level BPE", "SentencePiece-style BPE with byte fallback (▁ for spaces)". */
    style: string;
    vocabSize: number;
    bosToken: string | null;
    /** Whether sequences open with BOS. */
    addBos: boolean;
    eosToken: string | null;
    /** Every token that ends a generation (tokenizer_config.json and generation_config.json). */
    eosTokens: string[];
    chatTemplate: boolean;
    /** The prompt format runs use when they do not set prompt_format. */
    defaultPromptFormat: 'chat' | 'plain';
  };
  parameters: number;
  /** Stored dtypes of the weights (F32, BF16, F16) and the files' total size. */
  dtypes: string[];
  weightBytes: number;
  /** Estimated peak memory per run kind on this folder, and how it was estimated. */
  memory: { byKind: Partial<Record<RunKind | 'sft_lora' | 'grpo_lora', number>>; machineBytes: number; method: string };
  /** Problems a user should know before starting a run, in plain words. */
  warnings: string[];
}
