/**
 * Failure prefixes under a chat template (ALGORITHMS.md §3.2, §3.5): the prefix begins the
 * assistant's answer — template(user prompt, assistant opening) followed by the prefix tokens —
 * never the user's turn; in plain format the ids are those of prompt + prefix as one text, as
 * before. Checked on a tiny random model with a Qwen-style byte-level tokenizer and chat template
 * (tests/engine/model/tokenizerStyles.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { generateFromIds } from '../../../src/engine/generate/generate';
import { initModelFolder, loadTokenizer, type ModelFolder } from '../../../src/engine/model/folder';
import { clearSessionCache } from '../../../src/engine/onnx';
import { inferencePrefixSampler, type ConditionedPrompt } from '../../../src/engine/rlvr/failurePrefix';
import { conditionedItems } from '../../../src/engine/rlvr/prefixPool';
import type { Example } from '../../../src/engine/tasks';
import { tempDir } from '../runs/recordingContext';
import { writeTokenizerFolder } from '../model/tokenizerStyles';

const SHAPE = { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 128 };
const PROMPT = 'What is 2+3?';
const PREFIX = 'The sum is';
const example: Example = { id: 'arith:1', task: 'arithmetic', prompt: PROMPT, answer: '5', metadata: {} };
const conditioned: ConditionedPrompt = { example, originalPrompt: PROMPT, prefixText: PREFIX, prefixTokens: 3, prefixFraction: 0.5, probeAccuracy: null };

const root = tempDir('benchtop-prefix-chat-');
let folder: ModelFolder;
beforeAll(async () => {
  const dir = join(root.dir, 'model');
  writeTokenizerFolder(dir, 'qwen');
  folder = await initModelFolder({ config: { model_type: 'qwen2', ...SHAPE }, outDir: dir, seed: 5, tokenizer: await loadTokenizer(dir) });
});
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

describe('failure-prefix prompts and the prompt format', () => {
  it('chat: the conditioned prompt is the template with the user prompt and assistant opening, then the prefix tokens', () => {
    const tok = folder.tokenizer.withPromptFormat('chat');
    const rt = new InferenceModel({ ...folder, tokenizer: tok });
    const { items, tooLong } = conditionedItems([conditioned], (t, p) => rt.encodePrompt(t, p), 64, false);
    expect(tooLong).toBe(0);
    // independent: the rendered template (hand-written Qwen form) and the prefix, tokenised apart
    const template = '<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n';
    expect(tok.applyChatTemplate([{ role: 'user', content: PROMPT }], { addGenerationPrompt: true })).toBe(template);
    const expected = [...tok.encode(template), ...tok.encode(PREFIX)];
    expect(items[0]!.ids).toEqual(expected);
    expect(tok.decode(items[0]!.ids)).toBe(template + PREFIX);
    // what the prompt+prefix string gave before: the prefix inside the user's turn
    const old = tok.encodePrompt(PROMPT + PREFIX);
    expect(tok.decode(old)).toBe('<|im_start|>user\nWhat is 2+3?The sum is<|im_end|>\n<|im_start|>assistant\n');
    expect(items[0]!.ids).not.toEqual(old);
    // a prompt that no longer fits is dropped and counted
    expect(conditionedItems([conditioned], (t, p) => rt.encodePrompt(t, p), expected.length - 1, true)).toEqual({ items: [], tooLong: 1 });
  });

  it('plain: the ids are those of prompt + prefix as one text, as before', () => {
    const tok = folder.tokenizer.withPromptFormat('plain');
    const rt = new InferenceModel({ ...folder, tokenizer: tok });
    const { items } = conditionedItems([conditioned], (t, p) => rt.encodePrompt(t, p), 64, true);
    expect(items[0]!.ids).toEqual(tok.encodePrompt(PROMPT + PREFIX));
    expect(items[0]!.ids).toEqual(tok.encode(PROMPT + PREFIX)); // the Qwen style has no BOS
    expect(items[0]!.rewardPrefix).toBe(PREFIX);
    expect(items[0]!.shownPrompt).toBe(PROMPT + PREFIX);
    expect(items[0]!.example.prompt).toBe(PROMPT);
  });

  it('the probe / eval sampler continues from the assistant opening + prefix (chat)', async () => {
    const tok = folder.tokenizer.withPromptFormat('chat');
    const rt = new InferenceModel({ ...folder, tokenizer: tok });
    const greedy = inferencePrefixSampler(rt, { maxNewTokens: 6, temperature: 0, topP: 1, topK: 0 }, (ids) => tok.decode(ids, { skipSpecial: true }));
    const [viaSampler] = await greedy.sample([PROMPT], 1, 3, [PREFIX]);
    const expectedIds = [...tok.encode('<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n'), ...tok.encode(PREFIX)];
    const [[direct]] = await generateFromIds(rt, [expectedIds], { maxNewTokens: 6, numSamples: 1, seed: 3, temperature: 0 });
    const [[inUserTurn]] = await generateFromIds(rt, [tok.encodePrompt(PROMPT + PREFIX)], { maxNewTokens: 6, numSamples: 1, seed: 3, temperature: 0 });
    const dropEos = (t: number[]) => (direct!.finishReason === 'eos' ? t.slice(0, -1) : t);
    expect(viaSampler![0]!.tokens).toEqual(dropEos(direct!.tokens));
    expect(viaSampler![0]!.text).toBe(direct!.text);
    // the continuation really depends on where the prefix sits: the first token's distribution differs
    expect(inUserTurn!.logprobs[0]).not.toBe(direct!.logprobs[0]);
  });
});
