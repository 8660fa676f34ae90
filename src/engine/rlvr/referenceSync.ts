/**
 * TR-DPO reference sync for GRPO (ALGORITHMS.md §1.3; TRL `sync_ref_model`, SyncRefModelCallback):
 * after every optimizer step whose count is a multiple of τ = ref_model_sync_steps,
 *
 *   π_ref ← α·π_θ + (1 − α)·π_ref        weight by weight (α = ref_model_mixup_alpha)
 *
 * The reference weights are held here as plain float32 arrays and fed to the policy scorer's
 * weights-as-inputs graph (decision 0037): a sync is a JS loop over the weights, never a rebuilt
 * session. They are part of a resumable checkpoint (reference.safetensors beside the trainer's
 * tensors), since after a sync they are no longer the base model.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../model/safetensors';
import type { TrainableParam } from '../optim';

export const REFERENCE_FILE = 'reference.safetensors';

export interface RefSyncSpec {
  /** α in π_ref ← α·π_θ + (1 − α)·π_ref. */
  alpha: number;
  /** τ: sync after optimizer steps τ, 2τ, … */
  every: number;
}

/** Whether the sync runs after optimizer step `step` (1-based count of steps taken; TRL: global_step % τ == 0). */
export function syncDue(step: number, spec: RefSyncSpec): boolean {
  return step > 0 && step % spec.every === 0;
}

/** In place: ref ← α·policy + (1 − α)·ref for every weight (computed in float64, rounded once). */
export function mixInto(ref: Record<string, Float32Array>, policy: Record<string, Float32Array>, alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`ref_model_mixup_alpha: expected 0 ≤ α ≤ 1, got ${alpha}`);
  for (const [name, r] of Object.entries(ref)) {
    const p = policy[name];
    if (!p || p.length !== r.length) throw new Error(`reference sync: the policy has no weight '${name}' of ${r.length} values`);
    for (let i = 0; i < r.length; i++) r[i] = alpha * p[i]! + (1 - alpha) * r[i]!;
  }
}

export async function writeReference(dir: string, params: readonly TrainableParam[], ref: Record<string, Float32Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, REFERENCE_FILE), params.map((p) => [p.name, { shape: p.shape, data: ref[p.name]! }]));
}

export async function readReference(dir: string, params: readonly TrainableParam[]): Promise<Record<string, Float32Array>> {
  const file = join(dir, REFERENCE_FILE);
  let tensors;
  try {
    ({ tensors } = await readSafetensors(file));
  } catch (e) {
    throw new Error(`cannot resume the synced reference model (sync_ref_model) from ${file}: ${(e as Error).message}`);
  }
  const out: Record<string, Float32Array> = {};
  for (const p of params) {
    const t = tensors.get(p.name);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (!t || !(t.data instanceof Float32Array) || t.data.length !== n) throw new Error(`cannot resume from ${file}: tensor '${p.name}' is missing or not ${n} float32 values`);
    out[p.name] = t.data;
  }
  return out;
}
