/** Moved: src/engine/toolkit/decoderLoss.ts. This re-export keeps imports written before the move working. */
export * from '../toolkit/decoderLoss';
