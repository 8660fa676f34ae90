/**
 * The decoder graph against the independent float64 reference (referenceDecoder.ts): logits,
 * hidden states, target log-probs and entropy for Llama, Qwen2 (q/k/v bias, tied head) and Qwen3
 * (q/k RMSNorm, head_dim ≠ hidden/heads); a pruned build against the reference run on the kept
 * layers only; and whole-model gradients from the builder's autodiff against central finite
 * differences of the reference loss.
 */
import { describe, expect, it } from 'vitest';
import { Graph, grad, nn, serialize, openSession, type Feed } from '../../../src/engine/onnx';
import { parseDecoderConfig, type DecoderConfig } from '../../../src/engine/model/config';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights, type DecoderWeights } from '../../../src/engine/model/weights';
import { createRng } from '../../../src/engine/random';
import { referenceForward } from './referenceDecoder';

const base = { vocab_size: 32, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 24, rope_theta: 100 };
const VARIANTS: Record<string, Record<string, unknown>> = {
  llama: { ...base, model_type: 'llama' },
  qwen2: { ...base, model_type: 'qwen2', tie_word_embeddings: true },
  qwen3: { ...base, model_type: 'qwen3', head_dim: 8 },
};

/** Weights large enough that every part matters: N(0, 0.3²) matrices, norms 1 ± 0.3, biases ±0.2. */
function weightsFor(c: DecoderConfig, seed: number): DecoderWeights {
  const w = initDecoderWeights(c, seed, 0.3);
  const rng = createRng(seed + 1000);
  for (const [name, t] of tensorsFromWeights(c, w)) {
    if (name.endsWith('norm.weight')) t.data.forEach((_, i, a) => (a[i] = 1 + 0.3 * rng.normal()));
    if (name.endsWith('.bias')) t.data.forEach((_, i, a) => (a[i] = 0.2 * rng.normal()));
  }
  return w;
}

const IDS = [
  [1, 5, 9, 30, 2, 7],
  [3, 3, 17, 8, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0],
];
const TARGETS = [
  [5, 9, 30, 2, 7, 11],
  [3, 17, 8, 4, 0, 0],
];
const B = 2;
const T = 6;
const i64 = (rows: number[][]) => BigInt64Array.from(rows.flat(), (v) => BigInt(v));
const feedsFor = (extra: Feed = {}): Feed => ({
  input_ids: { data: i64(IDS), dims: [B, T] },
  attention_mask: { data: i64(MASK), dims: [B, T] },
  ...extra,
});

function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!));
  return m;
}
const flat3 = (x: Float64Array[][]) => x.flatMap((row) => row.flatMap((v) => [...v]));

function logSoftmaxAt(row: Float64Array, k: number): number {
  const m = Math.max(...row);
  const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
  return row[k]! - m - Math.log(z);
}

