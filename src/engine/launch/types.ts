/**
 * Scale-out export (issue 14): a Benchtop run config becomes a launch folder for a cluster
 * trainer. The mapping says, field by field, where each Benchtop knob goes in the target's own
 * config (names checked against the target's source at a pinned version, resources/launch/targets)
 * and which knobs have no counterpart.
 */
export const LAUNCH_TARGETS = ['trl', 'verl'] as const;
export type LaunchTarget = (typeof LAUNCH_TARGETS)[number];

/** The run kinds a launch folder can be written for. */
export const LAUNCH_KINDS = ['sft', 'grpo'] as const;
export type LaunchKind = (typeof LAUNCH_KINDS)[number];

/**
 * Where a target field lives: 'config' = a field of the target's config class or YAML (checked
 * against the recorded field lists), 'code' = an argument in the written script or data files
 * (a trainer argument, a dataset column, a peft LoraConfig argument).
 */
export type TargetPlace = 'config' | 'code';

export interface TargetField {
  name: string;
  value: unknown;
  place: TargetPlace;
}

/** One Benchtop config field and where it went (or why it did not). */
export interface MappingRow {
  /** Dotted path in the Benchtop config, e.g. `training.learning_rate`. */
  field: string;
  value: unknown;
  /** Target fields it sets; empty when it does not map. */
  targets: TargetField[];
  /** How it maps (a unit change, a rename of values) or, when it does not, what the user must add. */
  note: string;
}

export interface LaunchFile {
  /** Relative path inside the launch folder. */
  path: string;
  content: string;
}

export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}
