/**
 * A tiny random 4-layer Llama with the built-in character tokenizer, weights large enough that
 * every layer changes the residual stream visibly (N(0, 0.3²) matrices, norms 1 ± 0.3), saved as
 * an HF folder so the executor can load it.
 */
import { charTokenizerFiles, tokenizerFromJson } from '../../../src/engine/model/tokenizer';
import { parseDecoderConfig, type DecoderConfig } from '../../../src/engine/model/config';
import { saveModelFolder, type ModelFolder } from '../../../src/engine/model/folder';
import { initDecoderWeights } from '../../../src/engine/model/init';
import { tensorsFromWeights, type DecoderWeights } from '../../../src/engine/model/weights';
import { createRng } from '../../../src/engine/random';

export function tinyConfig(layers = 4): DecoderConfig {
  const tk = tokenizerFromJson(charTokenizerFiles().json, charTokenizerFiles().config);
  return parseDecoderConfig('config.json', {
    model_type: 'llama',
    vocab_size: tk.vocabSize,
    hidden_size: 16,
    num_hidden_layers: layers,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 24,
    rope_theta: 100,
    max_position_embeddings: 128,
    bos_token_id: tk.bosId,
    eos_token_id: tk.eosId,
    pad_token_id: tk.padId,
  });
}

export function tinyWeights(c: DecoderConfig, seed: number): DecoderWeights {
  const w = initDecoderWeights(c, seed, 0.3);
  const rng = createRng(seed + 1000);
  for (const [name, t] of tensorsFromWeights(c, w)) {
    if (name.endsWith('norm.weight')) t.data.forEach((_, i, a) => (a[i] = 1 + 0.3 * rng.normal()));
  }
  return w;
}

/** The tiny model as a folder in `dir` (loadable by the executors). */
export async function saveTinyModel(dir: string, layers = 4, seed = 11): Promise<ModelFolder> {
  const files = charTokenizerFiles();
  const tokenizer = tokenizerFromJson(files.json, files.config);
  const config = tinyConfig(layers);
  const weights = tinyWeights(config, seed);
  await saveModelFolder(dir, { config, weights, tokenizer: { json: tokenizer.json, configJson: tokenizer.configJson }, generationConfig: { eos_token_id: tokenizer.eosId! } });
  return { dir, config, weights, tokenizer, generationConfig: { eos_token_id: tokenizer.eosId! } };
}
