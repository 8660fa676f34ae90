/**
 * The recorded config field lists of the cluster trainers (resources/launch/targets/*.json,
 * written by scripts/launch-targets.mjs from their source at a pinned commit).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchKind, LaunchTarget, TargetPin } from '../../engine/launch';
import { packageRoot } from '../runner/locate';
import { shippedResourcesDir } from '../../engine/toolkit/resources';

export interface TargetRecord extends TargetPin {
  class?: string;
  note?: string;
  fields: string[];
}

export function launchResourcesDir(): string {
  return join(shippedResourcesDir(packageRoot()), 'launch');
}

/** The records a target's config is checked against, for one run kind. */
export function targetRecordNames(target: LaunchTarget, kind: LaunchKind): string[] {
  if (target === 'trl') return [kind === 'grpo' ? 'trl-grpo-config' : 'trl-sft-config', 'trl-base-config', 'transformers-training-args'];
  return [kind === 'grpo' ? 'verl-ppo-trainer' : 'verl-sft-trainer'];
}

export function readTargetRecords(target: LaunchTarget, kind: LaunchKind): TargetRecord[] {
  return targetRecordNames(target, kind).map((name) => {
    const file = join(launchResourcesDir(), 'targets', `${name}.json`);
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as TargetRecord;
    } catch (e) {
      throw new Error(`${file}: cannot read the recorded ${target} fields (${(e as Error).message}); run scripts/launch-targets.mjs`);
    }
  });
}

/** Every recorded field name of the target for this kind. */
export function targetFieldNames(target: LaunchTarget, kind: LaunchKind): Set<string> {
  return new Set(readTargetRecords(target, kind).flatMap((r) => r.fields));
}
