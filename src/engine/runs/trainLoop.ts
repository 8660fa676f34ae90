/** Moved: src/engine/toolkit/trainLoop.ts. This re-export keeps imports written before the move working. */
export * from '../toolkit/trainLoop';
