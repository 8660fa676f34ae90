/** Moved: src/engine/sft/selfGenerate.ts. This re-export keeps imports written before the move working. */
export * from '../sft/selfGenerate';
