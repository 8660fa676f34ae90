/** Small builders for mapping rows, so the per-kind tables read as a list of decisions. */
import type { LaunchTarget, MappingRow, TargetField } from './types';

export const cfgField = (name: string, value: unknown): TargetField => ({ name, value, place: 'config' });
export const codeField = (name: string, value: unknown): TargetField => ({ name, value, place: 'code' });

export function mapped(field: string, value: unknown, targets: TargetField[], note = ''): MappingRow {
  return { field, value, targets, note };
}

export function unmapped(field: string, value: unknown, note: string): MappingRow {
  return { field, value, targets: [], note };
}

/** A rule per Benchtop field, for one target: the rows it yields (usually one). */
export type Rule<C> = (cfg: C, target: LaunchTarget) => MappingRow | MappingRow[];

/** Benchtop's LoRA module names → the Hugging Face Llama-family projection names. */
export const HF_LORA_MODULES: Record<string, string> = {
  q: 'q_proj',
  k: 'k_proj',
  v: 'v_proj',
  o: 'o_proj',
  gate: 'gate_proj',
  up: 'up_proj',
  down: 'down_proj',
};

/** Benchtop lr schedules → TRL/transformers names (identical) and verl's (constant | cosine, warmup separate). */
export function verlScheduler(name: string): string {
  return name === 'cosine' ? 'cosine' : 'constant';
}

/** Every-N-steps knobs: Benchtop's 0 = off; TRL says so with a strategy, verl with -1. */
export function everyTrl(n: number, strategy: string, steps: string, field: string, value: number): MappingRow {
  return n > 0
    ? mapped(field, value, [cfgField(strategy, 'steps'), cfgField(steps, n)])
    : mapped(field, value, [cfgField(strategy, 'no')], '0 (off) becomes the "no" strategy');
}

/** A task mixture as one MAPPING.md cell: name×weight and options. */
export function mixtureText(tasks: readonly { task: string; weight: number; options: Record<string, unknown> }[]): string {
  return tasks.map((r) => `${r.task}×${r.weight}${Object.keys(r.options).length ? ` ${JSON.stringify(r.options)}` : ''}`).join(', ');
}
