/**
 * The `prune` executor (ALGORITHMS.md §7; metrics and artifacts as docs/dev/PRUNE-CONTRACT.md):
 *
 *   calibrate  packed train-split rows → one forward with every hidden state: similarity matrix,
 *              last-token angular distances, dense calibration NLL
 *   score      block influence, angular distance, LLM-Streamline cosine (and, for ppl/sleb, the
 *              NLL with each layer alone removed) → `score/*`, `similarity/*`
 *   search     sleb / iterative_task only: the greedy search
 *   eval       after removing 0…k layers in removal order: task accuracy, normalized accuracy,
 *              calibration NLL and parameter count at step k
 *   save       the pruned HF folder and pruning-results.json
 *
 * The run is cancelled between steps (batches, candidates, eval tasks).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunContext, RunExecutor } from '../../shared/runContext';
import type { PruneConfig } from '../../shared/config/prune';
import type { TaskEvalResult } from '../evaluation/harness';
import { parameterCount } from '../model/config';
import { loadModelFolder, type ModelFolder } from '../model/folder';
import { resolveModelFolder } from '../toolkit/modelRef';
import { outputDirOf, saveAndRegister } from '../toolkit/modelOutput';
import { checkTaskNames } from '../toolkit/taskCheck';
import { sessionSettingsOf } from '../toolkit/trainLoop';
import { calibrationForward, calibrationSet, type CalibrationSet } from './calibration';
import { chooseLayers, fmtAccuracy, searchSteps, type Choice } from './choose';
import { keptLayers, removeLayers } from './removeLayers';
import { angularDistance, blockInfluence, streamlineScores } from './scores';
import { protectSpecOf, removableLayers, type ProtectSpec, type SearchIteration } from './select';
import { evaluatePruned } from './taskEval';
import { NLL_KEY, ORDER_KEY, PARAMETERS_KEY, REMOVED_KEY, scoreKey, similarityKey } from '../../shared/metrics/pruneKeys';
import { evalKey } from '../../shared/metrics/evalKeys';

/** One point of the sweep: the model with `removed` deleted. */
export interface SweepPoint {
  removed: number[];
  accuracy: Record<string, number>;
  nll: number;
  parameters: number;
}

/** pruning-results.json (kind 'pruning-results'). */
export interface PruningResults {
  method: PruneConfig['method'];
  model: string;
  /** The dense model's folder. */
  folder: string;
  /** The pruned folder. */
  output: string;
  /** Removed layer indices (of the dense model), ascending. */
  removed: number[];
  /** Removed layer indices in removal order. */
  order: number[];
  /** The dense model's num_hidden_layers. */
  layers: number;
  /** Metric → scores: per layer (block_influence, ppl, iterative_task) or per block start (angular_distance, streamline); null where a score does not exist. */
  scores: Record<string, (number | null)[]>;
  /** sim[a][b] = mean cos(h_a, h_b) over calibration tokens, a, b ∈ 0…layers. */
  similarity: number[][];
  /** Calibration tokens the similarity statistics average over (the NLL counts each row's next-token targets). */
  calibrationTokens: number;
  /** Greedy methods: each iteration's candidate scores. */
  search: SearchIteration[];
  sweep: SweepPoint[];
}

