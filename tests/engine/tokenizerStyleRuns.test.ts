/**
 * Every run kind on a tiny random model of each tokenizer style real checkpoints ship (Qwen:
 * byte-level BPE without BOS; Llama 3: byte-level BPE with BOS and two EOS ids; Llama 2 /
 * Mistral: SentencePiece-style BPE with byte fallback), with budgets of a few steps. The
 * tokenizer files are written by the test (tests/engine/model/tokenizerStyles.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExecutor } from '../../src/engine/executors';
import { initModelFolder, loadModelFolder, loadTokenizer } from '../../src/engine/model/folder';
import { clearSessionCache } from '../../src/engine/onnx';
import type { RunKind } from '../../src/shared/config';
import { recordingContext, tempDir, type Recorded } from './runs/recordingContext';
import { TOKENIZER_STYLES, writeTokenizerFolder } from './model/tokenizerStyles';

const SHAPE = { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 128 };
const TASK = [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }];
const TRAIN = { max_steps: 2, batch_size: 4, log_every: 1, learning_rate: 1e-3 };

const root = tempDir('benchtop-tokstyle-runs-');
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

let runs = 0;
async function run(kind: RunKind, config: Record<string, unknown>): Promise<{ r: Recorded; runDir: string }> {
  const runDir = join(root.dir, `run${++runs}`);
  mkdirSync(runDir);
  const r = recordingContext({ kind, seed: 1, ...config }, runDir);
  await (await loadExecutor(kind))(r.ctx);
  return { r, runDir };
}

for (const style of TOKENIZER_STYLES) {
  describe(`${style}-style tokenizer: every run kind`, () => {
    const model = join(root.dir, `${style}-model`);
    let vocab = 0;
    beforeAll(async () => {
      const files = writeTokenizerFolder(model, style);
      const tokenizer = await loadTokenizer(model);
      vocab = tokenizer.vocabSize;
      await initModelFolder({ config: { model_type: style === 'qwen' ? 'qwen2' : style === 'sentencepiece' ? 'mistral' : 'llama', ...SHAPE }, outDir: model, seed: 3, tokenizer });
      // Keep the checkpoint's own generation_config.json (several EOS ids) as a real folder has it.
      writeFileSync(join(model, 'generation_config.json'), JSON.stringify(files.generation));
    });

    it('pretrain with this tokenizer: the loss starts at ln(vocab); the saved folder keeps its conventions', async () => {
      const { r, runDir } = await run('pretrain', { tokenizer: model, model: { architecture: 'llama', ...SHAPE }, data: { tasks: TASK, seq_len: 64 }, training: TRAIN });
      const loss = r.series('train/loss');
      expect(loss).toHaveLength(2);
      expect(Math.abs(loss[0]![1] - Math.log(vocab))).toBeLessThan(0.15);
      const saved = await loadModelFolder(join(runDir, 'model'));
      const original = await loadTokenizer(model);
      expect([saved.tokenizer.bosId, saved.tokenizer.eosId, saved.tokenizer.addBos]).toEqual([original.bosId, original.eosId, original.addBos]);
      expect([...saved.tokenizer.eosIds].sort()).toEqual([...original.eosIds].sort());
      expect(r.last('eval/arithmetic/accuracy')).toBeGreaterThanOrEqual(0);
    });

    it('sft (LoRA, completion-only loss) trains and saves', async () => {
      const { r, runDir } = await run('sft', { model, data: { tasks: TASK, seq_len: 64 }, training: TRAIN, output_dir: 'out' });
      const loss = r.series('train/loss');
      expect(loss).toHaveLength(2);
      expect(Math.abs(loss[0]![1] - Math.log(vocab))).toBeLessThan(0.15);
      expect((await loadModelFolder(join(runDir, 'out'))).tokenizer.eosId).toBe((await loadTokenizer(model)).eosId);
    });

    it('eval, in chat and plain prompt formats', async () => {
      for (const prompt_format of ['chat', 'plain']) {
        const { r } = await run('eval', { model, prompt_format, tasks: TASK, num_examples: 4, max_new_tokens: 4, batch_size: 4 });
        expect(r.last('eval/arithmetic/accuracy')).toBeGreaterThanOrEqual(0);
        expect(r.samples).toHaveLength(4);
      }
    });

    it('prune by block influence', async () => {
      const { r, runDir } = await run('prune', { model, num_layers: 1, calibration: { tasks: TASK, num_sequences: 4, seq_len: 64 }, eval: { tasks: TASK, num_examples: 2, max_new_tokens: 4 } });
      expect(r.series('score/block_influence').map(([l]) => l)).toEqual([0, 1]);
      const out = r.artifacts.find((a) => a.kind === 'model');
      expect(out, `artifacts of ${runDir}`).toBeDefined();
      expect((await loadModelFolder(join(out!.path, '..'))).config.num_hidden_layers).toBe(1);
    });

    it('grpo', async () => {
      const { r } = await run('grpo', { model, tasks: TASK, prompts_per_step: 2, num_generations: 2, max_completion_length: 4, training: { max_steps: 1, learning_rate: 1e-4 }, eval_examples: 2, completions_to_log: 2 });
      expect(r.progress.length).toBeGreaterThan(0);
      expect(r.metrics.some((m) => Object.values(m.values).every(Number.isFinite))).toBe(true);
      expect(r.logs.filter((l) => l.level === 'error')).toEqual([]);
    });

    it('value', async () => {
      const tasks = [...TASK, { task: 'compare', options: { max_digits: 1 } }];
      const { r, runDir } = await run('value', { model, train: { tasks, num_examples: 6 }, val: { num_examples: 2 }, batch_size: 2 });
      expect(r.logs.filter((l) => l.level === 'error')).toEqual([]);
      const rows = readFileSync(join(runDir, 'values.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { value: number });
      expect(rows).toHaveLength(6);
      expect(rows.every((x) => Number.isFinite(x.value))).toBe(true);
    });
  });
}

