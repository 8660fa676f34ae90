/**
 * The training step's loss for a whole decoder: buildDecoder with every weight trainable, then
 * masked next-token cross-entropy over `labels` (−100 = ignored, the HF convention that
 * src/engine/data/batches.ts writes), through the chunked LM head (src/engine/onnx/chunkedHead.ts).
 *
 * compileTrainStep makes the parameter inputs itself (named by their HF tensor names) and hands
 * them to the loss builder; buildDecoder reads exactly those tensors (`weightTensors`), so the
 * gradient is taken of what the decoder computes with.
 * With a LoRA spec the base weights are frozen initializers and only the adapters are parameters.
 */
import { chunkedTokenStats, nn } from '../onnx';
import type { LossBuilder, TrainableParam } from '../optim';
import { buildDecoder } from '../model/decoder';
import type { DecoderConfig } from '../model/config';
import { tensorsFromWeights, type DecoderWeights } from '../model/weights';
import { loraTensorShapes, type LoraSpec } from '../model/lora';

/** Every tensor of the model as a trainable parameter; norms and biases get no weight decay (as HF Trainer). */
export function decoderParams(config: DecoderConfig, weights: DecoderWeights): TrainableParam[] {
  return tensorsFromWeights(config, weights).map(([name, t]) => ({
    name,
    shape: [...t.shape],
    weightDecay: !(name.endsWith('norm.weight') || name.endsWith('.bias')),
  }));
}

/** The LoRA adapters as the trainable parameters (weight decay on, as HF Trainer does for lora_A/B). */
export function loraParams(config: DecoderConfig, spec: LoraSpec): TrainableParam[] {
  return loraTensorShapes(config, spec).map(({ name, shape }) => ({ name, shape, weightDecay: true }));
}

/**
 * Loss builder for `compileTrainStep`: data inputs `input_ids` and `labels`, int64 [batch, seqLen].
 * Right padding needs no attention mask: with a causal mask no real token attends to a later pad.
 */
export function decoderLossBuilder(config: DecoderConfig, weights: DecoderWeights, batch: number, seqLen: number, lora?: LoraSpec): LossBuilder {
  return (g, params) => {
    const d = buildDecoder(config, weights, {
      graph: g,
      // Full training: every weight is a parameter. LoRA: the base weights are frozen
      // initializers and the adapters are the parameters.
      weightTensors: params,
      ...(lora ? { lora: { r: lora.r, alpha: lora.alpha, targets: lora.targets } } : {}),
      batch,
      seqLen,
      attentionMask: false,
      outputs: {},
    });
    const labels = g.input('labels', 'int64', [batch, seqLen]);
    // the chunked LM head: per-token log-probs without the [batch, seqLen, vocab] logits
    return nn.maskedMeanNll(chunkedTokenStats(d.tensors.normedHidden, d.tensors.headWeight, labels).logprobs, labels);
  };
}
