/**
 * Provider coverage (issue 15, item 6): every graph the engine emits, built on a tiny model, is
 * walked node by node (Loop bodies included) against the kernel registrations of ORT 1.30's CPU,
 * CUDA and WebGPU providers (resources/ort-kernels/). Prints the count of nodes each provider
 * would leave to the host; CPU must have none (the graphs run there), CUDA none either (the goal
 * of the graph builders' op choices), WebGPU's remainder is docs/decisions/0030.
 */
import { describe, expect, it } from 'vitest';
import { Graph, op } from '../../../src/engine/onnx';
import { parseDecoderConfig } from '../../../src/engine/model/config';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initLoraAdapters, type LoraSpec } from '../../../src/engine/model/lora';
import { compileTrainStep } from '../../../src/engine/optim';
import { decoderLossBuilder, decoderParams, loraParams } from '../../../src/engine/toolkit/decoderLoss';
import { buildScoreGraph, grpoLossBuilder, type PolicyShape } from '../../../src/engine/rlvr/policyGraph';
import type { PolicyLossSpec } from '../../../src/engine/rlvr/policyLoss';
import { buildKvDecoder } from '../../../src/engine/generate/kvDecoder';
import { buildLoopDecoder } from '../../../src/engine/generate/loopDecoder';
import { KernelTable, PROVIDERS, allNodes, fallbacks, type Fallback, type Provider } from './kernelCoverage';

const optimizer = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };

function tinyConfig(extra: Record<string, unknown> = {}) {
  return parseDecoderConfig('config.json', {
    model_type: 'llama',
    vocab_size: 32,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 24,
    rope_theta: 100,
    max_position_embeddings: 64,
    ...extra,
  });
}

