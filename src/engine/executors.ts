/**
 * Run kind → executor, derived from the kind modules (src/shared/kinds): each names its engine
 * folder, whose `run.ts` exports the executor. Loaded lazily so a runner only pays for the kind it
 * runs. The import names the folder through a variable on purpose: the bundler turns
 * `./<folder>/run.ts` into one chunk per folder, and a new kind needs no line here
 * (docs/dev/ADD-A-RUN-KIND.md).
 */
import { runKindModule, type RunKind } from '../shared/kinds';
import type { RunExecutor } from '../shared/runContext';

async function importRun(folder: string): Promise<Record<string, unknown>> {
  return (await import(`./${folder}/run.ts`)) as Record<string, unknown>;
}

export function hasExecutor(kind: RunKind): boolean {
  try {
    return !!runKindModule(kind).engine;
  } catch {
    return false;
  }
}

export async function loadExecutor(kind: RunKind): Promise<RunExecutor> {
  const { folder, executor } = runKindModule(kind).engine;
  const mod = await importRun(folder);
  const fn = mod[executor];
  if (typeof fn !== 'function') {
    throw new Error(`run kind '${kind}' cannot execute in this build: src/engine/${folder}/run.ts exports no executor '${executor}'`);
  }
  return fn as RunExecutor;
}
