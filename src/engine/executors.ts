/**
 * Run kind → executor. The runner process looks the kind up here; each executor lives in its
 * kind's engine folder and is loaded lazily so a runner only pays for the kind it runs.
 */
import type { RunKind } from '../shared/config/kinds';
import type { RunExecutor } from '../shared/runContext';

const LOADERS: Partial<Record<RunKind, () => Promise<RunExecutor>>> = {
  pretrain: async () => (await import('./runs/pretrain')).runPretrain,
  sft: async () => (await import('./runs/sft')).runSft,
  eval: async () => (await import('./runs/evalRun')).runEval,
  prune: async () => (await import('./pruning/run')).runPrune,
  grpo: async () => (await import('./rlvr/run')).runGrpo,
  value: async () => (await import('./valuation/run')).runValue,
};

export function hasExecutor(kind: RunKind): boolean {
  return kind in LOADERS;
}

export async function loadExecutor(kind: RunKind): Promise<RunExecutor> {
  const load = LOADERS[kind];
  if (!load) {
    throw new Error(`run kind '${kind}' cannot execute in this build: its engine executor is not available yet`);
  }
  return load();
}
