/**
 * export-launch: launch folders for an sft and a grpo run, for TRL and verl. Checked against
 * things the exporter does not compute itself: the recorded field lists of the targets (read
 * from their source by scripts/launch-targets.mjs), the names actually written in train.py /
 * verl_overrides.yaml, the run's config fields in MAPPING.md, python3's compiler, and the
 * Python verifiers scoring the exported rows' gold answers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportLaunch } from '../../../src/core/launch/exportLaunch';
import { targetFieldNames } from '../../../src/core/launch/targets';
import { RunStore } from '../../../src/core/store';
import { configLeaves, grpoRuleFields, sftRuleFields, type LaunchKind, type LaunchTarget } from '../../../src/engine/launch';
import { MAX_TRAIN_ROWS } from '../../../src/engine/launch/data';
import { validateRunConfig } from '../../../src/shared/config';
import { getTask } from '../../../src/engine/tasks';
import { dataclassFields, yamlPaths } from '../../../scripts/launch-targets.mjs';
import { tempDir } from '../support/backend';

const tmp = tempDir('benchtop-launch-');
afterAll(() => tmp.cleanup());
const store = RunStore.open(join(tmp.dir, 'benchtop.db'));
afterAll(() => store.close());

const GRPO = {
  kind: 'grpo',
  name: 'kk warmup',
  seed: 5,
  model: 'builtin:benchtop-tiny',
  tasks: [
    { task: 'arithmetic', weight: 2, options: { pad_operands: true, scratchpad: 'columns' } },
    { task: 'knights_knaves', options: { people: [2, 3], reward: 'warmup' } },
    { task: 'word_problems', options: { levels: [0, 1] } },
    { task: 'compare' },
  ],
  num_generations: 4,
  prompts_per_step: 6,
  gradient_accumulation_steps: 2,
  steps_per_generation: 4,
  prompt_format: 'plain',
  epsilon_high: 0.28,
  delta: 4,
  pass_at_k: 2,
  reward_functions: [{ name: 'correctness' }, { name: 'format', weight: 0.5 }],
  llds: { enabled: true, lambda: 0.1 },
  thr: { enabled: true },
  lora: { enabled: true, r: 4, target_modules: ['q', 'v', 'down'] },
  training: { max_steps: 30, eval_every: 10 },
  eval_examples: 12,
};
const SFT = {
  kind: 'sft',
  name: 'sft mix',
  seed: 9,
  model: 'builtin:benchtop-tiny',
  sequence_end: '<eos>',
  data: { tasks: [{ task: 'brackets' }, { task: 'parity', options: { base: '10' } }, { task: 'majority', weight: 2 }], packing: true },
  training: { max_steps: 10, batch_size: 4, gradient_accumulation_steps: 2, warmup_steps: 2 },
};

function addRun(id: string, config: Record<string, unknown>): Record<string, unknown> {
  const v = validateRunConfig(config);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  const c = v.config as unknown as Record<string, unknown>;
  store.runs.create({ id, kind: c.kind as never, name: String(c.name), notes: '', config: c, modelRef: null, tags: [], parentId: null, createdAt: Date.now(), owner: null });
  return c;
}
const grpoConfig = addRun('run-grpo-1', GRPO);
const sftConfig = addRun('run-sft-1', SFT);
addRun('run-eval-1', { kind: 'eval', model: 'builtin:benchtop-tiny', tasks: [{ task: 'compare' }] });

const deps = { store, dataDir: tmp.dir };
const exported = new Map<string, string>();
function folder(kind: LaunchKind, target: LaunchTarget): string {
  const key = `${kind}-${target}`;
  if (!exported.has(key)) {
    const out = join(tmp.dir, 'out', key);
    exportLaunch(deps, kind === 'grpo' ? 'run-grpo-1' : 'run-sft-1', { target, out });
    exported.set(key, out);
  }
  return exported.get(key)!;
}
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

/** keyword names inside `XConfig(` … `)` of train.py (as written, parsed independently of the exporter). */
function trainPyKwargs(src: string, cls: string): string[] {
  const body = new RegExp(`${cls}\\(\\n([\\s\\S]*?)\\n    \\)`).exec(src)?.[1] ?? '';
  return [...body.matchAll(/^ {8}([A-Za-z_]\w*)=/gm)].map((m) => m[1]!);
}

/** Leaf paths of a YAML mapping (lists are values). */
function yamlLeaves(doc: unknown, prefix = ''): string[] {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return [prefix];
  return Object.entries(doc).flatMap(([k, v]) => yamlLeaves(v, prefix ? `${prefix}.${k}` : k));
}

const CASES: [LaunchKind, LaunchTarget][] = [
  ['grpo', 'trl'],
  ['sft', 'trl'],
  ['grpo', 'verl'],
  ['sft', 'verl'],
];

