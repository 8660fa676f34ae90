/**
 * The executor toolkit: what every run kind's executor (src/engine/<kind>/run.ts) shares —
 * resolving `model:` references, checking task names, the training loop with its checkpoints
 * and periodic evals, the decoder loss graphs, and saving the trained folder.
 */
export * from './modelRef';
export * from './modelOutput';
export * from './taskCheck';
export * from './periodicEval';
export * from './decoderLoss';
export * from './trainCheckpoint';
export * from './trainLoop';