export const runPrune: RunExecutor = async (ctx) => {
  const cfg = ctx.config;
  if (cfg.kind !== 'prune') throw new Error(`the prune executor got a '${cfg.kind}' config`);
  checkTaskNames(cfg.calibration.tasks, 'calibration.tasks', ctx.dataDir);
  checkTaskNames(cfg.eval.tasks, 'eval.tasks', ctx.dataDir);
  cfg.eval.tasks.forEach((t, i) => {
    const j = cfg.eval.tasks.findIndex((u) => u.task === t.task);
    if (j !== i) throw new Error(`eval.tasks[${i}]: task '${t.task}' is already listed at eval.tasks[${j}]; its metrics eval/${t.task}/* would collide`);
  });
  const dir = resolveModelFolder(cfg.model, ctx.dataDir);
  const folder = await loadModelFolder(dir);
  folder.tokenizer = folder.tokenizer.withPromptFormat(cfg.prompt_format, cfg.sequence_end);
  const L = folder.config.num_hidden_layers;
  const spec: ProtectSpec = protectSpecOf(cfg, L);
  const allowed = removableLayers(spec); // config errors before anything slow
  const limit = folder.config.sliding_window ?? folder.config.max_position_embeddings;
  if (cfg.calibration.seq_len > limit) {
    throw new Error(`calibration.seq_len: expected at most the model's ${limit} positions (${dir}/config.json), got ${cfg.calibration.seq_len}`);
  }
  const session = sessionSettingsOf(ctx);
  ctx.log('info', `pruning ${cfg.num_layers} of the ${L} layers of ${dir} by ${cfg.method} (removable: layers ${allowed[0]}–${allowed[allowed.length - 1]})`);

  // calibrate
  const set = calibrationSet(folder.tokenizer, cfg.calibration.tasks, cfg.calibration.num_sequences, cfg.calibration.seq_len, cfg.seed);
  const tokens = set.lengths.reduce((a, b) => a + b, 0);
  ctx.log('info', `calibration: ${set.rows} packed rows of ${set.seqLen} positions (${tokens} tokens) from ${cfg.calibration.tasks.map((t) => t.task).join(', ')}`);
  ctx.progress(0, set.rows, 'calibrate');
  const dense = await calibrationForward(folder.config, folder.weights, set, {
    hiddenStates: true,
    session,
    signal: ctx.signal,
    onBatch: (done, total) => ctx.progress(done, total, 'calibrate'),
  });
  if (!dense || ctx.signal.aborted) return;
  ctx.device(dense.device.notice ?? dense.device.provider);
  const similarity = dense.stats!.similarity();
  const n = cfg.num_layers;
  const scores: Record<string, number[]> = {
    block_influence: blockInfluence(similarity),
    angular_distance: angularDistance(dense.stats!.lastTokenAngular(), n),
    streamline: streamlineScores(similarity, n),
  };

  // score
  let nllAlone: number[] | null = null;
  if (cfg.method === 'ppl' || cfg.method === 'sleb') {
    nllAlone = [];
    for (let l = 0; l < L; l++) {
      ctx.progress(l, L, 'score');
      const f = await calibrationForward(folder.config, folder.weights, set, { layers: keptLayers(L, [l]), session, signal: ctx.signal });
      if (!f || ctx.signal.aborted) return;
      nllAlone.push(f.nll);
    }
    scores.ppl = nllAlone.map(Math.exp);
  }
  ctx.progress(1, 1, 'score');
  emitScores(ctx, scores, similarity);

  // search (sleb, iterative_task) or the one-shot choice
  const greedy = cfg.method === 'sleb' || cfg.method === 'iterative_task';
  const searchTotal = searchSteps(allowed.length, n) + (cfg.method === 'iterative_task' ? 1 : 0);
  if (greedy) ctx.progress(0, searchTotal, 'search');
  const choice: Choice | null = await chooseLayers({
    cfg,
    folder,
    set,
    spec,
    session,
    signal: ctx.signal,
    scores,
    nllAlone,
    progress: (done, total) => ctx.progress(done, total, 'search'),
    log: (text) => ctx.log('info', text),
  });
  if (!choice || ctx.signal.aborted) return;
  const { order } = choice;
  if (cfg.method === 'iterative_task' && choice.search.length) {
    // The first iteration scores every layer removed alone: the task-based importance bar chart.
    scores.iterative_task = Array.from({ length: L }, (_, l) => choice.search[0]!.scores[l] ?? Number.NaN);
    for (const [l, v] of Object.entries(choice.search[0]!.scores)) ctx.metrics(Number(l), { 'score/iterative_task': v });
  }
  const removed = [...order].sort((a, b) => a - b);
  for (const l of removed) ctx.metrics(l, { [REMOVED_KEY]: 1 });
  order.forEach((l, k) => ctx.metrics(k + 1, { [ORDER_KEY]: l }));
  ctx.log('info', `${cfg.method} removes layer${order.length === 1 ? '' : 's'} ${order.join(', ')}${order.length > 1 ? ' (in that order)' : ''}: ${L} → ${L - order.length} layers`);

  // eval sweep
  const sweep = await evalSweep(ctx, cfg, folder, set, order, dense.nll);
  if (!sweep) return;

  // save
  ctx.progress(0, 1, 'save');
  const out = outputDirOf(ctx, cfg.output_dir);
  const pruned = removeLayers(folder.config, folder.weights, order);
  await saveAndRegister(ctx, out, {
    config: pruned.config,
    weights: pruned.weights,
    tokenizer: { json: folder.tokenizer.json, configJson: folder.tokenizer.configJson },
    generationConfig: folder.generationConfig,
    extraFiles: { 'README.md': modelCard(cfg, dir, L, order, pruned.kept) },
  });
  const results: PruningResults = {
    method: cfg.method,
    model: cfg.model,
    folder: dir,
    output: out,
    removed,
    order,
    layers: L,
    scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, v.map((x) => (Number.isFinite(x) ? x : null))])),
    similarity,
    calibrationTokens: tokens,
    search: choice.search,
    sweep,
  };
  const file = join(ctx.runDir, 'pruning-results.json');
  await writeFile(file, JSON.stringify(results, null, 2) + '\n');
  ctx.artifact(file, 'pruning-results');
  ctx.progress(1, 1, 'save');
};

