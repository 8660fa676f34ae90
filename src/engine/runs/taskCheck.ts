/** Moved: src/engine/toolkit/taskCheck.ts. This re-export keeps imports written before the move working. */
export * from '../toolkit/taskCheck';
