/**
 * The built-in decoder as the evaluation harness's LanguageModel (src/engine/evaluation/
 * harness.ts): a loaded folder plus session settings, generating through the KV cache
 * (generate.ts) and scoring choices teacher-forced (scoring.ts). Also the richer calls the CLI
 * and rollouts use: `sample` (tokens, log-probs, finish reasons) and `scoreTexts`.
 */
import type { LanguageModel, SamplingOptions } from '../evaluation/harness';
import { loadModelFolder, type GenerationConfig } from '../model/folder';
import type { DecoderConfig } from '../model/config';
import type { TextTokenizer } from '../model/tokenizer';
import type { DecoderWeights } from '../model/weights';
import { generate, type GenerateOptions, type GeneratePath, type GeneratedSample } from './generate';
import { ModelRuntime, type InferenceFolder, type RuntimeSettings } from './runtime';
import { scoreChoices, scoreTexts, type ScoreItem, type ScoreOptions, type TokenScores } from './scoring';

export interface InferenceSettings extends RuntimeSettings {
  /** Stop strings applied by `generate` (the harness call); default none (EOS only). */
  stop?: readonly string[];
  /** Rows per generation batch and sequences per scoring batch. */
  batchSize?: number;
  /** 'auto' (default: in-graph where the provider runs Loop on the device, else 'kv'), 'loop', 'kv' or 'full'. */
  path?: GeneratePath;
  /** Cut completions at the model's positions instead of refusing (GenerateOptions.fitToLimit). */
  fitToLimit?: boolean;
}

export class InferenceModel extends ModelRuntime implements LanguageModel {
  constructor(
    folder: InferenceFolder,
    readonly inference: InferenceSettings = { executionProvider: 'cpu' },
  ) {
    super(folder, inference);
  }

  /** Load an HF model folder. */
  static async load(dir: string, settings: InferenceSettings = { executionProvider: 'cpu' }): Promise<InferenceModel> {
    return new InferenceModel(await loadModelFolder(dir), settings);
  }

  /** From parts already in memory (e.g. the trainer's weights of the moment). */
  static create(config: DecoderConfig, weights: DecoderWeights, tokenizer: TextTokenizer, settings: InferenceSettings = {}, generationConfig: GenerationConfig = {}): InferenceModel {
    return new InferenceModel({ config, weights, tokenizer, generationConfig }, settings);
  }

  /** Which provider runs the graphs and why not the one asked for (opens the decode session). */
  async device(): Promise<{ provider: string; notice: string | null }> {
    const p = this.inference.path;
    const s = await this.session(p === 'full' ? 'full' : p === 'kv' ? 'decode' : 'prefill');
    return { provider: s.provider, notice: s.notice };
  }

  /** LanguageModel: completion texts, `numSamples` per prompt. */
  async generate(prompts: string[], o: SamplingOptions & { topK?: number }): Promise<string[][]> {
    const res = await this.sample(prompts, { ...o, stop: this.inference.stop });
    return res.map((r) => r.map((s) => s.text));
  }

  /** Completions with tokens, model log-probs and finish reasons. */
  sample(prompts: readonly string[], o: GenerateOptions): Promise<GeneratedSample[][]> {
    return generate(this, prompts, { batchSize: this.inference.batchSize, path: this.inference.path, fitToLimit: this.inference.fitToLimit, ...o });
  }

  /** LanguageModel: summed log-prob and token count of each choice given its prompt. */
  scoreChoices(prompts: string[], choices: string[][]): Promise<{ logprobs: number[][]; lengths: number[][] }> {
    return scoreChoices(this, prompts, choices, this.scoreOptions());
  }

  scoreTexts(items: readonly ScoreItem[]): Promise<TokenScores[]> {
    return scoreTexts(this, items, this.scoreOptions());
  }

  private scoreOptions(): ScoreOptions {
    return this.inference.batchSize ? { batchSize: this.inference.batchSize } : {};
  }
}
