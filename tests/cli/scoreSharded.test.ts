/**
 * `benchtop score` (child process, `node bin/benchtop.mjs score …`) on a model folder laid out as
 * `transformers` saves a bf16 model: model.safetensors.index.json plus two BF16 shards. The test
 * writes the folder itself — its own BF16 rounding (nearest of the two neighbouring bf16 values,
 * ties to even) and its own safetensors bytes — and checks the CLI's log-probs against the float64
 * plain-JS reference decoder run on the same bf16-rounded weights. The engine computes in float32
 * on weights that bf16 → f32 widens exactly, so only float32 rounding separates the two: the
 * tolerance is 1e-4 per log-prob. Broken folders fail with the file at fault named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cliProcess';
import { mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDecoderConfig } from '../../src/engine/model/config';
import { initDecoderWeights } from '../../src/engine/model/init';
import { charTokenizerFiles, tokenizerFromJson } from '../../src/engine/model/tokenizer';
import { tensorsFromWeights, type DecoderWeights } from '../../src/engine/model/weights';
import { referenceForward } from '../engine/model/referenceDecoder';
import { tempDir } from '../core/support/backend';


const files = charTokenizerFiles();
const tok = tokenizerFromJson(files.json, files.config);
const CONFIG_JSON = {
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: tok.vocabSize, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4,
  num_key_value_heads: 2, intermediate_size: 48, max_position_embeddings: 64, rope_theta: 1000, rms_norm_eps: 1e-6, tie_word_embeddings: false,
  bos_token_id: tok.bosId, eos_token_id: tok.eosId, pad_token_id: tok.padId, torch_dtype: 'bfloat16',
};
const config = parseDecoderConfig('config.json', CONFIG_JSON);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const widen = (bits: number): number => {
  u32[0] = bits << 16;
  return f32[0]!;
};
/** bf16 bits of x: whichever of the two bf16 values around x is nearer (ties: even mantissa). */
function toBf16(x: number): number {
  f32[0] = x;
  const lo = u32[0]! >>> 16; // truncation: toward zero
  const hi = lo + 1; // next bf16 away from zero
  const dLo = Math.abs(x - widen(lo));
  const dHi = Math.abs(widen(hi) - x);
  return dLo < dHi || (dLo === dHi && lo % 2 === 0) ? lo : hi;
}

/** One safetensors file: u64 LE header length, JSON header, then the tensors' bytes in order. */
function safetensorsBytes(tensors: [string, number[], Uint16Array][]): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape, bits] of tensors) {
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bits.length * 2] };
    offset += bits.length * 2;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // safetensors pads the header with spaces
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const data = Buffer.alloc(offset);
  let at = 0;
  for (const [, , bits] of tensors) for (const b of bits) at = data.writeUInt16LE(b, at);
  return Buffer.concat([head, Buffer.from(json), data]);
}

/** Write the folder; returns the bf16-rounded weights (as the reference sees them). */
function writeShardedBf16Folder(dir: string): DecoderWeights {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG_JSON));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(files.config));
  // std 0.3 so the logits depend on every weight well beyond float error.
  const weights = initDecoderWeights(config, 11, 0.3);
  const all = tensorsFromWeights(config, weights).map(([name, t]): [string, number[], Uint16Array] => {
    const bits = Uint16Array.from(t.data, toBf16);
    t.data.forEach((_, i, a) => (a[i] = widen(bits[i]!))); // the reference reads the rounded values
    return [name, [...t.shape], bits];
  });
  expect(all.some(([n]) => n.endsWith('q_proj.bias'))).toBe(true);
  // Two shards as save_pretrained names them: layer 0 and the embedding in the first, the rest in the second.
  const first = all.filter(([n]) => n.startsWith('model.embed') || n.startsWith('model.layers.0.'));
  const second = all.filter((e) => !first.includes(e));
  const shards: [string, typeof all][] = [
    ['model-00001-of-00002.safetensors', first],
    ['model-00002-of-00002.safetensors', second],
  ];
  const weightMap: Record<string, string> = {};
  for (const [file, list] of shards) {
    writeFileSync(join(dir, file), safetensorsBytes(list));
    for (const [name] of list) weightMap[name] = file;
  }
  const total = all.reduce((s, [, , b]) => s + b.length * 2, 0);
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }));
  return weights;
}

