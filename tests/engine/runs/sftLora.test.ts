/**
 * The sft executor with lora.enabled on a frozen random base: only the adapters train (the count
 * logged matches the shapes worked out by hand), the completion loss falls far, the base folder is
 * untouched, the saved PEFT adapter + merged HF folder agree — the merged folder's untargeted
 * tensors are the base's bit for bit, its targeted ones are W + (alpha/r)·B·A computed here from the
 * saved adapter, and its logits equal the base model run with the saved adapters in the graph; a
 * run resumed from an adapter checkpoint repeats the losses and ends on the same adapter.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSessionCache, openSession, serialize } from '../../../src/engine/onnx';
import { buildDecoder } from '../../../src/engine/model/decoder';
import { initModelFolder, loadModelFolder, saveModelFolder } from '../../../src/engine/model/folder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { loraTensorNames, type LoraTarget } from '../../../src/engine/model/lora';
import { readSafetensors } from '../../../src/engine/model/safetensors';
import { tensorsFromWeights, type Tensor32 } from '../../../src/engine/model/weights';
import { runSft } from '../../../src/engine/sft/run';
import { recordingContext, tempDir, type Recorded } from './recordingContext';

let root: { dir: string; cleanup: () => void };
let base: string;
const hashDir = (dir: string) => ['model.safetensors', 'config.json'].map((f) => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')).join();
beforeAll(async () => {
  root = tempDir('benchtop-sft-lora-');
  base = join(root.dir, 'base');
  await initModelFolder({
    config: { model_type: 'qwen2', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 32 },
    outDir: base,
    seed: 2,
  });
  // A random base with a usable output layer: at the default init (std 0.02) the tied head can
  // only produce logits within ±0.7 whatever the hidden state, a ceiling no adapter on the
  // projections can lift, so the base gets std 0.3 weights instead (still random and frozen).
  const f = await loadModelFolder(base);
  await saveModelFolder(base, { config: f.config, weights: initDecoderWeights(f.config, 3, 0.3), tokenizer: { json: f.tokenizer.json, configJson: f.tokenizer.configJson }, generationConfig: f.generationConfig });
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

const TARGETS: LoraTarget[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];
const HF_KEY = { q: 'self_attn.q_proj', k: 'self_attn.k_proj', v: 'self_attn.v_proj', o: 'self_attn.o_proj', gate: 'mlp.gate_proj', up: 'mlp.up_proj', down: 'mlp.down_proj' };

const CONFIG = () => ({
  kind: 'sft',
  seed: 1,
  model: base,
  data: { tasks: [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }], seq_len: 16 },
  lora: { enabled: true, r: 8, alpha: 16, target_modules: TARGETS },
  training: { max_steps: 80, batch_size: 16, learning_rate: 1e-2, warmup_steps: 5, lr_scheduler_type: 'constant_with_warmup', log_every: 1, checkpoint_every: 40 },
  output_dir: 'finetuned',
});
let full: Recorded;

describe('sft executor with LoRA', () => {
  it('trains only the adapters: loss falls, base untouched, adapter + merged folder agree', async () => {
    const before = hashDir(base);
    const r = recordingContext(CONFIG(), root.dir);
    full = r;
    await runSft(r.ctx);
    expect(r.checkpoints.map((c) => c.step)).toEqual([40]);

    // hidden 32, 4 heads → head_dim 8, q/o width 32, k/v width 16, mlp 64; r = 8; two layers:
    // q 8·32+32·8, k 8·32+16·8, v 8·32+16·8, o 8·32+32·8, gate/up 8·32+64·8, down 8·64+32·8
    const perLayer = 512 + 384 + 384 + 512 + 768 + 768 + 768;
    expect(r.series('train/trainable_parameters')).toEqual([[0, 2 * perLayer]]);

    const loss = r.series('train/loss');
    expect(loss).toHaveLength(80);
    const first = loss[0]![1];
    const tail = loss.slice(-10).reduce((s, [, v]) => s + v, 0) / 10;
    console.log(`sft LoRA loss ${[1, 20, 40, 60, 80].map((s) => `${s}:${loss[s - 1]![1].toFixed(3)}`).join(' ')}`);
    expect(tail).toBeLessThan(0.3 * first);

    expect(hashDir(base)).toBe(before);
    const out = join(root.dir, 'finetuned');
    expect(r.artifacts).toContainEqual({ path: join(out, 'config.json'), kind: 'model' });
    expect(r.artifacts).toContainEqual({ path: join(out, 'adapter', 'adapter_config.json'), kind: 'lora-adapter' });
    const cfg = JSON.parse(readFileSync(join(out, 'adapter', 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], base_model_name_or_path: base });
    const { tensors } = await readSafetensors(join(out, 'adapter', 'adapter_model.safetensors'));
    expect(tensors.size).toBe(2 * 2 * TARGETS.length);

    const baseF = await loadModelFolder(base);
    const merged = await loadModelFolder(out);
    const baseT = new Map(tensorsFromWeights(baseF.config, baseF.weights));
    const mergedT = new Map(tensorsFromWeights(merged.config, merged.weights));
    let moved = 0;
    for (const [name, t] of baseT) {
      const m = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(name);
      const target = m ? TARGETS.find((k) => HF_KEY[k] === m[2]) : undefined;
      if (!target) {
        expect(mergedT.get(name)!.data, name).toEqual(t.data);
        continue;
      }
      const { a, b } = loraTensorNames(Number(m![1]), target);
      const A = tensors.get(a)!.data as Float32Array;
      const Bm = tensors.get(b)!.data as Float32Array;
      const [O, I] = t.shape as [number, number];
      const got = mergedT.get(name)!.data;
      for (let o = 0; o < O; o++) for (let k = 0; k < I; k++) {
        let s = 0;
        for (let j = 0; j < 8; j++) s += Bm[o * 8 + j]! * A[j * I + k]!;
        const want = t.data[o * I + k]! + 2 * s;
        expect(Math.abs(got[o * I + k]! - want)).toBeLessThan(1e-6);
        moved = Math.max(moved, Math.abs(2 * s));
      }
    }
    expect(moved).toBeGreaterThan(1e-3); // the adapters did train

    // Merged folder vs base + the saved adapters in the graph: same logits.
    const ids = { data: BigInt64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], BigInt), dims: [2, 6] };
    const opts = { batch: 2, seqLen: 6, attentionMask: false } as const;
    const adapters = new Map<string, Tensor32>([...tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }]));
    const s1 = await openSession(serialize(buildDecoder(merged.config, merged.weights, opts).graph), { executionProvider: 'cpu', threads: 1 });
    const s2 = await openSession(serialize(buildDecoder(baseF.config, baseF.weights, { ...opts, lora: { r: 8, alpha: 16, targets: TARGETS, adapters } }).graph), { executionProvider: 'cpu', threads: 1 });
    const l1 = (await s1.run({ input_ids: ids })).logits!.data as Float32Array;
    const l2 = (await s2.run({ input_ids: ids })).logits!.data as Float32Array;
    let diff = 0;
    for (let i = 0; i < l1.length; i++) diff = Math.max(diff, Math.abs(l1[i]! - l2[i]!));
    console.log(`merged folder vs base+adapters logits: max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(r.last('eval/arithmetic/accuracy')).toBeGreaterThanOrEqual(0);
  });

  it('resumes from an adapter checkpoint with the same losses and the same final adapter', async () => {
    const dir = join(root.dir, 'resumed');
    mkdirSync(dir);
    const ck = full.checkpoints.find((c) => c.step === 40)!;
    const r = recordingContext(CONFIG(), dir, { resumeFrom: ck });
    await runSft(r.ctx);
    const resumed = r.series('train/loss');
    expect(resumed.map(([s]) => s)).toEqual(Array.from({ length: 40 }, (_, i) => 41 + i));
    const want = new Map(full.series('train/loss'));
    for (const [s, v] of resumed) expect(v, `loss at step ${s}`).toBe(want.get(s));
    const a = await readSafetensors(join(root.dir, 'finetuned', 'adapter', 'adapter_model.safetensors'));
    const b = await readSafetensors(join(dir, 'finetuned', 'adapter', 'adapter_model.safetensors'));
    for (const [n, t] of a.tensors) expect(b.tensors.get(n)!.data, n).toEqual(t.data);
  });
});
