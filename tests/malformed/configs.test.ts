/**
 * Malformed run configs through the API's createRun (the handler the WebSocket server and the
 * Electron IPC call): each is refused with an issue naming the field, and the history (runs,
 * events, catalog) and the data folder are unchanged — no run record, no run folder.
 * Schema cases come from a table of (field, bad values); engine cases (model folders, tasks,
 * lengths, output_dir) from tests/support/badConfigs.ts plus a few more here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PreflightError } from '../../src/core/preflight';
import { BAD_CONFIGS, BUILTIN } from '../support/badConfigs';
import { openTestBackend, tempDir, type TestBackend } from '../core/support/backend';
import { expectUnchanged, snapshot } from './support';

let tb: TestBackend;
let scratch: { dir: string; cleanup(): void };
beforeAll(async () => {
  tb = await openTestBackend({ engineChecks: true, execute: false });
  scratch = tempDir('benchtop-malformed-configs-');
  // History to keep: one existing run.
  tb.backend.store.runs.create({ id: 'existing-run', kind: 'eval', name: 'kept', notes: '', config: { kind: 'eval' }, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
});
afterAll(async () => {
  await tb.close();
  scratch.cleanup();
});

interface Case {
  name: string;
  config: (scratch: string) => unknown;
  path: string;
  message: RegExp;
}

const EVAL = { kind: 'eval', model: BUILTIN, tasks: [{ task: 'arithmetic' }] };
const GRPO = { kind: 'grpo', model: BUILTIN, tasks: [{ task: 'arithmetic' }] };

/** Set a dotted path in a copy of `base`. */
function withValue(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(base);
  const parts = path.split('.');
  let node = out as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
  return out;
}

/** (base, field, bad values, expected message): one case per value. */
const SCHEMA_TABLE: [Record<string, unknown>, string, unknown[], RegExp][] = [
  [{ kind: 'pretrain' }, 'training.max_steps', [-5, 0, 1.5, 'ten', null], /expected/],
  [{ kind: 'pretrain' }, 'training.learning_rate', [0, 3, -1, '1e-3'], /expected/],
  [{ kind: 'pretrain' }, 'training.batch_size', [0, -2, 2.5], /expected/],
  [{ kind: 'pretrain' }, 'training.lr_scheduler_type', ['linear-ish', 3], /expected/],
  [{ kind: 'pretrain' }, 'seed', [-1, 1.5, 'abc'], /expected/],
  [{ kind: 'pretrain' }, 'data.seq_len', [4, 100_000, 'long'], /expected/],
  [{ kind: 'pretrain' }, 'name', ['n'.repeat(201), 42], /expected|at most/],
  [EVAL, 'num_examples', [0, -1], /expected/],
  [EVAL, 'temperature', [-0.5, 9], /expected/],
  [EVAL, 'top_p', [0, 1.5], /expected/],
  [GRPO, 'max_completion_length', [0, 100_000], /expected/],
];

const SCHEMA_CASES: Case[] = SCHEMA_TABLE.flatMap(([base, path, values, message]) =>
  values.map((v) => ({ name: `${base.kind}: ${path} = ${JSON.stringify(v)?.slice(0, 20)}`, config: () => withValue(base, path, v), path, message })),
);

const STRUCTURE_CASES: Case[] = [
  { name: 'no kind', config: () => ({ training: { max_steps: 5 } }), path: 'kind', message: /expected one of pretrain, .*but it is missing/ },
  { name: 'an unknown kind', config: () => ({ kind: 'train' }), path: 'kind', message: /expected one of .*got "train"/ },
  { name: 'a misspelt field', config: () => ({ kind: 'pretrain', trainig: { max_steps: 5 } }), path: 'trainig', message: /unknown field for a pretrain config; did you mean 'training'\?/ },
  { name: 'a misspelt nested field', config: () => ({ kind: 'pretrain', training: { max_step: 5 } }), path: 'training.max_step', message: /unknown field.*did you mean 'max_steps'/ },
  { name: 'warmup longer than the run', config: () => ({ kind: 'pretrain', training: { max_steps: 10, warmup_steps: 20 } }), path: 'training.warmup_steps', message: /expected warmup_steps ≤ max_steps \(10\)/ },
  { name: 'an empty tag', config: () => ({ kind: 'pretrain', tags: [''] }), path: 'tags.0', message: /tags cannot be empty/ },
  { name: 'k larger than num_samples', config: () => ({ ...EVAL, num_samples: 2, k: [1, 4] }), path: 'k.1', message: /expected k ≤ num_samples \(2\)/ },
  { name: 'an empty model reference', config: () => ({ ...EVAL, model: '' }), path: 'model', message: /expected a model folder path or a registered model id/ },
  { name: 'no tasks', config: () => ({ ...EVAL, tasks: [] }), path: 'tasks', message: /expected at least one task/ },
  { name: 'a task reference with an unknown key', config: () => ({ ...EVAL, tasks: [{ task: 'arithmetic', weigth: 2 }] }), path: 'tasks.0.weigth', message: /unknown field.*did you mean 'weight'/ },
  { name: 'a negative mixture weight', config: () => ({ kind: 'pretrain', data: { tasks: [{ task: 'arithmetic', weight: -1 }] } }), path: 'data.tasks.0.weight', message: /expected a mixture weight > 0/ },
];