/** Every graph kind the engine builds, by name. */
function engineGraphs(modelType: 'llama' | 'qwen3'): [string, Graph][] {
  const config = tinyConfig(modelType === 'qwen3' ? { model_type: 'qwen3', head_dim: 4 } : {});
  const weights = initDecoderWeights(config, 1);
  const lora: LoraSpec = { r: 2, alpha: 4, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
  void initLoraAdapters;
  const out: [string, Graph][] = [];
  const train = (name: string, c: ReturnType<typeof compileTrainStep>) => {
    out.push([`${name} step`, c.graphs.step]);
    if (c.graphs.accumulate) out.push([`${name} accumulate`, c.graphs.accumulate]);
    if (c.graphs.loop) out.push([`${name} ×steps loop`, c.graphs.loop]);
  };
  // stepsPerCall > 1 adds the looped graph (several optimizer steps per run, decision 0036):
  // with accumulation a Loop over micro-batches inside the Loop over steps.
  train('train full', compileTrainStep({ name: 'decoder', params: decoderParams(config, weights), buildLoss: decoderLossBuilder(config, weights, 2, 8), optimizer, accumulationSteps: 2, stepsPerCall: 2 }));
  train('train LoRA', compileTrainStep({ name: 'decoder', params: loraParams(config, lora), buildLoss: decoderLossBuilder(config, weights, 2, 8, lora), optimizer, stepsPerCall: 4 }));
  const shape: PolicyShape = { config, weights, batch: 2, seqLen: 8, temperature: 0.7 };
  const loss: PolicyLossSpec = {
    lossType: 'dapo',
    importanceSamplingLevel: 'token',
    epsilon: 0.2,
    epsilonHigh: 0.28,
    delta: 4,
    beta: 0.04,
    maxCompletionLength: 8,
    llds: { gate: 'token', lambda: 0.1 },
  };
  train('GRPO full', compileTrainStep({ name: 'grpo', params: decoderParams(config, weights), buildLoss: grpoLossBuilder(shape, loss), optimizer, accumulationSteps: 2, stepsPerCall: 2 }));
  train('GRPO LoRA', compileTrainStep({ name: 'grpo', params: loraParams(config, lora), buildLoss: grpoLossBuilder({ ...shape, lora }, { ...loss, importanceSamplingLevel: 'sequence', lossType: 'grpo' }), optimizer }));
  out.push(['score', buildScoreGraph(shape, true)]);
  out.push(['score + hidden', buildScoreGraph(shape, true, { hidden: true })]);
  out.push(['score LoRA', buildScoreGraph({ ...shape, lora }, true)]);
  out.push(['score reference', buildScoreGraph(shape, false)]);
  for (const trainable of ['none', 'all', 'lora'] as const) {
    const src = { weights, trainable, ...(trainable === 'lora' ? { lora } : {}) };
    out.push([`prefill (${trainable})`, buildKvDecoder(config, src, 'prefill').graph]);
    out.push([`decode (${trainable})`, buildKvDecoder(config, src, 'decode').graph]);
    out.push([`loop greedy (${trainable})`, buildLoopDecoder(config, src, { mode: 'greedy' }).graph]);
  }
  out.push(['loop sample top-k/p', buildLoopDecoder(config, { weights }, { mode: 'sample', topK: true, topP: true }).graph]);
  out.push(['full logits (eval)', buildDecoder(config, weights, { positionIds: true, outputs: { logits: true } }).graph]);
  out.push(['For-Value features', buildDecoder(config, weights, { attentionMask: false, outputs: { logits: true, normedHidden: true } }).graph]);
  out.push(['prune importance', buildDecoder(config, weights, { layers: [1], attentionMask: false, outputs: { targetLogProbs: true, hiddenStates: true } }).graph]);
  return out;
}

/** Fallback counts this build achieves; a change that adds a host fallback must update these (and 0030). */
const EXPECTED_MAX: Record<Provider, number> = { cpu: 0, cuda: 0, webgpu: Number.POSITIVE_INFINITY };

describe('provider coverage of the engine graphs (ORT 1.30 kernel registrations)', () => {
  const table = new KernelTable();

  it('resolves opset versions and element types as ORT matches kernels (hand-checked against the lists)', () => {
    const g = new Graph('probe');
    const a = g.input('a', 'float16', [2, 2]);
    const b = g.input('b', 'float16', [2, 2]);
    op.matmul(a, b);
    const ids = g.input('ids', 'int64', [3]);
    op.gather(g.input('table', 'float32', [4, 2]), ids);
    const [mm, gather] = [g.nodes.find((n) => n.op === 'MatMul')!, g.nodes.find((n) => n.op === 'Gather')!];
    // MatMul: schema versions 1, 9, 13 → a model at opset 23 uses 13; Gather likewise 13.
    expect(table.resolvedVersion('kOnnxDomain', 'MatMul', 23)).toBe(13);
    expect(table.resolvedVersion('kOnnxDomain', 'Gather', 12)).toBe(11);
    // CPU registers MatMul for float (not MLFloat16); CUDA registers MLFloat16.
    expect(table.has('cpu', mm, 23)).toMatchObject({ ok: false, version: 13, type: 'MLFloat16' });
    expect(table.has('cuda', mm, 23).ok).toBe(true);
    expect(table.has('cpu', gather, 23).ok).toBe(true);
    // Cast is typed by its output.
    const cast = (op.cast(ids, 'float32'), g.nodes.at(-1)!);
    expect(table.has('cuda', cast, 23)).toMatchObject({ ok: true, type: 'float' });
  });

  it('every op the graphs use is known to the kernel lists (the check cannot silently pass)', () => {
    const unknown = new Set<string>();
    for (const mt of ['llama', 'qwen3'] as const) {
      for (const [, g] of engineGraphs(mt)) for (const { node } of allNodes(g)) if (table.resolvedVersion('kOnnxDomain', node.op, g.opset) === null) unknown.add(node.op);
    }
    expect([...unknown]).toEqual([]);
  });

  it('lists the nodes each provider would run on the host', () => {
    const found: Record<Provider, Fallback[]> = { cpu: [], cuda: [], webgpu: [] };
    const rows: string[] = [];
    let loopBodyNodes = 0;
    for (const mt of ['llama', 'qwen3'] as const) {
      for (const [name, g] of engineGraphs(mt)) {
        const nodes = allNodes(g);
        loopBodyNodes += nodes.filter((n) => n.inBody !== 'main').length;
        const counts = PROVIDERS.map((p) => {
          const f = fallbacks(table, p, g, `${mt} ${name}`);
          found[p].push(...f);
          return `${p} ${f.length}`;
        });
        rows.push(`${`${mt} ${name}`.padEnd(34)} nodes ${String(nodes.length).padStart(5)}  ${counts.join('  ')}`);
      }
    }
    const summary = (p: Provider) => {
      const byOp = new Map<string, number>();
      for (const f of found[p]) byOp.set(`${f.op}-${f.version}(${f.type})${f.inBody === 'main' ? '' : ' in Loop body'}`, (byOp.get(`${f.op}-${f.version}(${f.type})${f.inBody === 'main' ? '' : ' in Loop body'}`) ?? 0) + 1);
      return [...byOp].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
    };
    console.log(['host fallbacks per graph and provider:', ...rows, ...PROVIDERS.map((p) => `${p}: ${found[p].length} — ${summary(p)}`)].join('\n'));
    expect(loopBodyNodes).toBeGreaterThan(0); // the in-graph decode's body was walked
    for (const p of PROVIDERS) expect(found[p].length, `${p}: ${summary(p)}`).toBeLessThanOrEqual(EXPECTED_MAX[p]);
  });
});
