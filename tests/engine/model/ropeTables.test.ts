/**
 * RoPE in the engine's graphs comes from tables computed on the host (model/rope.ts): no graph
 * the model builders emit — training/scoring, prefill, decode, the in-graph generation loop
 * (its body included) — contains a Sin or Cos node, and the stored table rows are the float64
 * angles of ropeTables rounded once.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { ropeTables } from '../../../src/engine/model/rope';
import { buildKvDecoder } from '../../../src/engine/generate/kvDecoder';
import { buildLoopDecoder } from '../../../src/engine/generate/loopDecoder';

const config = parseDecoderConfig('config.json', { model_type: 'qwen3', vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 4, intermediate_size: 24, max_position_embeddings: 64 });
const weights = initDecoderWeights(config, 1);

function ops(g: Graph): string[] {
  return g.nodes.flatMap((n) => [n.op, ...Object.values(n.attrs).flatMap((a) => (a && typeof a === 'object' && 'g' in a ? ops((a as { g: Graph }).g) : []))]);
}

describe('rotary tables', () => {
  it('no graph the builders emit computes Sin or Cos', () => {
    const graphs: [string, Graph][] = [
      ['train (static T)', buildDecoder(config, weights, { seqLen: 8, trainable: 'all' }).graph],
      ['score (symbolic T, position_ids)', buildDecoder(config, weights, { positionIds: true }).graph],
      ['prefill', buildKvDecoder(config, { weights }, 'prefill').graph],
      ['decode, LoRA state', buildKvDecoder(config, { weights, trainable: 'lora', lora: { r: 2, alpha: 4, targets: ['q', 'k'] } }, 'decode').graph],
      ['loop, sampling', buildLoopDecoder(config, { weights, trainable: 'all' }, { mode: 'sample', topK: true, topP: true }).graph],
    ];
    for (const [name, g] of graphs) {
      const all = ops(g);
      expect(all.length, name).toBeGreaterThan(50);
      expect(all.filter((o) => o === 'Sin' || o === 'Cos'), name).toEqual([]);
    }
    expect(ops(graphs[4]![1])).toContain('Loop');
  });

  it('the stored table is ropeTables over every position the model has', () => {
    const g = buildKvDecoder(config, { weights }, 'prefill').graph;
    const cos = g.initializers.get('rope.cos.table')!.data;
    const want = ropeTables(config, 64);
    expect(cos.shape).toEqual([64, 4]);
    expect(Array.from(cos.data as Float32Array)).toEqual(Array.from(want.cos));
  });
});
