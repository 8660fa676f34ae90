/**
 * The `prune` run's method dispatch (ALGORITHMS.md §7.1–7.2): from the calibration scores (and,
 * for SLEB and the seed paper's search, more forward passes or evals) to the removal order.
 *
 *   reverse_order     last num_layers unprotected layers, deepest first (Lu et al.)
 *   block_influence   lowest BI, one shot (ShortGPT)
 *   angular_distance  contiguous block with the smallest last-token angular distance (Gromov et al.)
 *   streamline        contiguous block with the largest 0.5+0.5·cos (LLM-Streamline; pruning only,
 *                     no replacement module)
 *   ppl               lowest calibration NLL with the layer alone removed, one shot (Shortened LLaMA)
 *   sleb              the same, iteratively: remove the best, rescore the rest (SLEB)
 *   iterative_task    greedy, max mean normalized accuracy over the eval tasks on search_examples
 *                     examples each; greedy decoding instead of the paper's T = 0.9 sampling, so a
 *                     small search set gives a deterministic, lower-variance score (seed paper §7.1)
 */
import type { PruneConfig } from '../../shared/config/prune';
import type { ModelFolder } from '../model/folder';
import type { SessionSettings } from '../onnx';
import { calibrationForward, type CalibrationSet } from './calibration';
import { keptLayers } from './removeLayers';
import { meanNormalizedAccuracy } from './scores';
import { bestBlock, greedySearch, lowestScores, removableLayers, reverseOrder, type ProtectSpec, type SearchIteration } from './select';
import { evaluatePruned } from './taskEval';

export interface ChooseInput {
  cfg: PruneConfig;
  folder: ModelFolder;
  set: CalibrationSet;
  spec: ProtectSpec;
  session: SessionSettings;
  signal: AbortSignal;
  /** Scores by metric name (block_influence, angular_distance, streamline; ppl when computed). */
  scores: Record<string, number[]>;
  /** Calibration NLL with each layer alone removed (ppl and sleb). */
  nllAlone: number[] | null;
  progress: (done: number, total: number) => void;
  log: (text: string) => void;
}

export interface Choice {
  /** Layers in removal order (the sweep removes prefixes of it). */
  order: number[];
  /** Greedy methods: every iteration's candidate scores. */
  search: SearchIteration[];
  /** iterative_task: the dense model's accuracy on the search examples. */
  searchBaseline?: Record<string, number>;
}

/** Number of candidate evaluations a greedy search of `numRemove` layers out of `allowed` makes. */
export function searchSteps(allowed: number, numRemove: number): number {
  let s = 0;
  for (let k = 0; k < numRemove; k++) s += allowed - k;
  return s;
}

/** The removal order for the configured method; null when cancelled. */
export async function chooseLayers(x: ChooseInput): Promise<Choice | null> {
  const { cfg, spec } = x;
  switch (cfg.method) {
    case 'reverse_order':
      return { order: reverseOrder(spec), search: [] };
    case 'block_influence':
      return { order: lowestScores(x.scores.block_influence!, spec), search: [] };
    case 'angular_distance':
      return { order: bestBlock(x.scores.angular_distance!, 'min', spec), search: [] };
    case 'streamline':
      return { order: bestBlock(x.scores.streamline!, 'max', spec), search: [] };
    case 'ppl':
      return { order: lowestScores(need(x.nllAlone), spec), search: [] };
    case 'sleb':
      return sleb(x);
    case 'iterative_task':
      return iterativeTask(x);
  }
}

function need(nll: number[] | null): number[] {
  if (!nll) throw new Error('internal: per-layer calibration NLL was not computed');
  return nll;
}

/** SLEB: greedy on the calibration NLL; the first iteration's NLLs are the per-layer ones already measured. */
async function sleb(x: ChooseInput): Promise<Choice | null> {
  const alone = need(x.nllAlone);
  const total = searchSteps(removableLayers(x.spec).length, x.spec.numRemove);
  let done = 0;
  const r = await greedySearch(
    x.spec,
    'min',
    async (removed, c) => {
      let nll: number | null;
      if (removed.length === 0) nll = alone[c]!;
      else {
        if (x.signal.aborted) return null;
        const f = await calibrationForward(x.folder.config, x.folder.weights, x.set, {
          layers: keptLayers(x.spec.numLayers, [...removed, c]),
          session: x.session,
          signal: x.signal,
        });
        nll = f?.nll ?? null;
      }
      x.progress(++done, total);
      return nll;
    },
    (it) => x.log(`sleb: after removing [${it.removed.join(', ')}], removing layer ${it.chosen} gives the lowest calibration NLL (${it.scores[it.chosen]!.toFixed(4)})`),
  );
  return r && { order: r.order, search: r.iterations };
}

/** The seed paper's search (§7.1): mean normalized accuracy on search_examples per task, greedy. */
async function iterativeTask(x: ChooseInput): Promise<Choice | null> {
  const { cfg } = x;
  const total = 1 + searchSteps(removableLayers(x.spec).length, x.spec.numRemove);
  let done = 0;
  // A separate draw of the test split (seed + 1) from the reported eval examples.
  const evalOpts = {
    tasks: cfg.eval.tasks,
    numExamples: cfg.search_examples,
    maxNewTokens: cfg.eval.max_new_tokens,
    seed: cfg.seed + 1,
    session: x.session,
    countField: 'search_examples',
    tasksField: 'eval.tasks',
    signal: x.signal,
  };
  const base = await evaluatePruned(x.folder, [], evalOpts);
  if (!base) return null;
  x.progress(++done, total);
  if (meanNormalizedAccuracy(base.accuracy, base.accuracy) === null) {
    throw new Error(
      `search_examples: the dense model solves none of its ${cfg.search_examples} search examples on any eval task (${Object.keys(base.accuracy).join(', ')}), so there is no accuracy to normalize by; raise search_examples or choose eval.tasks it can solve`,
    );
  }
  x.log(`iterative_task: dense accuracy on the search examples: ${fmtAccuracy(base.accuracy)}`);
  const r = await greedySearch(
    x.spec,
    'max',
    async (removed, c) => {
      const e = await evaluatePruned(x.folder, [...removed, c], evalOpts);
      if (!e) return null;
      x.progress(++done, total);
      return meanNormalizedAccuracy(e.accuracy, base.accuracy)!;
    },
    (it) => x.log(`iterative_task: after removing [${it.removed.join(', ')}], removing layer ${it.chosen} keeps the highest mean normalized accuracy (${it.scores[it.chosen]!.toFixed(3)})`),
  );
  return r && { order: r.order, search: r.iterations, searchBaseline: base.accuracy };
}

export function fmtAccuracy(acc: Readonly<Record<string, number>>): string {
  return Object.entries(acc)
    .map(([t, a]) => `${t} ${(100 * a).toFixed(1)}%`)
    .join(', ');
}
