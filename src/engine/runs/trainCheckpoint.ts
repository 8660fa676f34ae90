/** Moved: src/engine/toolkit/trainCheckpoint.ts. This re-export keeps imports written before the move working. */
export * from '../toolkit/trainCheckpoint';
