/** Named starting points shown in the config editor: each kind's module holds its own (src/shared/kinds). */
import { PRESETS, type ConfigPreset, type RunKind } from '../kinds';

export { BUILTIN_EVAL_TASKS, BUILTIN_MODEL_REF, BUILTIN_RECIPE } from './builtinModel';
export { PRESETS, type ConfigPreset };

export function presetsFor(kind: RunKind): ConfigPreset[] {
  return PRESETS.filter((p) => p.kind === kind);
}
