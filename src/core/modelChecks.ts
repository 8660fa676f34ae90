/**
 * The checks the Models page shows for a folder when it is added: the tokenizer (style, BOS,
 * EOS, chat template — built exactly as a run builds it, so a tokenizer a run would refuse is
 * refused here), the weights' dtypes, a memory estimate per run kind, and plain-worded warnings.
 *
 * Memory: the engine's up-front estimate (src/engine/model/memoryEstimate.ts, the same one the
 * runner checks before a run starts) for each kind's default config on this folder, with LoRA on
 * and off where the kind trains.
 */
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { DecoderConfig } from '../engine/model/config';
import { ModelFileError } from '../engine/model/errors';
import { loadTokenizer } from '../engine/model/folder';
import { tokenizerStyle } from '../engine/model/tokenizer';
import type { ModelChecks } from '../shared/modelChecks';
import { estimateRunMemory } from '../engine/model/memoryEstimate';
import { defaultConfig, validateRunConfig, type RunKind } from '../shared/config';

const GIB = 1024 ** 3;

export const MEMORY_METHOD =
  "the engine's estimate for each kind's default config (src/engine/model/memoryEstimate.ts; the runner refuses a run whose estimate exceeds the machine)";

/** Default configs of the kinds a folder runs in, named as the Models page shows them. */
const VARIANTS: Record<string, [RunKind, Record<string, unknown>]> = {
  eval: ['eval', { tasks: [{ task: 'arithmetic' }] }],
  prune: ['prune', {}],
  value: ['value', {}],
  sft_lora: ['sft', { data: { tasks: [{ task: 'arithmetic' }] }, lora: { enabled: true } }],
  sft: ['sft', { data: { tasks: [{ task: 'arithmetic' }] }, lora: { enabled: false } }],
  grpo_lora: ['grpo', { tasks: [{ task: 'arithmetic' }], lora: { enabled: true } }],
  grpo: ['grpo', { tasks: [{ task: 'arithmetic' }], lora: { enabled: false } }],
};

/** Estimated peak bytes per kind (and LoRA variant) at default settings. */
export function estimatedPeakMemory(config: DecoderConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, [kind, fields]] of Object.entries(VARIANTS)) {
    const v = validateRunConfig(defaultConfig(kind, { model: '(folder)', ...fields }));
    if (!v.ok) throw new Error(`the default ${kind} config does not validate: ${JSON.stringify(v.issues)}`);
    out[name] = Math.round(estimateRunMemory(config, v.config).totalBytes);
  }
  return out;
}

const gib = (b: number) => `${(b / GIB).toFixed(b < 10 * GIB ? 1 : 0)} GiB`;
const KIND_NAMES: Record<string, string> = { eval: 'eval', prune: 'prune', value: 'value', sft_lora: 'SFT with LoRA', sft: 'full SFT', grpo_lora: 'GRPO with LoRA', grpo: 'full GRPO' };

export interface FolderFacts {
  dir: string;
  config: DecoderConfig;
  parameters: number;
  dtypes: string[];
  weightBytes: number;
  /** Machine memory (default: this machine's). */
  machineBytes?: number;
}

export async function checkModelFolder(f: FolderFacts): Promise<ModelChecks> {
  const tok = await loadTokenizer(f.dir);
  if (tok.vocabSize > f.config.vocab_size) {
    throw new ModelFileError(join(f.dir, 'tokenizer.json'), `has ${tok.vocabSize} tokens but config.json vocab_size is ${f.config.vocab_size} (expected ≤ vocab_size)`);
  }
  const name = (id: number) => tok.idToToken(id) ?? `#${id}`;
  const machineBytes = f.machineBytes ?? totalmem();
  const byKind = estimatedPeakMemory(f.config);

  const warnings: string[] = [];
  if (tok.eosId === null) {
    warnings.push('No end-of-sequence token: SFT, prune and value runs will refuse this folder, and generation only stops at max_new_tokens. Set eos_token in tokenizer_config.json or eos_token_id in generation_config.json, or name a token in the run config\'s sequence_end.');
  }
  if (tok.chatTemplate === null) warnings.push('No chat template: runs give prompts as plain text (prompt_format: chat is unavailable).');
  const low = f.dtypes.filter((d) => d !== 'F32');
  if (low.length) warnings.push(`Weights are stored as ${low.join(' and ')}: runs compute in fp32, so loaded weights take ${low.length === f.dtypes.length ? 'twice' : 'more than'} the size of the files.`);
  const over = Object.entries(byKind).filter(([, b]) => b > 0.9 * machineBytes);
  if (over.length) {
    warnings.push(`Estimated memory exceeds this machine's ${gib(machineBytes)} for ${over.map(([k, b]) => `${KIND_NAMES[k] ?? k} (${gib(b)})`).join(', ')}: such runs may be refused or fail.`);
  }
  return {
    architecture: { modelType: f.config.model_type, supported: true },
    tokenizer: {
      style: tokenizerStyle(tok.json),
      vocabSize: tok.vocabSize,
      bosToken: tok.bosToken,
      addBos: tok.addBos,
      eosToken: tok.eosId === null ? null : name(tok.eosId),
      eosTokens: tok.eosIds.map(name),
      chatTemplate: tok.chatTemplate !== null,
      defaultPromptFormat: tok.promptFormat,
    },
    parameters: f.parameters,
    dtypes: f.dtypes,
    weightBytes: f.weightBytes,
    memory: { byKind, machineBytes, method: MEMORY_METHOD },
    warnings,
  };
}