describe('export-launch', () => {
  for (const [kind, target] of CASES) {
    it(`${kind} → ${target}: every target field written exists in ${target}'s recorded config fields`, () => {
      const dir = folder(kind, target);
      const known = targetFieldNames(target, kind);
      const written =
        target === 'trl'
          ? trainPyKwargs(read(dir, 'train.py'), kind === 'grpo' ? 'GRPOConfig' : 'SFTConfig')
          : yamlLeaves(parse(read(dir, 'verl_overrides.yaml')));
      expect(written.length).toBeGreaterThan(10);
      expect(written.filter((n) => !known.has(n))).toEqual([]);
      // The shell launch carries the same overrides as the YAML.
      if (target === 'verl') for (const n of written) expect(read(dir, 'run_verl.sh')).toContain(`${n}=`);
    });

    it(`${kind} → ${target}: MAPPING.md lists every field of the run's config`, () => {
      const md = read(folder(kind, target), 'MAPPING.md');
      const cfg = kind === 'grpo' ? grpoConfig : sftConfig;
      for (const { field } of configLeaves(cfg)) expect(md, field).toContain(`| \`${field}\` |`);
    });
  }

  it('has an export rule for every field of the sft and grpo schemas', () => {
    // Leaves of configs with every optional field set: whatever a run can hold, the tables cover.
    expect(configLeaves(grpoConfig).map((l) => l.field).filter((f) => !grpoRuleFields().includes(f))).toEqual([]);
    expect(configLeaves(sftConfig).map((l) => l.field).filter((f) => !sftRuleFields().includes(f))).toEqual([]);
    expect(grpoConfig.epsilon_high).toBe(0.28);
    expect(grpoConfig.delta).toBe(4);
  });

  it('lists the Benchtop-only knobs of a grpo run as not mapping, with what to add', () => {
    const md = read(folder('grpo', 'trl'), 'MAPPING.md');
    const open = md.slice(md.indexOf('## Fields that do not map'));
    for (const f of ['llds.enabled', 'llds.lambda', 'thr.enabled', 'thr.p', 'failure_prefix.enabled', 'pass_at_k', 'pass_at_k_method', 'max_prompt_length']) expect(open, f).toContain(`| \`${f}\` |`);
    expect(open).toMatch(/`thr\.enabled` \| true \| THR token reweighting/);
    expect(open).toMatch(/`llds\.lambda` \| 0\.1 \| LLDS .*policy loss/);
    const verl = read(folder('grpo', 'verl'), 'MAPPING.md');
    expect(verl.slice(verl.indexOf('## Fields that do not map'))).toContain('| `delta` |');
  });

  it('writes folders python3 compiles (py_compile)', () => {
    for (const [kind, target] of CASES) {
      const dir = folder(kind, target);
      const py = readdirSync(dir).filter((f) => f.endsWith('.py'));
      expect(py.length).toBeGreaterThanOrEqual(2);
      execFileSync('python3', ['-m', 'py_compile', ...py], { cwd: dir });
    }
  });

  it('writes the config values that map (GRPO → TRL) and the LoRA modules under their HF names', () => {
    const src = read(folder('grpo', 'trl'), 'train.py');
    expect(src).toMatch(/^ {8}num_generations=4,$/m);
    // 6 prompts × 4 completions = 24 per generation batch, in 4 micro-batches of 6, 2 per optimizer step.
    expect(src).toMatch(/^ {8}per_device_train_batch_size=6,$/m);
    expect(src).toMatch(/^ {8}steps_per_generation=4,$/m);
    expect(src).toMatch(/^ {8}gradient_accumulation_steps=2,$/m);
    expect(src).toMatch(/^ {8}epsilon_high=0\.28,$/m);
    expect(src).toMatch(/^ {8}eval_strategy="steps",$/m);
    expect(src).toMatch(/^ {8}learning_rate=0\.00001,$/m);
    expect(src).toContain('target_modules=["q_proj", "v_proj", "down_proj"]');
    expect(src).toContain('reward_funcs=[benchtop_rewards.benchtop_reward, benchtop_rewards.benchtop_format, benchtop_rewards.benchtop_correct],');
    expect(src).toMatch(/^ {8}reward_weights=\[1, 0\.5, 0\],$/m);
    const verl = parse(read(folder('grpo', 'verl'), 'verl_overrides.yaml'));
    expect(verl.algorithm.adv_estimator).toBe('grpo');
    expect(verl.actor_rollout_ref.rollout.n).toBe(4);
    expect(verl.actor_rollout_ref.actor.clip_ratio_high).toBe(0.28);
    expect(verl.actor_rollout_ref.model.lora_rank).toBe(4);
    expect(verl.data.train_batch_size).toBe(6);
    expect(verl.actor_rollout_ref.actor.ppo_mini_batch_size).toBe(3);
    expect(verl.actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu).toBe(6);
    expect(read(folder('sft', 'trl'), 'train.py')).toMatch(/^ {8}eos_token="<eos>",$/m);
  });

  it('writes the run\'s task data; the exported verifiers give every gold answer full reward', () => {
    const dir = folder('grpo', 'trl');
    const train = read(dir, 'data/train.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    const test = read(dir, 'data/test.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    expect(train).toHaveLength(Math.min(30 * 6, MAX_TRAIN_ROWS));
    expect(test).toHaveLength(4 * 12);
    expect(new Set(train.map((r) => r.task))).toEqual(new Set(['arithmetic', 'knights_knaves', 'word_problems', 'compare']));
    const corpus = join(tmp.dir, 'gold.jsonl');
    const rows = [...train, ...test].map((r) => JSON.parse(r.benchtop_example));
    writeFileSync(corpus, rows.map((e) => JSON.stringify({ example: e, response: e.choices ? e.choices[e.label] : e.answer })).join('\n'));
    const out = execFileSync('python3', [join(dir, 'benchtop_rewards.py'), corpus], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
    const full = (e: { task: string; metadata: Record<string, unknown> }) => (e.metadata.reward === 'warmup' ? 2 : 1);
    expect(out.map((o) => o.reward)).toEqual(rows.map(full));
    // SFT rows are prompt/completion pairs with the gold completion.
    const sft = read(folder('sft', 'trl'), 'data/train.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    expect(sft).toHaveLength(10 * 4 * 2);
    expect(Object.keys(sft[0]).sort()).toEqual(['completion', 'prompt', 'task']);
  });

  it('verl: compute_score gives the run\'s weighted reward (verifier + 0.5 × format) read from each exported row', () => {
    const dir = folder('grpo', 'verl');
    const rows = read(dir, 'data/test.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    const responses = ['answer: 1', 'no marker here', '<answer>(1) x is a knight</answer>'];
    const script = [
      'import json, sys',
      'import benchtop_rewards as b',
      'rows = [json.loads(l) for l in open("data/test.jsonl")]',
      `responses = ${JSON.stringify(responses)}`,
      'print(json.dumps([[b.compute_score(r["data_source"], x, r["reward_model"]["ground_truth"], r["extra_info"]) for x in responses + [r["reward_model"]["ground_truth"]]] for r in rows]))',
    ].join('\n');
    const py = JSON.parse(execFileSync('python3', ['-c', script], { cwd: dir, encoding: 'utf8' })) as number[][];
    const expected = rows.map((r) => {
      const ex = JSON.parse(r.extra_info.benchtop_example);
      const task = getTask(ex.task);
      return [...responses, r.reward_model.ground_truth].map((x) => task.verify(ex, x).reward + (task.answerStart ? 0.5 * (task.answerStart(x) >= 0 ? 1 : 0) : 0));
    });
    expect(py).toEqual(expected);
    expect(new Set(py.flat()).size).toBeGreaterThan(3);
  });

  it('refuses other run kinds, unknown targets and non-empty folders before writing anything', () => {
    const out = join(tmp.dir, 'refused');
    expect(() => exportLaunch(deps, 'run-eval-1', { target: 'trl', out })).toThrow(/supports sft and grpo runs; this run is a 'eval' run/);
    expect(() => exportLaunch(deps, 'run-grpo-1', { target: 'deepspeed', out })).toThrow(/--target: expected one of trl, verl/);
    expect(existsSync(out)).toBe(false);
    mkdirSync(out);
    writeFileSync(join(out, 'mine.txt'), 'keep');
    expect(() => exportLaunch(deps, 'run-grpo-1', { target: 'trl', out })).toThrow(/is not empty/);
    expect(readdirSync(out)).toEqual(['mine.txt']);
  });

  it('the field-list script reads dataclass fields, skipping docstrings and class constants', () => {
    const src = ['@dataclass', 'class Cfg(Base):', '    """', '    Parameters:', '        lr: the rate', '    note: not a field', '    """', '', '    _KEYS = ["a"]', '    lr: float = field(', '        default=1.0,', '    )', '    beta: float = 0.1', '    names: list[str] | None = None', '', 'class Other:', '    x: int = 1'].join('\n');
    expect(dataclassFields(src, 'Cfg')).toEqual(['lr', 'beta', 'names']);
  });

  it('the recorded field lists hold what the script extracts from YAML', () => {
    // yamlPaths is the script's extractor: dotted paths of every key, nested ones included.
    expect(yamlPaths(parse('a:\n  b: 1\n  c:\n    d: [1, 2]\ne: x\n'))).toEqual(['a', 'a.b', 'a.c', 'a.c.d', 'e']);
  });
});