const ENGINE_CASES: Case[] = [
  ...BAD_CONFIGS.map((b) => ({ name: b.name, config: b.make, path: b.path, message: b.message })),
  { name: 'a built-in model that is not shipped', config: () => ({ ...EVAL, model: 'builtin:no-such-model' }), path: 'model', message: /the built-in model 'no-such-model' is not built yet/ },
  { name: 'a run reference to no run', config: () => ({ ...EVAL, model: 'run:zzzzzz' }), path: 'model', message: /no run 'zzzzzz'/ },
  { name: 'an imported dataset that does not exist', config: () => ({ ...EVAL, tasks: [{ task: 'my_dataset' }] }), path: 'tasks.0.task', message: /unknown task; expected one of arithmetic.*or an imported dataset id/ },
  { name: 'an option of the wrong type', config: () => ({ ...EVAL, tasks: [{ task: 'arithmetic', options: { max_digits: 'three' } }] }), path: 'tasks.0.options.max_digits', message: /expected a whole number in \[\d+, \d+\], got 'three'/ },
  { name: 'options that contradict each other', config: () => ({ ...EVAL, tasks: [{ task: 'arithmetic', options: { min_digits: 4, max_digits: 2 } }] }), path: 'tasks.0.options.min_digits', message: /expected min_digits ≤ max_digits/ },
  { name: 'a teacher model that does not exist', config: (d) => ({ kind: 'sft', model: BUILTIN, data: { tasks: [{ task: 'arithmetic' }], responses: { source: 'self_generated', teacher: join(d, 'no-teacher') } } }), path: 'data.responses.teacher', message: /is not a model folder/ },
  { name: 'an sft seq_len past the model\'s positions', config: () => ({ kind: 'sft', model: BUILTIN, data: { tasks: [{ task: 'arithmetic' }], seq_len: 1024 } }), path: 'data.seq_len', message: /expected at most the model's 256 positions/ },
  { name: 'a calibration seq_len past the model\'s positions', config: () => ({ kind: 'prune', model: BUILTIN, calibration: { seq_len: 512 } }), path: 'calibration.seq_len', message: /expected at most the model's 256 positions/ },
  { name: 'prompt + completion past the model\'s positions', config: () => ({ ...GRPO, max_prompt_length: 200, max_completion_length: 100 }), path: 'max_prompt_length', message: /expected max_prompt_length \+ max_completion_length ≤ the model's 256 positions/ },
  { name: 'prompts longer than max_prompt_length', config: () => ({ ...GRPO, tasks: [{ task: 'word_problems' }], max_prompt_length: 10 }), path: 'max_prompt_length', message: /sampled prompts of 'word_problems' \(tasks\.0\) are longer than the 10 tokens left for a prompt/ },
  { name: 'a pretrain seq_len past its own positions', config: () => ({ kind: 'pretrain', model: { max_position_embeddings: 64 }, data: { seq_len: 128 } }), path: 'data.seq_len', message: /expected at most model\.max_position_embeddings \(64\), got 128/ },
  { name: 'an output_dir that is a file', config: (d) => { const f = join(d, 'a-file'); writeFileSync(f, 'x'); return { kind: 'pretrain', output_dir: f }; }, path: 'output_dir', message: /expected a folder \(or a path that does not exist yet\), but it is a file/ },
];

const CASES = [...SCHEMA_CASES, ...STRUCTURE_CASES, ...ENGINE_CASES];

describe('malformed run configs', () => {
  it(`has a broad table (${CASES.length} cases)`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
  });

  CASES.forEach((c) => {
    it(`${c.name}: refused at ${c.path}; nothing changes`, async () => {
      const config = c.config(scratch.dir) as Record<string, unknown>;
      const { store, handlers } = tb.backend;
      const before = snapshot(store, [tb.dir]);
      const err = await handlers.createRun(config).then(() => null, (e: unknown) => e);
      expect(err, `${c.name}: accepted`).toBeInstanceOf(PreflightError);
      const issues = (err as PreflightError).issues;
      const issue = issues.find((i) => i.path === c.path);
      expect(issue, JSON.stringify(issues)).toBeDefined();
      expect(issue!.message).toMatch(c.message);
      expectUnchanged(store, before, c.name);
      expect(store.runs.list().map((r) => r.id)).toEqual(['existing-run']);
    });
  });
});
