/**
 * Which layers to remove, given scores (ALGORITHMS.md §7.1–7.2). Pure functions, so each rule is
 * tested on hand-made score vectors. Every rule keeps the first `protect_first` and last
 * `protect_last` layers and breaks ties towards the larger (deeper) index, as the seed paper's
 * search does.
 */
import type { PruneConfig } from '../../shared/config/prune';

export interface ProtectSpec {
  numLayers: number;
  /** Layers to remove (`num_layers` of the config). */
  numRemove: number;
  protectFirst: number;
  protectLast: number;
}

/**
 * The protected ranges of a prune config for a model of `numLayers` layers. An unset protect_last
 * is 1 for SLEB (its `latter_barrier` = 1: the last alive block is never switched off, §7.2.6) and
 * 0 for every other method (reverse_order removes the deepest layers by design).
 */
export function protectSpecOf(cfg: Pick<PruneConfig, 'method' | 'num_layers' | 'protect_first' | 'protect_last'>, numLayers: number): ProtectSpec {
  return { numLayers, numRemove: cfg.num_layers, protectFirst: cfg.protect_first, protectLast: cfg.protect_last ?? (cfg.method === 'sleb' ? 1 : 0) };
}

/**
 * The layers a method may remove, ascending: [protect_first, L − protect_last). Throws, naming
 * the config fields, when that leaves fewer than `num_layers` layers or would remove them all.
 */
export function removableLayers(s: ProtectSpec): number[] {
  const { numLayers: L, numRemove: n, protectFirst: pf, protectLast: pl } = s;
  if (n >= L) {
    throw new Error(`num_layers: expected fewer layers to remove than the model has (${L}), got ${n}`);
  }
  const allowed = Array.from({ length: L }, (_, i) => i).filter((i) => i >= pf && i < L - pl);
  if (allowed.length === 0) {
    throw new Error(`protect_first (${pf}) and protect_last (${pl}) protect all ${L} layers of the model: nothing is removable; lower protect_first or protect_last`);
  }
  if (allowed.length < n) {
    throw new Error(
      `num_layers: expected at most ${allowed.length} (the model has ${L} layers; protect_first ${pf} and protect_last ${pl} keep ${L - allowed.length} of them), got ${n}`,
    );
  }
  return allowed;
}

/** Reverse order (Lu et al.): the last `num_layers` unprotected layers, deepest first. */
export function reverseOrder(s: ProtectSpec): number[] {
  const allowed = removableLayers(s);
  return allowed.slice(allowed.length - s.numRemove).reverse();
}

/** a before b when a is the better pick: lower score for 'min', higher for 'max'; ties → larger index. */
function better(mode: 'min' | 'max', a: { i: number; v: number }, b: { i: number; v: number }): number {
  if (a.v !== b.v) return mode === 'min' ? a.v - b.v : b.v - a.v;
  return b.i - a.i;
}

function checkScores(scores: readonly number[], indices: readonly number[], what: string): void {
  for (const i of indices) {
    if (!Number.isFinite(scores[i])) throw new Error(`${what}: no finite score for index ${i} (got ${scores[i]})`);
  }
}

/**
 * One-shot per-layer selection (ShortGPT BI, PPL): the `num_layers` allowed layers with the
 * lowest score, in increasing score order (the removal order of a sweep).
 */
export function lowestScores(scores: readonly number[], s: ProtectSpec): number[] {
  if (scores.length !== s.numLayers) throw new Error(`expected ${s.numLayers} layer scores, got ${scores.length}`);
  const allowed = removableLayers(s);
  checkScores(scores, allowed, 'layer scores');
  return allowed
    .map((i) => ({ i, v: scores[i]! }))
    .sort((a, b) => better('min', a, b))
    .slice(0, s.numRemove)
    .map((x) => x.i);
}

/**
 * Contiguous block of `num_layers` (angular distance: 'min'; LLM-Streamline: 'max'). `scores[l]`
 * scores the block [l, l+n), l = 0…L−n; only blocks inside the removable range compete. Returns
 * the block's layers deepest first (the sweep removes from the end of the block, the "drop the
 * deepest layers" variant of Gromov et al.).
 */
export function bestBlock(scores: readonly number[], mode: 'min' | 'max', s: ProtectSpec): number[] {
  const n = s.numRemove;
  if (scores.length !== s.numLayers - n + 1) throw new Error(`expected ${s.numLayers - n + 1} block scores (one per start), got ${scores.length}`);
  const allowed = removableLayers(s);
  const starts = allowed.filter((l) => l + n - 1 <= allowed[allowed.length - 1]!);
  checkScores(scores, starts, 'block scores');
  const best = starts.map((i) => ({ i, v: scores[i]! })).sort((a, b) => better(mode, a, b))[0]!.i;
  return Array.from({ length: n }, (_, k) => best + n - 1 - k);
}

export interface SearchIteration {
  /** Layers removed before this iteration. */
  removed: number[];
  /** Candidate layer → its score with it removed as well. */
  scores: Record<number, number>;
  chosen: number;
}

/**
 * Greedy iterative removal (SLEB: 'min' calibration NLL; seed paper §7.1: 'max' mean normalized
 * accuracy): each iteration scores every remaining allowed layer with the layers removed so far
 * plus that one, and removes the best. `score` returning null means cancelled (→ null).
 */
export async function greedySearch(
  s: ProtectSpec,
  mode: 'min' | 'max',
  score: (removed: readonly number[], candidate: number) => Promise<number | null>,
  onIteration?: (it: SearchIteration) => void,
): Promise<{ order: number[]; iterations: SearchIteration[] } | null> {
  const allowed = removableLayers(s);
  const order: number[] = [];
  const iterations: SearchIteration[] = [];
  while (order.length < s.numRemove) {
    const scores: Record<number, number> = {};
    const ranked: { i: number; v: number }[] = [];
    for (const c of allowed) {
      if (order.includes(c)) continue;
      const v = await score(order, c);
      if (v === null) return null;
      if (!Number.isFinite(v)) throw new Error(`search: the score of removing layer ${c} (after [${order.join(', ')}]) is ${v}`);
      scores[c] = v;
      ranked.push({ i: c, v });
    }
    const chosen = ranked.sort((a, b) => better(mode, a, b))[0]!.i;
    const it = { removed: [...order], scores, chosen };
    iterations.push(it);
    onIteration?.(it);
    order.push(chosen);
  }
  return { order, iterations };
}
