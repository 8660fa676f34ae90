/** Moved: the eval executor is src/engine/eval/run.ts, model references src/engine/toolkit/modelRef.ts. This re-export keeps imports written before the move working. */
export { runEval, compactResult, breakdownMetrics } from '../eval/run';
export { BUILTIN_PREFIX, RUN_PREFIX, runModelFolder, resolveModelFolder } from '../toolkit/modelRef';
