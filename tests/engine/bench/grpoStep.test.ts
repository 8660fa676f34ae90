/**
 * The grpo_step bench case on a tiny shape: every figure is reported and positive, and the
 * second GRPO step (rollout, scoring, training) creates no session — full finetuning and LoRA.
 */
import { describe, expect, it } from 'vitest';
import { grpoStepCase } from '../../../src/engine/bench/grpoStep';

const TINY = { model_type: 'llama', vocab_size: 300, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, tie_word_embeddings: true, max_position_embeddings: 128 };

describe('grpo_step bench case', () => {
  for (const lora of [undefined, { r: 4, alpha: 8, targets: ['q', 'v'] as const }]) {
    it(`${lora ? 'LoRA' : 'full'}: no session after the first step; timings and rates reported`, async () => {
      const line = await grpoStepCase('grpo_step_tiny', { config: TINY, prompts: 2, generations: 3, promptTokens: 5, newTokens: 6, ...(lora ? { lora: { ...lora, targets: [...lora.targets] } } : {}) }, { executionProvider: 'cpu', threads: 1 });
      expect(line.session_builds).toBe(0);
      expect(line.trainable).toBe(lora ? 'lora r4' : 'full');
      for (const k of ['generate_s', 'score_s', 'train_s', 'rollout_tokens_per_s', 'js_loop_tokens_per_s']) expect(line[k] as number, k).toBeGreaterThan(0);
    });
  }
});
