/**
 * Publishes a pretrained model as the built-in model: copies the HF folder a `pretrain` run
 * saved, writes `training-log.json` (the run's config and loss/eval curves, which the
 * reproduction test compares a fresh run against) and a `README.md` model card (shape, recipe,
 * data mixture, the command that rebuilt it, the eval table of an `eval` run on it).
 *
 *   npx tsx scripts/model-card.ts --home DIR --pretrain RUN --eval RUN --out resources/models/benchtop-tiny
 *   npx tsx scripts/model-card.ts --home DIR --pretrain RUN --eval RUN --out resources/models/benchtop-small \
 *     --recipe examples/pretrain-small.yaml --eval-config examples/eval-small.yaml
 *
 * The card names the model after the --out folder and quotes the commands of --recipe and
 * --eval-config (defaults: the benchtop-tiny files in examples/).
 * `--home` is the Benchtop data folder both runs were recorded in (BENCHTOP_HOME); `--eval-home`
 * names another one for the eval run.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { openBackend } from '../src/core/backend';
import { formatExample, getTask } from '../src/engine/tasks';
import type { TaskEvalResult } from '../src/engine/evaluation/harness';

const MODEL_FILES = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

type Compact = Omit<TaskEvalResult, 'outcomes'>;
interface TaskRef {
  task: string;
  weight?: number;
  options?: Record<string, unknown>;
}

function fail(message: string): never {
  console.error(`model-card: ${message}`);
  process.exit(1);
}

function minutes(ms: number): string {
  return `${(ms / 60000).toFixed(1)} min`;
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`;
}

/** Chance level of a task's exact-match accuracy, where it has a simple closed form. */
function chanceOf(r: Compact): string {
  if (r.kind === 'choice') return '50%'; // every built-in choice task here has two choices
  if (r.task === 'knights_knaves') {
    // A uniform guess of knight/knave per person: 2^-people, averaged over the people counts seen.
    const byPeople = r.breakdown.people ?? {};
    let n = 0;
    let p = 0;
    for (const [people, t] of Object.entries(byPeople)) {
      n += t.count;
      p += t.count * 2 ** -Number(people);
    }
    return n ? pct(p / n) : '–';
  }
  return '≈0%';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' },
      pretrain: { type: 'string' },
      eval: { type: 'string' },
      out: { type: 'string' },
      recipe: { type: 'string', default: 'examples/pretrain-builtin.yaml' },
      'eval-config': { type: 'string', default: 'examples/eval-builtin.yaml' },
      /** The data folder of the eval run when it is not --home. */
      'eval-home': { type: 'string' },
    },
  });
  if (!values.home || !values.pretrain || !values.eval || !values.out) fail('usage: --home DIR --pretrain RUN --eval RUN --out DIR');
  const backend = await openBackend({ dataDir: values.home, mode: 'cli', execute: false });
  const evalBackend = values['eval-home'] ? await openBackend({ dataDir: values['eval-home'], mode: 'cli', execute: false }) : backend;
  try {
    const runs = backend.store.runs;
    const tel = backend.store.telemetry;
    const pre = runs.get(runs.resolveId(values.pretrain));
    const ev = evalBackend.store.runs.get(evalBackend.store.runs.resolveId(values.eval));
    if (!pre || pre.kind !== 'pretrain' || pre.status !== 'succeeded') fail(`--pretrain: expected a succeeded pretrain run, got ${pre?.kind ?? 'none'} ${pre?.status ?? ''}`);
    if (!ev || ev.kind !== 'eval' || ev.status !== 'succeeded') fail(`--eval: expected a succeeded eval run, got ${ev?.kind ?? 'none'} ${ev?.status ?? ''}`);

    const modelArtifact = tel.artifacts(pre.id).find((a) => a.kind === 'model');
    if (!modelArtifact) fail(`pretrain run ${pre.id} registered no model folder`);
    const src = dirname(modelArtifact.path);
    await mkdir(values.out, { recursive: true });
    for (const f of MODEL_FILES) await copyFile(join(src, f), join(values.out, f));

    const series = (runId: string, key: string) => {
      const m = tel.metricSeries(runId, key, { maxPoints: 100_000 });
      return m.steps.map((s, i) => [s, m.values[i]!] as [number, number]);
    };
    const evalKeys = tel.metricKeys(pre.id).filter((k) => k.startsWith('eval/') && k.endsWith('/accuracy'));
    const last = tel.lastMetrics(pre.id);
    const durationMs = (pre.endedAt ?? 0) - (pre.startedAt ?? 0);
    const log = {
      format: 'benchtop-training-log/1',
      run: pre.id,
      config: pre.config,
      duration_seconds: Math.round(durationMs / 1000),
      device: pre.device,
      tokens: last['train/tokens']?.value ?? null,
      examples: last['train/examples']?.value ?? null,
      loss: series(pre.id, 'train/loss'),
      evals: Object.fromEntries(evalKeys.map((k) => [k, series(pre.id, k)])),
    };
    await writeFile(join(values.out, 'training-log.json'), JSON.stringify(log) + '\n');

    const evalArtifact = evalBackend.store.telemetry.artifacts(ev.id).find((a) => a.kind === 'eval-results');
    if (!evalArtifact) fail(`eval run ${ev.id} has no eval-results.json`);
    const evalResults = JSON.parse(await readFile(evalArtifact.path, 'utf8')) as { results: Compact[] };

    const config = JSON.parse(await readFile(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
    const params = last['train/trainable_parameters']?.value ?? 0;
    const cfg = pre.config as { seed: number; data: { tasks: TaskRef[]; seq_len: number }; training: Record<string, unknown> };
    const evalCfg = ev.config as { tasks: TaskRef[]; num_examples: number; seed: number };

    const lines: string[] = [];
    const w = (s = '') => lines.push(s);
    const name = basename(values.out);
    w(`# ${name} — ${name === 'benchtop-tiny' ? 'the built-in model' : 'a built-in model'}`);
    w();
    w(`A ${config.num_hidden_layers}-layer Llama-style decoder (hidden ${config.hidden_size}, ${config.num_attention_heads} heads, ` +
      `${config.num_key_value_heads} key/value heads, MLP ${config.intermediate_size}, tied embeddings, ${Math.round(params).toLocaleString('en-US')} parameters, ` +
      `character tokenizer of ${config.vocab_size} tokens), pretrained from random initialisation by Benchtop's own \`pretrain\` run kind ` +
      'on its synthetic verifiable tasks. It exists so the experiments have something to break and repair on a machine without a ' +
      'network: strong on arithmetic, brackets and the classification tasks, partly right on Knights & Knaves and word problems (room for RL).');
    w();
    w('## How it was made');
    w();
    w('```');
    w(`npx benchtop run ${values.recipe}`);
    w('```');
    w();
    w(`Seed ${cfg.seed}; ${log.tokens?.toLocaleString('en-US') ?? '?'} non-padding tokens, ${log.examples?.toLocaleString('en-US') ?? '?'} examples ` +
      `(packed into rows of ${cfg.data.seq_len} tokens); ${minutes(durationMs)} on ${/cpu/i.test(pre.device ?? 'cpu') ? 'the CPU' : pre.device} (2 cores). ` +
      '`training-log.json` holds the loss and in-training eval curves of that run.');
    w();
    w('| task | weight | options |');
    w('|---|---|---|');
    for (const t of cfg.data.tasks) w(`| ${t.task} | ${t.weight ?? 1} | ${t.options && Object.keys(t.options).length ? '`' + JSON.stringify(t.options) + '`' : ''} |`);
    w();
    w('Training: ' + Object.entries(cfg.training).map(([k, v]) => `${k} ${v}`).join(', ') + '.');
    w();
    w('## Evaluation');
    w();
    w('```');
    w(`npx benchtop run ${values['eval-config']}`);
    w('```');
    w();
    w(`${evalCfg.num_examples} held-out test examples per task (the test split never overlaps training), greedy decoding; ` +
      'generative tasks by exact match of the verified answer, choice tasks by choice log-likelihood. ' +
      '`tests/engine/builtinModel.test.ts` re-runs this evaluation (and the first training steps of the recipe) on every test run.');
    w();
    w('| task | kind | accuracy | chance | options |');
    w('|---|---|---|---|---|');
    for (const r of evalResults.results) {
      const ref = evalCfg.tasks.find((t) => t.task === r.task);
      w(`| ${r.task} | ${r.kind} | ${pct(r.accuracy)} (n=${r.count}) | ${chanceOf(r)} | ${ref?.options ? '`' + JSON.stringify(ref.options) + '`' : ''} |`);
    }
    w();
    const knobs: [string, string][] = [['arithmetic', 'digits'], ['knights_knaves', 'people'], ['word_problems', 'level'], ['brackets', 'depth']];
    for (const [task, knob] of knobs) {
      const r = evalResults.results.find((x) => x.task === task);
      const b = r?.breakdown[knob];
      if (!b) continue;
      w(`${task} by ${knob}: ` + Object.entries(b).map(([v, t]) => `${v} → ${pct(t.accuracy)} (n=${t.count})`).join(', ') + '.');
      w();
    }
    w('## Formats');
    w();
    w('Prompts and gold completions as the model was trained on them (the tokenizer adds `<bos>`; the completion ends with `<eos>`):');
    w();
    w('| task | prompt | completion |');
    w('|---|---|---|');
    for (const t of cfg.data.tasks) {
      const ex = getTask(t.task).generate('train', 1, evalCfg.seed, t.options ?? {})[0]!;
      const f = formatExample(ex);
      w(`| ${t.task} | \`${f.prompt.replace(/\|/g, '\\|')}\` | \`${f.completion.replace(/\|/g, '\\|')}\` |`);
    }
    w();
    w('## Limits');
    w();
    w('* Trained only on the formats above; other phrasings, longer operands (arithmetic beyond 3 digits), more than 3 ' +
      'Knights & Knaves people or word-problem levels above 1 are out of distribution.');
    w('* Not trained on `parity`: parity of a digit string without intermediate steps is a known hard case for small ' +
      'transformers; the task stays available as a probe.');
    w('* A character-level toy for experiments on one machine, not a language model for anything else.');
    w();
    w('Config of the pretraining run:');
    w();
    w('```yaml');
    w(stringify(pre.config).trimEnd());
    w('```');
    await writeFile(join(values.out, 'README.md'), lines.join('\n') + '\n');
    console.log(`wrote ${values.out}: ${MODEL_FILES.join(', ')}, training-log.json, README.md`);
  } finally {
    await backend.close();
    if (evalBackend !== backend) await evalBackend.close();
  }
}

await main();
