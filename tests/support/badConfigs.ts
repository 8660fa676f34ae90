/**
 * Run configs with one bad value each (issue 13 item 5), shared by the editor, CLI and API
 * tests: every one must be refused before a run record exists, with an issue at `path` whose
 * message matches `message`. `make(dir)` gets a scratch folder (for output_dir cases).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BUILTIN = 'builtin:benchtop-tiny';

export interface BadConfig {
  name: string;
  make(scratch: string): Record<string, unknown>;
  path: string;
  message: RegExp;
}

export const BAD_CONFIGS: BadConfig[] = [
  {
    name: 'a model folder that does not exist',
    make: (d) => ({ kind: 'eval', model: join(d, 'no-such-model'), tasks: [{ task: 'arithmetic' }] }),
    path: 'model',
    message: /is not a model folder \(no config\.json/,
  },
  {
    name: 'a model folder whose config.json is not a decoder config',
    make: (d) => {
      const m = join(d, 'broken-model');
      mkdirSync(m, { recursive: true });
      writeFileSync(join(m, 'config.json'), JSON.stringify({ model_type: 'llama' }));
      return { kind: 'eval', model: m, tasks: [{ task: 'arithmetic' }] };
    },
    path: 'model',
    message: /the model does not load: .*config\.json/,
  },
  {
    name: 'an unknown task',
    make: () => ({ kind: 'eval', model: BUILTIN, tasks: [{ task: 'arithmetic' }, { task: 'no_such_task' }] }),
    path: 'tasks.1.task',
    message: /unknown task; expected one of arithmetic/,
  },
  {
    name: 'an unknown task option',
    make: () => ({ kind: 'grpo', model: BUILTIN, tasks: [{ task: 'arithmetic', options: { max_digitz: 3 } }] }),
    path: 'tasks.0.options.max_digitz',
    message: /unknown option; expected one of/,
  },
  {
    name: 'a task option out of range',
    make: () => ({ kind: 'sft', model: BUILTIN, data: { tasks: [{ task: 'arithmetic', options: { max_digits: 999 } }] } }),
    path: 'data.tasks.0.options.max_digits',
    message: /expected a whole number in/,
  },
  {
    name: 'a seq_len shorter than the task\'s examples',
    make: () => ({ kind: 'pretrain', data: { tasks: [{ task: 'word_problems' }], seq_len: 16 } }),
    path: 'data.seq_len',
    message: /expected at least \d+ tokens: 64 of 64 sampled examples of 'word_problems' \(data\.tasks\.0\) are longer than 16/,
  },
  {
    name: 'a max_completion_length the model has no room for',
    make: () => ({ kind: 'grpo', model: BUILTIN, tasks: [{ task: 'arithmetic' }], max_completion_length: 300 }),
    path: 'max_completion_length',
    message: /expected fewer than the model's 256 positions/,
  },
  {
    name: 'an output_dir that holds files Benchtop did not write',
    make: (d) => {
      const out = join(d, 'someone-elses-model');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'model.safetensors'), 'precious');
      return { kind: 'pretrain', output_dir: out };
    },
    path: 'output_dir',
    message: /the folder already holds files Benchtop did not write \(model\.safetensors\); choose a new or empty folder/,
  },
  {
    name: 'an output_dir that leaves the run folder',
    make: () => ({ kind: 'pretrain', output_dir: '../../elsewhere' }),
    path: 'output_dir',
    message: /it leaves the run folder/,
  },
  {
    name: 'a config far larger than any run config',
    make: () => ({ kind: 'pretrain', notes: 'x'.repeat(300 * 1024) }),
    path: '(config)',
    message: /expected at most 256 KiB of config, got 30\d KiB/,
  },
];
