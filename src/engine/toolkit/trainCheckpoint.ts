/**
 * Resumable training checkpoints: everything a training run needs to continue bit-for-bit —
 * parameters and both Adam moments (one safetensors file, tensors `param.<name>`, `adam.m.<name>`,
 * `adam.v.<name>`), the optimizer step and the data stream position (state.json).
 * Written to `<runDir>/checkpoints/step-<n>/`; a half-written folder is never announced, since
 * state.json is written last.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../model/safetensors';
import type { TrainableParam, TrainerState } from '../optim';

export const STATE_FILE = 'state.json';
export const TENSORS_FILE = 'trainer.safetensors';

export interface StreamPosition {
  /** Examples drawn from the MixtureStream (including those skipped as too long). */
  drawn: number;
  skipped: number;
  /** Packing: the last drawn example is waiting to open the next batch. */
  pending?: boolean;
}

export interface TrainCheckpoint {
  trainer: TrainerState;
  stream: StreamPosition;
  /** Counters carried across a resume (e.g. tokens seen). */
  counters: Record<string, number>;
}

export function checkpointDir(runDir: string, step: number): string {
  return join(runDir, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
}

export async function writeTrainCheckpoint(dir: string, params: readonly TrainableParam[], ck: TrainCheckpoint): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors: [string, TensorToWrite][] = [];
  for (const p of params) {
    tensors.push([`param.${p.name}`, { shape: p.shape, data: ck.trainer.params[p.name]! }]);
    tensors.push([`adam.m.${p.name}`, { shape: p.shape, data: ck.trainer.m[p.name]! }]);
    tensors.push([`adam.v.${p.name}`, { shape: p.shape, data: ck.trainer.v[p.name]! }]);
  }
  await writeSafetensors(join(dir, TENSORS_FILE), tensors);
  const state = { format: 'benchtop-train-checkpoint/1', step: ck.trainer.step, stream: ck.stream, counters: ck.counters };
  await writeFile(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

export async function readTrainCheckpoint(dir: string, params: readonly TrainableParam[]): Promise<TrainCheckpoint> {
  const stateFile = join(dir, STATE_FILE);
  let state: { step?: unknown; stream?: Partial<StreamPosition>; counters?: Record<string, number> };
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8'));
  } catch (e) {
    throw new Error(`cannot resume from ${stateFile}: ${(e as Error).message}`);
  }
  if (typeof state.step !== 'number' || typeof state.stream?.drawn !== 'number') {
    throw new Error(`cannot resume from ${stateFile}: expected a 'step' and a 'stream.drawn' number`);
  }
  const { tensors } = await readSafetensors(join(dir, TENSORS_FILE));
  const get = (key: string, p: TrainableParam): Float32Array => {
    const t = tensors.get(key);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (!t || !(t.data instanceof Float32Array) || t.data.length !== n) {
      throw new Error(`cannot resume from ${join(dir, TENSORS_FILE)}: tensor '${key}' is missing or not ${n} float32 values (was the model shape changed?)`);
    }
    return t.data;
  };
  const trainer: TrainerState = { step: state.step, params: {}, m: {}, v: {} };
  for (const p of params) {
    trainer.params[p.name] = get(`param.${p.name}`, p);
    trainer.m[p.name] = get(`adam.m.${p.name}`, p);
    trainer.v[p.name] = get(`adam.v.${p.name}`, p);
  }
  return { trainer, stream: { drawn: state.stream.drawn, skipped: state.stream.skipped ?? 0, pending: state.stream.pending === true }, counters: state.counters ?? {} };
}
