/**
 * Generation inside one graph (ARCHITECTURE.md, "The compute engine", Generation): the prefill,
 * then an ONNX Loop whose carried state is the newest token, the attention mask, the position,
 * which rows have finished, and the per-layer KV cache (grown by Concat each trip). One
 * `session.run` generates a whole batch, so the cache never crosses into JS.
 *
 *   inputs:  input_ids, attention_mask, position_ids [B, T] (left-padded, as kvDecoder.ts),
 *            max_new_tokens int64 [] (≥ 1), budget int64 [B] (new tokens each row may make),
 *            eos_ids int64 [E] (−1 entries never match), pad_id int64 [],
 *            sampling only: temperature float32 [], uniforms float32 [max_new_tokens, B],
 *            top_k int64 [] / top_p float32 [] when the graph has those stages,
 *            and the trainable state (kvDecoder.ts GenerationWeights)
 *   outputs: tokens int64 [N, B], logprobs float32 [N, B], N ≤ max_new_tokens
 *
 * A row finishes at an EOS id or when it has made `budget` tokens; after that its entries are
 * pad_id / 0. The loop exits when every row has finished. Tokens are chosen by graphSampler.ts
 * (greedy, or the JS sampler's inverse-CDF draw with fed uniforms). Log-probs are of the raw
 * logits, before temperature, as the JS loop reports them. Stop strings are text, not tokens:
 * the caller cuts at them (generate.ts), the graph runs those rows to EOS or budget.
 */
import { Graph, op, type Tensor } from '../onnx';
import type { DecoderConfig } from '../model/config';
import { checkLayers } from '../model/decoderLayer';
import { greedyToken, sampledToken, tokenLogProb, type GraphSamplerInputs } from './graphSampler';
import { decoderStep, generationReader, type GenerationWeights } from './kvDecoder';

export interface LoopSampling {
  /** 'greedy' (ArgMax) or 'sample' (temperature, fed uniforms). */
  mode: 'greedy' | 'sample';
  /** With 'sample': a top-k stage (input top_k). */
  topK?: boolean;
  /** With 'sample': a top-p stage (input top_p). */
  topP?: boolean;
}

export const LOOP_OUTPUTS = { tokens: 'tokens', logprobs: 'logprobs' } as const;

export function buildLoopDecoder(c: DecoderConfig, src: GenerationWeights, sampling: LoopSampling): { graph: Graph; stateInputs: string[] } {
  const g = new Graph(`${c.model_type}-loop-${sampling.mode}`, { opset: 21 });
  const layers = checkLayers(c, src.layers, 'generation graph');
  const r = generationReader(g, c, src);
  const inputIds = g.input('input_ids', 'int64', ['B', 'T']);
  const attentionMask = g.input('attention_mask', 'int64', ['B', 'T']);
  const positionIds = g.input('position_ids', 'int64', ['B', 'T']);
  const maxNew = g.input('max_new_tokens', 'int64', []);
  const budget = g.input('budget', 'int64', ['B']);
  const eosIds = g.input('eos_ids', 'int64', ['E']);
  const padId = g.input('pad_id', 'int64', []);
  const sampled = sampling.mode === 'sample';
  const uniforms = sampled ? g.input('uniforms', 'float32', ['N', 'B']) : null;
  const knobs: GraphSamplerInputs | null = sampled
    ? {
        temperature: g.input('temperature', 'float32', []),
        topK: sampling.topK ? g.input('top_k', 'int64', []) : null,
        topP: sampling.topP ? g.input('top_p', 'float32', []) : null,
      }
    : null;

  /** Token n of every row, chosen from `logits`; `n` is an int64 scalar tensor. */
  const choose = (logits: Tensor, n: Tensor): Tensor => (knobs ? sampledToken(logits, op.gather(uniforms!, n, 0), knobs) : greedyToken(logits));
  const isEos = (tok: Tensor): Tensor => op.greater(op.reduceMax(op.cast(op.equal(op.unsqueeze(tok, [1]), eosIds), 'float32'), 1), 0);
  const anyLeft = (done: Tensor): Tensor => op.greater(op.reduceMax(op.cast(op.not(done), 'float32')), 0);
  /** Emit token n (made = n + 1 tokens so far): masked entries for finished rows, the new done flags. */
  const emit = (logits: Tensor, tok: Tensor, doneBefore: Tensor, made: Tensor) => ({
    token: op.where(doneBefore, padId, tok),
    logprob: op.where(doneBefore, 0, tokenLogProb(logits, tok)),
    done: op.or(op.or(doneBefore, isEos(tok)), op.greaterOrEqual(made, budget)),
  });

  const zero = g.constant(0, 'int64');
  const first = decoderStep(g, c, r, layers, { inputIds, attentionMask, positionIds, past: null });
  const tok0 = choose(first.logits, zero); // [B]
  const e0 = emit(first.logits, tok0, op.lessOrEqual(budget, 0), g.constant(1, 'int64'));
  const pos0 = op.reduceSum(attentionMask, 1, true); // real tokens so far = position of tok0

  const body = g.subgraph('decode_step');
  const trip = body.input('trip', 'int64', []);
  body.input('cond_in', 'bool', []);
  const tokIn = body.input('tok_in', 'int64', ['B']);
  const maskIn = body.input('mask_in', 'int64', ['B', 'P']);
  const posIn = body.input('pos_in', 'int64', ['B', 1]);
  const doneIn = body.input('done_in', 'bool', ['B']);
  const past = layers.map((_, k) => ({
    key: body.input(`loop_past.${k}.key`, 'float32', ['B', c.num_key_value_heads, 'P', c.head_dim]),
    value: body.input(`loop_past.${k}.value`, 'float32', ['B', c.num_key_value_heads, 'P', c.head_dim]),
  }));
  const tok2 = op.unsqueeze(tokIn, [1]);
  const mask = op.concat([maskIn, op.onesLike(tok2)], 1);
  // the body reads the weights through identities of its own, so the ops on them (nn.linear's
  // Transpose) run inside the body, where onnxruntime folds them into the MatMul, instead of
  // once before the loop as transposed copies held for the whole generation (decision 0047)
  const step = decoderStep(body, c, r.within(body), layers, { inputIds: tok2, attentionMask: mask, positionIds: posIn, past });
  const n = op.add(trip, 1); // index of the token this trip chooses
  const next = choose(step.logits, n);
  const e = emit(step.logits, next, doneIn, op.add(n, 1));
  body.output(anyLeft(e.done), 'cond_out');
  body.output(next, 'tok_out');
  body.output(mask, 'mask_out');
  body.output(op.add(posIn, 1), 'pos_out');
  body.output(e.done, 'done_out');
  step.present.forEach((p, k) => {
    body.output(p.key, `loop_present.${k}.key`);
    body.output(p.value, `loop_present.${k}.value`);
  });
  body.output(e.token, 'token');
  body.output(e.logprob, 'logprob');

  const carried = [tok0, attentionMask, pos0, e0.done, ...first.present.flatMap((p) => [p.key, p.value])];
  const outs = op.loop({ body, carried, maxTrips: op.sub(maxNew, 1), cond: anyLeft(e0.done) });
  const scanTokens = outs[carried.length]!; // [trips, B]
  const scanLogprobs = outs[carried.length + 1]!;
  g.output(op.concat([op.unsqueeze(e0.token, [0]), scanTokens], 0), LOOP_OUTPUTS.tokens);
  g.output(op.concat([op.unsqueeze(e0.logprob, [0]), scanLogprobs], 0), LOOP_OUTPUTS.logprobs);
  return { graph: g, stateInputs: [...r.trainable.keys()] };
}
