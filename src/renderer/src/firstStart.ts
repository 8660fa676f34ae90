/**
 * The ready example runs of the "Start here" panel (Runs page, empty history). Each names a
 * preset in src/shared/config/presets.ts; one click opens the New run editor filled with it.
 */
import { BUILTIN_MODEL_REF, PRESETS, type ConfigPreset } from '@shared/config/presets';
import type { ModelEntry } from '@shared/records';

export interface StartExample {
  preset: ConfigPreset;
  /** Button text. */
  title: string;
  /** The example runs on the shipped model, so it needs its folder. */
  needsBuiltin: boolean;
}

const EXAMPLES: { presetId: string; title: string }[] = [
  { presetId: 'eval-builtin', title: 'Evaluate the built-in model' },
  { presetId: 'prune-builtin-bi', title: 'Prune a layer of the built-in model' },
  { presetId: 'sft-lora-builtin', title: 'LoRA finetune of the built-in model' },
  { presetId: 'pretrain-tiny-arithmetic', title: 'Pretrain a tiny model' },
  // Issue 12's RLVR presets: each states its expected effect and checks it at the end (decision 0038).
  { presetId: 'grpo-accuracy-builtin', title: 'RLVR (a): does GRPO raise accuracy?' },
  { presetId: 'grpo-failure-prefix-builtin', title: 'RLVR (b): failure-prefix conditioning' },
  { presetId: 'grpo-llds-builtin', title: 'RLVR (c): LLDS against likelihood decay' },
  { presetId: 'grpo-thr-builtin', title: 'RLVR (d): THR p > 0 vs p < 0' },
  { presetId: 'value-mislabel-warmup', title: 'Valuation (e): For-Value flags label noise after a brief SFT' },
];

export function startExamples(presets: readonly ConfigPreset[] = PRESETS): StartExample[] {
  const out: StartExample[] = [];
  for (const e of EXAMPLES) {
    const preset = presets.find((p) => p.id === e.presetId);
    if (preset) out.push({ preset, title: e.title, needsBuiltin: preset.config.model === BUILTIN_MODEL_REF });
  }
  return out;
}

/** The shipped model's entry in the model list (null when its folder is missing). */
export function builtinModelOf(models: readonly ModelEntry[]): ModelEntry | null {
  return models.find((m) => m.builtin && m.id === BUILTIN_MODEL_REF) ?? null;
}

/** "llama · 4 layers · d 128 · 8 heads (4 KV)" from a model entry's info. */
export function shapeSummary(m: ModelEntry): string {
  const i = m.info as Record<string, unknown>;
  const parts = [m.architecture];
  if (typeof i.num_hidden_layers === 'number') parts.push(`${i.num_hidden_layers} layers`);
  if (typeof i.hidden_size === 'number') parts.push(`d ${i.hidden_size}`);
  if (typeof i.num_attention_heads === 'number') {
    const kv = i.num_key_value_heads;
    parts.push(`${i.num_attention_heads} heads${typeof kv === 'number' && kv !== i.num_attention_heads ? ` (${kv} KV)` : ''}`);
  }
  if (typeof i.vocab_size === 'number') parts.push(`vocab ${i.vocab_size}`);
  return parts.join(' · ');
}
