/**
 * The conditioned-prompt pool of failure-prefix conditioning (ALGORITHMS.md §3.2, §3.4): built
 * with the policy of the moment from `problems` train examples at the first generation batch, and
 * rebuilt every `refresh_every` steps (at generation-batch boundaries). Generation batches draw
 * from it in order, cycling; while it is empty (nothing saturated) they fall back to the plain
 * task prompts.
 */
import type { GrpoConfig } from '../../shared/config/grpo';
import type { MixtureStream } from '../data/batches';
import type { InferenceModel } from '../generate/inferenceModel';
import { buildFailurePrefixPrompts, failurePrefixMetrics, inferencePrefixSampler, verifierCorrectness, type ConditionedPrompt } from './failurePrefix';
import { batchSeed } from './generationBatch';
import { drawPrompts, type PromptItem } from './rollout';

export interface PoolSampling {
  maxCompletionLength: number;
  temperature: number;
  topP: number;
  topK: number;
  maxPromptTokens: number;
}

/**
 * The conditioned prompts as generation-batch items: each encoded as its original prompt with the
 * prefix as the start of the answer (`encodePrompt(prompt, responsePrefix)`: after the assistant
 * opening under a chat template, right after the prompt text in plain format). Those longer than
 * `maxPromptTokens` are dropped (the rows must still hold prompt + prefix) and counted.
 */
export function conditionedItems(
  prompts: readonly ConditionedPrompt[],
  encodePrompt: (text: string, responsePrefix: string) => number[],
  maxPromptTokens: number,
  rewardWithPrefix: boolean,
): { items: PromptItem[]; tooLong: number } {
  const items: PromptItem[] = [];
  let tooLong = 0;
  for (const p of prompts) {
    const ids = encodePrompt(p.originalPrompt, p.prefixText);
    if (ids.length <= maxPromptTokens) items.push({ example: p.example, ids, shownPrompt: p.originalPrompt + p.prefixText, ...(rewardWithPrefix ? { rewardPrefix: p.prefixText } : {}) });
    else tooLong++;
  }
  return { items, tooLong };
}

export class PrefixPool {
  private items: PromptItem[] = [];
  private cursor = 0;
  private builtAt = -1;
  private builds = 0;

  constructor(
    private readonly cfg: GrpoConfig['failure_prefix'],
    private readonly seed: number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Whether a generation batch at `step` must (re)build the pool first. */
  due(step: number): boolean {
    return this.builtAt < 0 || (this.cfg.refresh_every > 0 && step - this.builtAt >= this.cfg.refresh_every);
  }

  /** (Re)build from the next `problems` prompts of `stream`; returns the construction's metrics. */
  async build(step: number, stream: MixtureStream, model: InferenceModel, s: PoolSampling, decode: (ids: readonly number[]) => string): Promise<Record<string, number>> {
    const encode = (t: string) => model.encodePrompt(t);
    const { items: problems } = drawPrompts(stream, this.cfg.problems, encode, s.maxPromptTokens);
    const sampler = inferencePrefixSampler(model, { maxNewTokens: s.maxCompletionLength, temperature: s.temperature, topP: s.topP, topK: s.topK }, decode);
    const spec = {
      samplesPerProblem: this.cfg.samples_per_problem,
      saturationThreshold: this.cfg.saturation_threshold,
      failuresPerProblem: this.cfg.failures_per_problem,
      prefixFractions: this.cfg.prefix_fractions,
      targetAccuracy: this.cfg.target_accuracy,
      probeSamples: this.cfg.probe_samples,
      dropWithoutSignal: this.cfg.drop_without_signal,
      rewardWithPrefix: this.cfg.reward_text === 'prefix_and_continuation',
    };
    const { prompts, stats } = await buildFailurePrefixPrompts(
      problems.map((p) => p.example),
      sampler,
      verifierCorrectness,
      spec,
      batchSeed(this.seed + 7, this.builds),
    );
    const { items, tooLong } = conditionedItems(prompts, (t, prefix) => model.encodePrompt(t, prefix), s.maxPromptTokens, spec.rewardWithPrefix);
    this.items = items;
    this.cursor = 0;
    this.builtAt = step;
    this.builds++;
    return { ...failurePrefixMetrics(stats), 'failure_prefix/too_long': tooLong };
  }

  /** The next `count` conditioned prompts (cycling), or null while the pool is empty. */
  draw(count: number): { items: PromptItem[]; skipped: number } | null {
    if (this.items.length === 0) return null;
    const items: PromptItem[] = [];
    for (let i = 0; i < count; i++) items.push(this.items[this.cursor++ % this.items.length]!);
    return { items, skipped: 0 };
  }
}
