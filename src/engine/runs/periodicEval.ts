/** Moved: src/engine/toolkit/periodicEval.ts. This re-export keeps imports written before the move working. */
export * from '../toolkit/periodicEval';