let home: { dir: string; cleanup(): void };
let modelDir: string;
let weights: DecoderWeights;
beforeAll(() => {
  home = tempDir('benchtop-score-bf16-');
  modelDir = join(home.dir, 'model');
  weights = writeShardedBf16Folder(modelDir);
});
afterAll(() => home.cleanup());

function cli(args: string[]) {
  return runCli(home.dir, args);
}

/** Reference log p(ids[t] | ids[<t]) for t ≥ 1, float64. */
function refLogprobs(ids: number[]): number[] {
  const logits = referenceForward(config, weights, [ids]).logits[0]!;
  return ids.slice(1).map((id, t) => {
    const row = logits[t]!;
    const m = Math.max(...row);
    return row[id]! - m - Math.log(row.reduce((z, v) => z + Math.exp(v - m), 0));
  });
}

/** A copy of the folder to break. */
function copyFolder(name: string): string {
  const dir = join(home.dir, name);
  mkdirSync(dir);
  for (const f of readdirSync(modelDir)) copyFileSync(join(modelDir, f), join(dir, f));
  return dir;
}

describe('benchtop score on a sharded bf16 folder', () => {
  it('log-probs equal the float64 reference on the bf16-rounded weights (≤ 1e-4)', async () => {
    const input = join(home.dir, 'in.jsonl');
    writeFileSync(input, ['{"text": "The cat sat on the mat."}', '{"prompt": "12+30=", "completion": "42"}', '{"text": "(a+b)*c"}'].join('\n') + '\n');
    const r = await cli(['score', '--model', modelDir, '--input', input, '--batch-size', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tokens: number[]; logprobs: (number | null)[] });
    expect(lines.map((l) => l.tokens)).toEqual([
      [tok.bosId, ...tok.encode('The cat sat on the mat.')],
      [tok.bosId, ...tok.encode('12+30='), ...tok.encode('42')],
      [tok.bosId, ...tok.encode('(a+b)*c')],
    ]);
    let worst = 0;
    for (const l of lines) {
      expect(l.logprobs[0]).toBeNull();
      refLogprobs(l.tokens).forEach((v, i) => (worst = Math.max(worst, Math.abs((l.logprobs[i + 1] as number) - v))));
    }
    console.log(`bf16 sharded score: max |CLI − reference| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    // The rounding mattered: the same model in full float32 scores differently.
    const unrounded = initDecoderWeights(config, 11, 0.3);
    const full = referenceForward(config, unrounded, [lines[0]!.tokens]).logits[0]!;
    const rounded = referenceForward(config, weights, [lines[0]!.tokens]).logits[0]!;
    expect(Math.max(...full.map((row, t) => Math.max(...row.map((v, k) => Math.abs(v - rounded[t]![k]!)))))).toBeGreaterThan(1e-3);
  });

  it('a truncated shard or an index naming a missing shard fails, naming the file', async () => {
    const input = join(home.dir, 'one.jsonl');
    writeFileSync(input, '{"text": "hi"}\n');

    const cut = copyFolder('truncated');
    const shard = join(cut, 'model-00002-of-00002.safetensors');
    truncateSync(shard, statSync(shard).size - 10);
    const a = await cli(['score', '--model', cut, '--input', input]);
    expect(a.code).toBe(1);
    expect(a.stdout).toBe('');
    expect(a.stderr).toContain(`${shard}: tensor `);
    expect(a.stderr).toMatch(/lie outside the data section of \d+ bytes \(file truncated\?\)/);

    const missing = copyFolder('missing');
    rmSync(join(missing, 'model-00001-of-00002.safetensors'));
    const b = await cli(['score', '--model', missing, '--input', input]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`${join(missing, 'model.safetensors.index.json')}: lists shard 'model-00001-of-00002.safetensors'`);
    expect(b.stderr).toContain('does not exist');

    const badIndex = copyFolder('bad-index');
    writeFileSync(join(badIndex, 'model.safetensors.index.json'), readFileSync(join(badIndex, 'model.safetensors.index.json'), 'utf8').replace('"weight_map"', '"weights"'));
    const c = await cli(['score', '--model', badIndex, '--input', input]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`${join(badIndex, 'model.safetensors.index.json')}: missing key 'weight_map'`);
  });
});
