/** Moved: src/engine/sft/run.ts. This re-export keeps imports written before the move working. */
export { runSft } from '../sft/run';
