/**
 * The `pretrain` executor: a Llama-family decoder of config.model's shape, the built-in character
 * tokenizer or config.tokenizer's (so vocab_size defaults to its size), seeded HF-style init, full-weight training on
 * the task mixture with loss on every token, then an HF folder and a final eval.
 */
import type { PretrainConfig } from '../../shared/config/pretrain';
import type { RunExecutor } from '../../shared/runContext';
import { parseDecoderConfig, type DecoderConfig } from '../model/config';
import { loadTokenizer, type GenerationConfig } from '../model/folder';
import { initDecoderWeights } from '../model/init';
import { charTokenizerFiles, tokenizerFromJson, type TextTokenizer } from '../model/tokenizer';
import { checkTaskNames, evaluateQuick, outputDirOf, resolveModelFolder, runTrainLoop, saveAndRegister } from '../toolkit';

/** config.tokenizer: a model folder's tokenizer, or the built-in character tokenizer when empty. */
async function pretrainTokenizer(ref: string, dataDir: string): Promise<TextTokenizer> {
  if (!ref) {
    const files = charTokenizerFiles();
    return tokenizerFromJson(files.json, files.config);
  }
  let dir: string;
  try {
    dir = resolveModelFolder(ref, dataDir);
  } catch (e) {
    throw new Error((e as Error).message.replace(/^model:/, 'tokenizer:'));
  }
  return loadTokenizer(dir);
}

/** config.model (Benchtop's decoder shape, HF key names) + tokenizer → a DecoderConfig. */
export function decoderConfigFromShape(shape: PretrainConfig['model'], tok: TextTokenizer): DecoderConfig {
  const { architecture, ...rest } = shape;
  const json: Record<string, unknown> = {
    ...rest,
    model_type: architecture,
    vocab_size: shape.vocab_size ?? tok.vocabSize,
    bos_token_id: tok.bosId,
    eos_token_id: tok.eosIds.length > 1 ? [...tok.eosIds] : tok.eosId,
    pad_token_id: tok.padId,
    torch_dtype: 'float32',
  };
  const config = parseDecoderConfig('config.model', json);
  if (config.vocab_size < tok.vocabSize) {
    throw new Error(`model.vocab_size: expected at least the tokenizer's ${tok.vocabSize} tokens, got ${config.vocab_size} (or leave it out)`);
  }
  return config;
}

export function generationConfigOf(config: DecoderConfig): GenerationConfig {
  const g: GenerationConfig = {};
  if (config.bos_token_id !== null) g.bos_token_id = config.bos_token_id;
  if (config.eos_token_id.length) g.eos_token_id = config.eos_token_id.length === 1 ? config.eos_token_id[0] : config.eos_token_id;
  if (config.pad_token_id !== null) g.pad_token_id = config.pad_token_id;
  return g;
}

export const runPretrain: RunExecutor = async (ctx) => {
  const cfg = ctx.config;
  if (cfg.kind !== 'pretrain') throw new Error(`the pretrain executor got a '${cfg.kind}' config`);
  checkTaskNames(cfg.data.tasks, 'data.tasks', ctx.dataDir);
  const tokenizer = (await pretrainTokenizer(cfg.tokenizer, ctx.dataDir)).withPromptFormat(cfg.prompt_format, cfg.sequence_end);
  const files = { json: tokenizer.json, config: tokenizer.configJson };
  const config = decoderConfigFromShape(cfg.model, tokenizer);
  if (cfg.data.seq_len > config.max_position_embeddings) {
    throw new Error(`data.seq_len (${cfg.data.seq_len}) exceeds model.max_position_embeddings (${config.max_position_embeddings})`);
  }
  const weights = initDecoderWeights(config, cfg.seed);
  ctx.log('info', `pretraining a ${config.num_hidden_layers}-layer ${config.model_type} decoder (hidden ${config.hidden_size}, vocab ${config.vocab_size})`);

  const r = await runTrainLoop({
    ctx,
    config,
    weights,
    tokenizer,
    training: cfg.training,
    tasks: cfg.data.tasks,
    seqLen: cfg.data.seq_len,
    seed: cfg.seed,
    completionOnly: false,
    packing: cfg.data.packing,
    // the weights are not read after training: train them in place
    consumeWeights: true,
  });
  try {
    if (r.cancelled) return;
    await saveAndRegister(ctx, outputDirOf(ctx, cfg.output_dir), {
      config,
      weights: r.weights,
      tokenizer: { json: files.json, configJson: files.config },
      generationConfig: generationConfigOf(config),
    });
    const final = await evaluateQuick(r.evalModel, cfg.data.tasks, { examples: 32, seed: cfg.seed, signal: ctx.signal });
    if (Object.keys(final).length) ctx.metrics(r.step, final);
  } finally {
    await r.evalModel.release();
  }
};
