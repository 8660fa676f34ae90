/** Moved: the pretrain executor is src/engine/pretrain/run.ts, saving the folder src/engine/toolkit/modelOutput.ts. This re-export keeps imports written before the move working. */
export { runPretrain, decoderConfigFromShape, generationConfigOf } from '../pretrain/run';
export { outputDirOf, saveAndRegister } from '../toolkit/modelOutput';
