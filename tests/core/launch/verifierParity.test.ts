/**
 * Verifiers travel: the Python reward module export-launch writes (resources/launch/
 * benchtop_rewards.py, run with the system python3) gives the same correctness and reward as
 * Benchtop's TypeScript verifiers on ≥ 1,000 completions per task family — gold answers and
 * their perturbations (corpus.ts) plus samples of the built-in model.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { generate } from '../../../src/engine/generate/generate';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { getTask, type Example, type Task } from '../../../src/engine/tasks';
import { datasetTask } from '../../../src/engine/tasks/imported';
import { buildCorpus, type CorpusRow } from './corpus';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const MODULE = join(ROOT, 'resources', 'launch', 'benchtop_rewards.py');
const MODEL = join(ROOT, 'resources', 'models', 'benchtop-tiny');
const MIN_ROWS = 1000;

let dir = '';
let model: InferenceModel;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'benchtop-verifier-parity-'));
  model = await InferenceModel.load(MODEL);
});
afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await clearSessionCache();
});

/** What Python says for every row, in order. */
function pythonVerdicts(rows: readonly CorpusRow[], name: string): { correct: boolean; reward: number; format: number | null }[] {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const out = execFileSync('python3', [MODULE, file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return out.trim().split('\n').map((l) => JSON.parse(l) as { correct: boolean; reward: number; format: number | null });
}

/** Built-in model samples for some of the examples (temperature 1: right and wrong ones). */
async function modelRows(examples: readonly Example[], seed: number): Promise<CorpusRow[]> {
  const picked = examples.slice(0, 24);
  const samples = await generate(model, picked.map((e) => e.prompt), { maxNewTokens: 40, numSamples: 4, temperature: 1, seed, fitToLimit: true });
  return picked.flatMap((example, i) => samples[i]!.map((s) => ({ example, response: s.text })));
}

async function checkFamily(name: string, task: Task, variants: readonly Record<string, unknown>[], rewards: readonly number[] = [0, 1]): Promise<void> {
  const examples = variants.flatMap((options, v) => [
    ...task.generate('train', 40, 11 + v, options),
    ...task.generate('test', 20, 11 + v, options),
  ]);
  const rows = [...buildCorpus(examples, MIN_ROWS, 7), ...(await modelRows(examples, 3))];
  const py = pythonVerdicts(rows, name);
  expect(py).toHaveLength(rows.length);
  const mismatches: string[] = [];
  let correct = 0;
  const seen = new Set<number>();
  rows.forEach((row, i) => {
    const ts = task.verify(row.example, row.response);
    if (ts.correct) correct++;
    seen.add(ts.reward);
    // The format reward (GRPO reward_functions): the task's answer marker, where it has one.
    const format = task.answerStart ? (task.answerStart(row.response) >= 0 ? 1 : 0) : null;
    if (ts.correct !== py[i]!.correct || ts.reward !== py[i]!.reward || format !== py[i]!.format) {
      mismatches.push(`${JSON.stringify(row.response)} on ${JSON.stringify(row.example.answer)}: ts ${ts.correct}/${ts.reward}/${format}, py ${py[i]!.correct}/${py[i]!.reward}/${py[i]!.format}`);
    }
  });
  expect(mismatches.slice(0, 5), `${mismatches.length} of ${rows.length} disagree`).toEqual([]);
  expect(rows.length).toBeGreaterThanOrEqual(MIN_ROWS);
  // The corpus exercises both verdicts, or agreement would say little.
  expect(correct).toBeGreaterThan(rows.length * 0.05);
  expect(correct).toBeLessThan(rows.length * 0.95);
  // Every reward value the family gives occurs in the corpus.
  expect([...seen].sort((a, b) => a - b)).toEqual([...rewards].sort((a, b) => a - b));
}

describe('the exported Python reward module agrees with the TypeScript verifiers', () => {
  it('arithmetic (plain, several operators, column scratchpad)', async () => {
    await checkFamily('arithmetic', getTask('arithmetic'), [
      {},
      { ops: ['+', '-', '*'], max_operands: 4, max_digits: 5 },
      { pad_operands: true, scratchpad: 'columns' },
    ]);
  });

  it('brackets', async () => {
    await checkFamily('brackets', getTask('brackets'), [{}, { types: ['()'], max_pairs: 10 }]);
  });

  for (const name of ['brackets_classify', 'compare', 'majority', 'parity']) {
    it(`${name} (choices read from generated text)`, async () => {
      await checkFamily(name, getTask(name), name === 'parity' ? [{}, { base: '10' }] : [{}]);
    });
  }

  it('knights_knaves (compact / natural / think, binary and Warm-Up rewards)', async () => {
    await checkFamily('knights_knaves', getTask('knights_knaves'), [
      {},
      { reward: 'warmup' },
      { format: 'natural' },
      { format: 'natural', reward: 'warmup' },
      { format: 'think', reward: 'warmup' },
    ], [-2, -1, -0.5, 0, 1, 2]);
  });

  it('word_problems', async () => {
    await checkFamily('word_problems', getTask('word_problems'), [{}, { levels: [3, 5] }, { solution: false }]);
  });

  it('imported datasets (choice rows, integer golds, text golds)', async () => {
    const rows: Example[] = [];
    for (let i = 0; i < 30; i++) {
      rows.push({ id: `d:${i}a`, task: 'd', prompt: `q${i}`, answer: String((i * 7919) % 2000 - 300), metadata: {} });
      rows.push({ id: `d:${i}b`, task: 'd', prompt: `w${i}`, answer: ` Paris  is the ${i}th `, metadata: {} });
      rows.push({ id: `d:${i}c`, task: 'd', prompt: `c${i}`, answer: i % 2 ? 'B' : 'A', choices: ['A', 'B', 'AB'], label: i % 2, metadata: {} });
      rows.push({ id: `d:${i}d`, task: 'd', prompt: `e${i}`, answer: `1,${String(100 + i)}`, metadata: {} });
    }
    await checkFamily('imported', datasetTask('d', rows), [{}]);
  });
});
