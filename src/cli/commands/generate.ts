/**
 * `benchtop generate --model DIR --prompt TEXT [...]`: sample completions from a model folder
 * (KV-cache decoding, seeded). Prints each sample's text, or JSON lines with --json. The prompt
 * goes through the folder's chat template unless --prompt-format plain (or the folder has none).
 */
import { parseCommandArgs, intOption } from '../args';
import { EXIT, UsageError, type CliCommand } from '../registry';
import { InferenceModel } from '../../engine/generate/inferenceModel';

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got '${value}'`);
  return n;
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'sample completions of a prompt from a model folder (seeded)',
  usage:
    'benchtop generate --model DIR --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--seed S] [--num-samples N] [--stop STRING]… [--prompt-format chat|plain] [--json] [--threads N]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string' },
      prompt: { type: 'string' },
      'max-new-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      seed: { type: 'string' },
      'num-samples': { type: 'string' },
      stop: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      threads: { type: 'string' },
      'prompt-format': { type: 'string' },
    });
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!values.model) throw new UsageError('--model DIR is required');
    if (values.prompt === undefined) throw new UsageError('--prompt TEXT is required');
    const promptFormat = values['prompt-format'];
    if (promptFormat !== undefined && promptFormat !== 'chat' && promptFormat !== 'plain') {
      throw new UsageError(`--prompt-format: expected chat or plain, got '${promptFormat}'`);
    }
    const opts = {
      maxNewTokens: intOption('max-new-tokens', values['max-new-tokens'], 1, 1_000_000) ?? 64,
      temperature: numberOption('temperature', values.temperature),
      topP: numberOption('top-p', values['top-p']),
      topK: intOption('top-k', values['top-k'], 0),
      seed: intOption('seed', values.seed, 0) ?? 0,
      numSamples: intOption('num-samples', values['num-samples'], 1, 100_000) ?? 1,
      stop: values.stop ?? [],
    };
    const model = await InferenceModel.load(values.model, { executionProvider: 'cpu', threads: intOption('threads', values.threads, 0, 256) ?? 0 });
    try {
      // The prompt through the chat template or as it is (default: chat when the folder has a template).
      model.folder.tokenizer = model.folder.tokenizer.withPromptFormat(promptFormat);
      // Defaults from generation_config.json where the command line says nothing.
      const gc = model.folder.generationConfig;
      const samples = (
        await model.sample([values.prompt], {
          ...opts,
          temperature: opts.temperature ?? (typeof gc.temperature === 'number' ? gc.temperature : 1),
          topP: opts.topP ?? (typeof gc.top_p === 'number' ? gc.top_p : 1),
          topK: opts.topK ?? (typeof gc.top_k === 'number' ? gc.top_k : 0),
        })
      )[0]!;
      samples.forEach((s, i) => {
        if (values.json) {
          ctx.out(JSON.stringify({ sample: i, text: s.text, tokens: s.tokens, logprobs: s.logprobs, finish_reason: s.finishReason }));
          return;
        }
        if (samples.length > 1) ctx.out(`--- sample ${i + 1} (${s.finishReason}) ---`);
        ctx.out(s.text);
      });
      return EXIT.ok;
    } finally {
      await model.release();
    }
  },
};
