/**
 * Imported datasets as tasks: the file the importer writes (<dataDir>/datasets/<id>.jsonl, one
 * Example per line) becomes a task a run can name — splits as mapped, unsplit rows in both,
 * seeded draws, the generic verifier, a mixture over a dataset smaller than a chunk, and an
 * eval run on it through the real executor. Bad files are named with the line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MixtureStream } from '../../../src/engine/data/batches';
import { initModelFolder } from '../../../src/engine/model/folder';
import { charTokenizerFiles, tokenizerFromJson } from '../../../src/engine/model/tokenizer';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runEval } from '../../../src/engine/eval/run';
import { checkTaskNames } from '../../../src/engine/toolkit';
import { getTask } from '../../../src/engine/tasks';
import { parseJsonl } from '../../../src/engine/tasks/jsonl';
import { recordingContext, tempDir } from '../runs/recordingContext';

const root = tempDir('benchtop-imported-');
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

function writeDataset(id: string, rows: { q: string; a: string; split?: string }[]): void {
  // The importer maps a split field only when the file has one; rows then carry metadata.split.
  const withSplit = rows.every((r) => r.split !== undefined);
  const parsed = parseJsonl(rows.map((r) => JSON.stringify(r)).join('\n'), { prompt: 'q', answer: 'a', ...(withSplit ? { split: 'split' } : {}) }, { file: `${id}.jsonl`, dataset: id });
  if (!parsed.ok) throw new Error(parsed.error.message);
  mkdirSync(join(root.dir, 'datasets'), { recursive: true });
  writeFileSync(join(root.dir, 'datasets', `${id}.jsonl`), parsed.examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

describe('imported datasets as tasks', () => {
  it('loads the importer’s file: splits, seeded draws, verifier, unknown names still refused', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ q: `add ${i} and 1?`, a: String(i + 1), split: i < 20 ? 'train' : 'test' }));
    writeDataset('sums', rows);
    checkTaskNames([{ task: 'sums' }, { task: 'arithmetic' }], 'tasks', root.dir);
    const task = getTask('sums');
    expect(task.available!('train')).toBe(20);
    expect(task.available!('test')).toBe(10);
    const test = task.generate('test', 10, 1);
    expect(test.map((e) => e.prompt).sort()).toEqual(rows.slice(20).map((r) => r.q).sort());
    expect(task.generate('test', 5, 1)).toEqual(task.generate('test', 5, 1));
    expect(task.generate('test', 5, 1)).not.toEqual(task.generate('test', 5, 2));
    expect(() => task.generate('test', 11, 1)).toThrow(/asked for 11 test examples; the dataset has 10/);
    const ex = test[0]!;
    expect(task.verify(ex, ` ${ex.answer} because…`).correct).toBe(true);
    expect(task.verify(ex, `${Number(ex.answer) + 1}`).correct).toBe(false);
    expect(() => checkTaskNames([{ task: 'no-such-set' }], 'data.tasks', root.dir)).toThrow(/data\.tasks\[0\]: .*unknown task/);
  });

  it('rows without a split serve both; a mixture draws a dataset smaller than a chunk', () => {
    writeDataset('tiny', [{ q: 'x?', a: 'y' }, { q: 'z?', a: 'w' }, { q: 'u?', a: 'v' }]);
    // hold the third row out by hand, as a split-mapped import of it would
    const file = join(root.dir, 'datasets', 'tiny.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { metadata: Record<string, unknown> });
    lines[2]!.metadata.split = 'test';
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    checkTaskNames([{ task: 'tiny' }], 'data.tasks', root.dir);
    expect(getTask('tiny').available!('train')).toBe(2);
    expect(getTask('tiny').available!('test')).toBe(3);
    const tk = charTokenizerFiles();
    const stream = new MixtureStream([{ task: 'tiny', weight: 1 }], 3);
    const seen = new Set(Array.from({ length: 10 }, () => stream.next().prompt));
    expect([...seen].sort()).toEqual(['x?', 'z?']);
    expect(stream.nextBatch(tokenizerFromJson(tk.json, tk.config), 2, 16, true).batch).toBe(2);
  });

  it('a bad data file is reported with its line', () => {
    mkdirSync(join(root.dir, 'datasets'), { recursive: true });
    writeFileSync(join(root.dir, 'datasets', 'broken.jsonl'), '{"id":"a","prompt":"p","answer":"1","metadata":{}}\n{oops\n');
    expect(() => checkTaskNames([{ task: 'broken' }], 'tasks', root.dir)).toThrow(/broken\.jsonl line 2: not valid JSON/);
  });

  it('an eval run scores a model on an imported dataset', async () => {
    writeDataset('evalset', Array.from({ length: 12 }, (_, i) => ({ q: `${i}+${i}=`, a: String(2 * i), split: 'test' })));
    const modelDir = join(root.dir, 'model');
    await initModelFolder({
      config: { model_type: 'llama', hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 64 },
      outDir: modelDir,
      seed: 2,
    });
    const runDir = join(root.dir, 'run');
    mkdirSync(runDir);
    const r = recordingContext({ kind: 'eval', seed: 1, model: modelDir, tasks: [{ task: 'evalset' }], num_examples: 12, max_new_tokens: 4 }, runDir);
    r.ctx.dataDir = root.dir;
    await runEval(r.ctx);
    expect(r.samples).toHaveLength(12);
    expect(r.samples.every((s) => s.extra?.task === 'evalset')).toBe(true);
    // accuracy is the share of samples the verifier marked correct (a random model: near 0)
    const correct = r.samples.filter((s) => s.extra?.correct === true).length;
    expect(r.last('eval/evalset/accuracy')).toBeCloseTo(correct / 12, 10);
  });
});
