/**
 * The checks the Models page shows for a folder when it is added: the tokenizer (style, BOS,
 * EOS, chat template — built exactly as a run builds it, so a tokenizer a run would refuse is
 * refused here), the weights' dtypes, a memory estimate per run kind, and plain-worded warnings.
 *
 * Memory: a rough estimate of this module's own, until the engine's per-run estimate
 * (src/engine/model/memoryEstimate.ts) is available here. Peak resident memory is taken as
 * 0.4 GiB (Node + onnxruntime) plus a per-kind multiple of the fp32 weight bytes (every dtype is
 * converted to fp32 on load). The multiples are the peaks measured with the engine of issue 10
 * on 135M- and 0.5B-shape folders at default settings (eval 4.7/11.6 GiB, LoRA SFT 8.0, full
 * SFT 9.7, GRPO 12.6 GiB on 135M…), rounded up: they include each kind's sessions and default
 * activations, and overstate runs with small batches.
 */
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { DecoderConfig } from '../engine/model/config';
import { ModelFileError } from '../engine/model/errors';
import { loadTokenizer } from '../engine/model/folder';
import { tokenizerStyle } from '../engine/model/tokenizer';
import type { ModelChecks } from '../shared/modelChecks';

const GIB = 1024 ** 3;
const RUNTIME_BYTES = 0.4 * GIB;

/** Peak memory ÷ fp32 weight bytes per run kind, measured (see the header). */
export const MEMORY_MULTIPLES: ModelChecks['memory']['byKind'] = {
  eval: 8.5,
  prune: 8.5,
  value: 5,
  sft_lora: 15,
  sft: 18.5,
  grpo_lora: 20,
  grpo: 24.5,
};

export const MEMORY_METHOD =
  'rough: 0.4 GiB + a per-kind multiple of the fp32 weights, from peaks measured at default settings (src/core/modelChecks.ts)';

export function roughPeakMemory(parameters: number): Record<string, number> {
  const w = 4 * parameters;
  return Object.fromEntries(Object.entries(MEMORY_MULTIPLES).map(([k, m]) => [k, Math.round(RUNTIME_BYTES + m! * w)]));
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
  const byKind = roughPeakMemory(f.parameters);

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
