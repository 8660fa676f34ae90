/**
 * Run-start warnings for settings that are valid but likely not what the user means.
 */
import { describe, expect, it } from 'vitest';
import { validateRunConfig, type GrpoConfig } from '../../../src/shared/config';
import { grpoWarnings } from '../../../src/engine/rlvr/runWarnings';

const ok = (extra: Record<string, unknown>): GrpoConfig => {
  const v = validateRunConfig({ kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'knights_knaves' }], ...extra });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.config as GrpoConfig;
};

describe('grpo run-start warnings', () => {
  it('sequence-level ratios with a token-sum loss (dapo, bnpo, dr_grpo) are length-weighted', () => {
    for (const lossType of ['dapo', 'bnpo', 'dr_grpo']) {
      const w = grpoWarnings(ok({ importance_sampling_level: 'sequence', loss_type: lossType }));
      expect(w.filter((m) => m.startsWith('importance_sampling_level: sequence')), lossType).toHaveLength(1);
      expect(w.join('\n')).toMatch(new RegExp(`loss_type ${lossType}`));
    }
    expect(grpoWarnings(ok({ importance_sampling_level: 'sequence', loss_type: 'grpo' }))).toEqual([]);
    expect(grpoWarnings(ok({ importance_sampling_level: 'token', loss_type: 'dapo' }))).toEqual([]);
  });
  it('a pass_at_k_method with pass_at_k 0 does nothing', () => {
    expect(grpoWarnings(ok({ pass_at_k_method: 'pkpo' }))).toEqual(['pass_at_k_method pkpo: pass_at_k is 0, so GRPO advantages are used and the method has no effect; set pass_at_k ≥ 1']);
    expect(grpoWarnings(ok({ pass_at_k: 2, pass_at_k_method: 'pkpo' }))).toEqual([]);
  });
  it('a reference sync period longer than the run never syncs', () => {
    expect(grpoWarnings(ok({ beta: 0.04, sync_ref_model: true, training: { max_steps: 40 } }))).toEqual([
      'sync_ref_model: ref_model_sync_steps 512 is more than training.max_steps 40, so the reference never syncs; lower ref_model_sync_steps',
    ]);
    expect(grpoWarnings(ok({ beta: 0.04, sync_ref_model: true, ref_model_sync_steps: 40, training: { max_steps: 40 } }))).toEqual([]);
  });
  it('keeps the LLDS warnings', () => {
    expect(grpoWarnings(ok({ llds: { enabled: true } })).some((m) => m.startsWith('llds: with num_iterations 1'))).toBe(true);
  });
});
