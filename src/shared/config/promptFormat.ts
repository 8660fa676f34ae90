import { z } from 'zod';

/**
 * How a run hands task prompts to a model folder — merged into every kind that loads a folder
 * and generates or trains on prompts (sft, eval, prune, grpo, value). `chat` renders each prompt
 * as one user turn through the folder's chat template (tokenizer_config.json chat_template),
 * `plain` uses the text as it is. Left out: chat when the model has a template (Benchtop's own
 * models, trained on plain prompts, default to plain). The same kinds can name the token that
 * ends each example (`sequence_end`).
 */
export const promptFormatFields = {
  prompt_format: z.enum(['chat', 'plain']).optional(),
  /**
   * A token of the vocabulary (e.g. "<|endoftext|>") that closes every example and separates
   * packed ones, instead of the tokenizer's EOS; generation also stops at it. Unset: the EOS.
   */
  sequence_end: z.string().min(1, 'expected a token of the vocabulary, e.g. "<|endoftext|>"').optional(),
};

/**
 * Pretraining from scratch: the tokenizer of an existing model folder (a path, or `builtin:<name>`)
 * instead of the built-in character tokenizer (empty).
 */
export const tokenizerSourceFields = {
  tokenizer: z.string().default(''),
};
