/**
 * The bench's generation case on a tiny shape: it runs the three paths and reports consistent
 * figures (ratios of the reported rates, parameter count of the config). No speed assertions.
 */
import { describe, expect, it } from 'vitest';
import { generationCase } from '../../../src/engine/bench/cases';
import { parameterCount, parseDecoderConfig } from '../../../src/engine/model/config';

describe('generationCase', () => {
  it('reports tokens/s per path and their ratios', async () => {
    const config = { model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 32, vocab_size: 40, max_position_embeddings: 64 };
    const line = await generationCase('gen_test', config, { batch: 2, promptTokens: 5, newTokens: 4, warmupTokens: 1 }, 10, { executionProvider: 'cpu', threads: 1 });
    const tps = line.tokens_per_s as { full_forward: number; kv_cache: number; in_graph: number };
    for (const v of Object.values(tps)) expect(v).toBeGreaterThan(0);
    expect(line.kv_vs_no_cache as number).toBeCloseTo(tps.kv_cache / tps.full_forward, 1);
    expect(line.parameters).toBe(parameterCount(parseDecoderConfig('c', config)));
    expect(line).toMatchObject({ case: 'gen_test', batch: 2, prompt_tokens: 5, new_tokens: 4 });
  });
});