describe('decoder graph vs plain-JS reference', () => {
  for (const [arch, json] of Object.entries(VARIANTS)) {
    it(`${arch}: logits, hidden states, normed hidden, target log-probs and entropy agree to 1e-4`, async () => {
      const c = parseDecoderConfig('config.json', json);
      const w = weightsFor(c, 11);
      const d = buildDecoder(c, w, {
        batch: B,
        seqLen: 'T',
        outputs: { logits: true, targetLogProbs: true, entropy: true, hiddenStates: true, normedHidden: true },
      });
      const s = await openSession(serialize(d.graph), { executionProvider: 'cpu', threads: 1 });
      const out = await s.run(feedsFor({ target_ids: { data: i64(TARGETS), dims: [B, T] } }));
      const ref = referenceForward(c, w, IDS, { mask: MASK });

      expect(maxAbsDiff(out.logits!.data as Float32Array, flat3(ref.logits))).toBeLessThan(1e-4);
      expect(maxAbsDiff(out.normed_hidden!.data as Float32Array, flat3(ref.normed))).toBeLessThan(1e-4);
      expect(maxAbsDiff(out['hidden_states.0']!.data as Float32Array, flat3(ref.hidden[0]!))).toBeLessThan(1e-4);
      expect(maxAbsDiff(out['hidden_states.1']!.data as Float32Array, flat3(ref.hidden[1]!))).toBeLessThan(1e-4);
      const embedRows = IDS.flatMap((row) => row.flatMap((id) => [...w.embed.data.subarray(id * 16, id * 16 + 16)]));
      expect(maxAbsDiff(out['hidden_states.embed']!.data as Float32Array, embedRows)).toBe(0);

      const lp = ref.logits.flatMap((row, b) => row.map((l, t) => logSoftmaxAt(l, TARGETS[b]![t]!)));
      expect(maxAbsDiff(out.target_logprobs!.data as Float32Array, lp)).toBeLessThan(1e-4);
      const ent = ref.logits.flatMap((row) =>
        row.map((l) => -[...l].reduce((s, _, k) => s + Math.exp(logSoftmaxAt(l, k)) * logSoftmaxAt(l, k), 0)),
      );
      expect(maxAbsDiff(out.entropy!.data as Float32Array, ent)).toBeLessThan(1e-4);
      // The comparison is not vacuous: logits vary across positions by far more than the tolerance.
      const lg = out.logits!.data as Float32Array;
      expect(Math.max(...lg) - Math.min(...lg)).toBeGreaterThan(1);
      await s.release();
    });
  }

  it('a pruned build equals the reference run on the kept layers only; trainable inputs give the same logits', async () => {
    const c = parseDecoderConfig('config.json', { ...VARIANTS.qwen2, num_hidden_layers: 3 });
    const w = weightsFor(c, 5);
    for (const layers of [[0, 2], [1], [2, 0]]) {
      const d = buildDecoder(c, w, { layers, batch: B, seqLen: T });
      const names = [...d.graph.initializers.keys()];
      for (let i = 0; i < 3; i++) expect(names.some((n) => n.startsWith(`model.layers.${i}.`))).toBe(layers.includes(i));
      const s = await openSession(serialize(d.graph), { executionProvider: 'cpu', threads: 1 });
      const out = await s.run(feedsFor());
      const ref = referenceForward(c, w, IDS, { mask: MASK, layers });
      expect(maxAbsDiff(out.logits!.data as Float32Array, flat3(ref.logits))).toBeLessThan(1e-4);
      await s.release();
    }
    // Same model with every weight as a graph input.
    const d = buildDecoder(c, w, { layers: [0, 2], batch: B, seqLen: T, trainable: 'all' });
    expect(d.graph.initializers.has('model.embed_tokens.weight')).toBe(false);
    expect([...d.trainable.keys()].some((n) => n.startsWith('model.layers.1.'))).toBe(false);
    const byName = new Map(tensorsFromWeights(c, w));
    const feeds = feedsFor();
    for (const name of d.trainable.keys()) feeds[name] = byName.get(name)!.data;
    const s = await openSession(serialize(d.graph), { executionProvider: 'cpu', threads: 1 });
    const out = await s.run(feeds);
    const ref = referenceForward(c, w, IDS, { mask: MASK, layers: [0, 2] });
    expect(maxAbsDiff(out.logits!.data as Float32Array, flat3(ref.logits))).toBeLessThan(1e-4);
    await s.release();
  });

  it('ready-made weight tensors are read instead of the weights given to the build', async () => {
    const c = parseDecoderConfig('config.json', VARIANTS.qwen2);
    const real = weightsFor(c, 5);
    const decoy = weightsFor(c, 6); // what the initializers would hold
    const realByName = new Map(tensorsFromWeights(c, real));
    const g = new Graph('ready-made');
    // Some weights as inputs under other names (as a caller such as compileTrainStep makes them).
    const mine = [...realByName.keys()].filter((n) => /layers\.1\.|embed_tokens|q_proj\.bias/.test(n));
    const given = Object.fromEntries(mine.map((n) => [n, g.input(`p.${n}`, 'float32', realByName.get(n)!.shape)]));
    const d = buildDecoder(c, decoy, { graph: g, weightTensors: given, batch: B, seqLen: T });
    expect(d.trainable.size).toBe(0);
    for (const n of mine) expect(g.initializers.has(n)).toBe(false);
    const s = await openSession(serialize(g), { executionProvider: 'cpu', threads: 1 });
    const feeds = feedsFor();
    for (const n of mine) feeds[`p.${n}`] = realByName.get(n)!.data;
    const out = await s.run(feeds);
    // Reference: the real tensors where given, the decoy's elsewhere.
    const mixed = weightsFor(c, 6);
    const mixedByName = new Map(tensorsFromWeights(c, mixed));
    for (const n of mine) mixedByName.get(n)!.data.set(realByName.get(n)!.data);
    const ref = referenceForward(c, mixed, IDS, { mask: MASK });
    expect(maxAbsDiff(out.logits!.data as Float32Array, flat3(ref.logits))).toBeLessThan(1e-4);
    await s.release();

    const g2 = new Graph('bad');
    const embed = g2.input('e', 'float32', [c.vocab_size, c.hidden_size]);
    expect(() => buildDecoder(c, decoy, { graph: g2, weightTensors: { 'lm_head.weight': embed } })).toThrow(/'lm_head\.weight', which is no tensor of this model/);
    const gx = new Graph('x');
    expect(() => buildDecoder(c, decoy, { graph: gx, weightTensors: { 'model.norm.weight': gx.input('n', 'float32', [c.hidden_size + 1]) } })).toThrow(
      /weightTensors 'model\.norm\.weight' is float32 \[17\], the weight is float32 \[16\]/,
    );
    expect(() => buildDecoder(c, decoy, { graph: new Graph('y'), weightTensors: { 'model.embed_tokens.weight': embed } })).toThrow(/belongs to another graph/);
    const g3 = new Graph('pruned');
    const w1 = g3.input('w1', 'float32', [c.intermediate_size, c.hidden_size]);
    expect(() => buildDecoder(c, decoy, { graph: g3, layers: [0], weightTensors: { 'model.layers.1.mlp.up_proj.weight': w1 } })).toThrow(
      /weightTensors 'model\.layers\.1\.mlp\.up_proj\.weight' are not read by this build \(layers \[0\]\)/,
    );
  });

  it('left padding with position_ids: real tokens get exactly the logits of the unpadded sequence', async () => {
    const c = parseDecoderConfig('config.json', VARIANTS.qwen3);
    const w = weightsFor(c, 8);
    const d = buildDecoder(c, w, { batch: 2, seqLen: 'T', positionIds: true });
    const s = await openSession(serialize(d.graph), { executionProvider: 'cpu', threads: 1 });
    const ids = [
      [1, 5, 9, 30, 2, 7],
      [0, 0, 3, 3, 17, 8],
    ];
    const out = await s.run({
      input_ids: { data: i64(ids), dims: [2, 6] },
      attention_mask: { data: i64([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]]), dims: [2, 6] },
      position_ids: { data: i64([[0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 2, 3]]), dims: [2, 6] },
    });
    const logits = out.logits!.data as Float32Array;
    const alone = referenceForward(c, w, [[3, 3, 17, 8]]).logits[0]!;
    const V = c.vocab_size;
    const padded = Array.from(logits.subarray(6 * V + 2 * V, 12 * V));
    expect(maxAbsDiff(padded, alone.flatMap((v) => [...v]))).toBeLessThan(1e-4);
    const first = referenceForward(c, w, [ids[0]!]).logits[0]!;
    expect(maxAbsDiff(logits.subarray(0, 6 * V), first.flatMap((v) => [...v]))).toBeLessThan(1e-4);
    await s.release();
  });

  it('rejects layers that do not exist', () => {
    const c = parseDecoderConfig('config.json', VARIANTS.llama);
    const w = weightsFor(c, 1);
    expect(() => buildDecoder(c, w, { layers: [0, 2] })).toThrow(/layer 2 does not exist \(the model has layers 0–1\)/);
    expect(() => buildDecoder(c, w, { layers: [1, 1] })).toThrow(/lists a layer twice/);
    expect(() => buildDecoder(c, w, { trainable: ['model.layers.0.mlp.up_proj.weight', 'lm_head.bias'] })).toThrow(/trainable names no tensor of this model: lm_head\.bias/);
    // A subset as inputs: exactly those names become inputs, in build order.
    const d = buildDecoder(c, w, { trainable: (n) => n.includes('mlp.up_proj') });
    expect([...d.trainable.keys()]).toEqual(['model.layers.0.mlp.up_proj.weight', 'model.layers.1.mlp.up_proj.weight']);
    expect(d.graph.inputs.map((t) => t.name)).toEqual(['input_ids', 'attention_mask', 'model.layers.0.mlp.up_proj.weight', 'model.layers.1.mlp.up_proj.weight']);
  });
});