/** `score/<metric>` at the layer (or block start) index, `similarity/<a>` at b. */
function emitScores(ctx: RunContext, scores: Record<string, number[]>, sim: number[][]): void {
  const byStep = new Map<number, Record<string, number>>();
  const put = (step: number, key: string, v: number) => {
    if (!Number.isFinite(v)) return;
    const m = byStep.get(step) ?? {};
    m[key] = v;
    byStep.set(step, m);
  };
  for (const [metric, values] of Object.entries(scores)) values.forEach((v, i) => put(i, scoreKey(metric), v));
  sim.forEach((row, a) => row.forEach((v, b) => put(b, similarityKey(a), v)));
  for (const [step, values] of [...byStep.entries()].sort((x, y) => x[0] - y[0])) ctx.metrics(step, values);
}

/**
 * Evaluate after removing the first k layers of `order`, k = 0…n (sweep) or k ∈ {0, n}; metrics at
 * step k. Null when cancelled.
 */
async function evalSweep(ctx: RunContext, cfg: PruneConfig, folder: ModelFolder, set: CalibrationSet, order: number[], denseNll: number): Promise<SweepPoint[] | null> {
  const n = order.length;
  const ks = cfg.eval.sweep ? Array.from({ length: n + 1 }, (_, k) => k) : [0, n];
  const perModel = cfg.eval.tasks.length * cfg.eval.num_examples;
  const total = ks.length * perModel;
  const session = sessionSettingsOf(ctx);
  const points: SweepPoint[] = [];
  let dense: Record<string, number> | null = null;
  ctx.progress(0, total, 'eval');
  for (const [i, k] of ks.entries()) {
    if (ctx.signal.aborted) return null;
    const removed = order.slice(0, k);
    const pruned = removeLayers(folder.config, folder.weights, removed);
    const nll = k === 0 ? denseNll : (await calibrationForward(pruned.config, pruned.weights, set, { session, signal: ctx.signal }))?.nll;
    if (nll === undefined || ctx.signal.aborted) return null;
    const e = await evaluatePruned(folder, removed, {
      tasks: cfg.eval.tasks,
      numExamples: cfg.eval.num_examples,
      maxNewTokens: cfg.eval.max_new_tokens,
      seed: cfg.seed,
      session,
      countField: 'eval.num_examples',
      tasksField: 'eval.tasks',
      signal: ctx.signal,
      onProgress: (done) => ctx.progress(i * perModel + done, total, 'eval'),
    });
    if (!e || ctx.signal.aborted) return null;
    dense ??= e.accuracy;
    const parameters = parameterCount(pruned.config);
    const m: Record<string, number> = { [NLL_KEY]: nll, [PARAMETERS_KEY]: parameters };
    for (const [task, acc] of Object.entries(e.accuracy)) {
      m[evalKey(task, 'accuracy')] = acc;
      if (dense[task]! > 0) m[evalKey(task, 'normalized')] = acc / dense[task]!;
    }
    ctx.metrics(k, m);
    if (k === 0 || k === n) emitSamples(ctx, k, e.results);
    ctx.log('info', `${k === 0 ? 'dense' : `without layer${k === 1 ? '' : 's'} ${removed.join(', ')}`}: ${fmtAccuracy(e.accuracy)}; calibration NLL ${nll.toFixed(4)}; ${parameters} parameters`);
    points.push({ removed, accuracy: e.accuracy, nll, parameters });
  }
  return points;
}

/** One sample row per eval example of the dense (step 0) and the pruned (step n) model. */
function emitSamples(ctx: RunContext, step: number, results: TaskEvalResult[]): void {
  for (const r of results) {
    for (const o of r.outcomes) {
      const v = o.verdicts[0];
      ctx.sample({
        step,
        prompt: o.example.prompt,
        completion: o.completions[0] ?? '',
        reward: v?.reward ?? null,
        extra: { task: r.task, id: o.example.id, answer: o.example.answer, correct: v?.correct ?? false, parsed: v?.parsed ?? null, errorClass: v?.errorClass ?? null },
      });
    }
  }
}

function modelCard(cfg: PruneConfig, dir: string, L: number, order: number[], kept: number[]): string {
  return [
    `# Pruned model`,
    '',
    `Layer-pruned from \`${cfg.model}\` (${dir}) by a Benchtop \`prune\` run (method \`${cfg.method}\`).`,
    '',
    `* removed layers (original indices, in removal order): ${order.join(', ')}`,
    `* ${L} → ${kept.length} decoder layers; new layer i is original layer [${kept.join(', ')}][i]`,
    `* protect_first ${cfg.protect_first}, protect_last ${protectSpecOf(cfg, L).protectLast}; calibration: ${cfg.calibration.num_sequences} packed rows × ${cfg.calibration.seq_len} tokens (seed ${cfg.seed})`,
    '',
    'No recovery finetuning has been applied.',
    '',
  ].join('\n');
}