describe('decoder gradients', () => {
  /** Reference loss: mean cross-entropy over masked positions, in float64. */
  function refLoss(c: DecoderConfig, w: DecoderWeights): number {
    const ref = referenceForward(c, w, IDS, { mask: MASK });
    let s = 0;
    let n = 0;
    ref.logits.forEach((row, b) =>
      row.forEach((l, t) => {
        if (!MASK[b]![t]) return;
        s -= logSoftmaxAt(l, TARGETS[b]![t]!);
        n++;
      }),
    );
    return s / n;
  }

  for (const arch of ['llama', 'qwen2', 'qwen3']) {
    it(`${arch}: autodiff gradients of the cross-entropy match finite differences of the reference`, async () => {
      const c = parseDecoderConfig('config.json', VARIANTS[arch]!);
      const w = weightsFor(c, 23);
      const d = buildDecoder(c, w, { batch: B, seqLen: T, trainable: 'all', outputs: {} });
      const g = d.graph;
      const targets = g.input('labels', 'int64', [B, T]);
      const loss = nn.maskedCrossEntropy(d.tensors.logits, targets, d.inputs.attentionMask!);
      g.output(loss, 'loss');
      const names = [...d.trainable.keys()];
      const grads = grad(loss, names.map((n) => d.trainable.get(n)!));
      grads.forEach((gt, k) => g.output(gt, `grad.${names[k]}`));

      const byName = new Map(tensorsFromWeights(c, w));
      const feeds = feedsFor({ labels: { data: i64(TARGETS), dims: [B, T] } });
      for (const n of names) feeds[n] = byName.get(n)!.data;
      const s = await openSession(serialize(g), { executionProvider: 'cpu', threads: 1 });
      const out = await s.run(feeds);
      expect(Math.abs((out.loss!.data as Float32Array)[0]! - refLoss(c, w))).toBeLessThan(1e-5);

      // Sample entries across every kind of parameter; central differences in float64 through the
      // reference, dividing by the perturbation actually stored in float32.
      const rng = createRng(99);
      const picks = names.filter((n) => /embed|layers\.[01]\.(self_attn|mlp|input|post)|model\.norm|lm_head/.test(n));
      let checked = 0;
      for (const name of picks) {
        const t = byName.get(name)!;
        const gData = out[`grad.${name}`]!.data as Float32Array;
        for (let r = 0; r < 2; r++) {
          // For the embedding, pick rows of tokens that occur, else the gradient is trivially 0.
          const j = name === 'model.embed_tokens.weight' ? IDS[0]![r + 1]! * c.hidden_size + rng.nextInt(c.hidden_size) : rng.nextInt(t.data.length);
          const orig = t.data[j]!;
          t.data[j] = orig + 1e-3;
          const up = t.data[j]!;
          const lUp = refLoss(c, w);
          t.data[j] = orig - 1e-3;
          const down = t.data[j]!;
          const lDown = refLoss(c, w);
          t.data[j] = orig;
          const fd = (lUp - lDown) / (up - down);
          expect(Math.abs(gData[j]! - fd), `${name}[${j}]: autodiff ${gData[j]} vs FD ${fd}`).toBeLessThan(2e-4 + 2e-3 * Math.abs(fd));
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(2 * (arch === 'qwen2' ? 24 : arch === 'qwen3' ? 24 : 20));
      await s.release();
    });
  }
});
