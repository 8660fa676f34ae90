/**
 * The `sft` executor: finetuning of an HF model folder on the task mixture, with the loss on the
 * completion (and <eos>) only by default, then an HF folder and a final eval.
 * With lora.enabled (the schema's default) only LoRA adapters on the frozen base are trained
 * (src/engine/model/lora.ts); the output folder then holds the merged model (a plain HF folder)
 * and `adapter/` the PEFT adapter (adapter_model.safetensors + adapter_config.json). The adapter
 * lives in a subfolder because transformers treats a folder with adapter_config.json as a PEFT
 * adapter and would then look for the base model instead of loading the merged weights.
 */
import { join } from 'node:path';
import type { RunExecutor } from '../../shared/runContext';
import { loraParameterCount, saveLoraAdapter, type LoraSpec } from '../model/lora';
import { loadModelFolder } from '../model/folder';
import { checkTaskNames, evaluateQuick, outputDirOf, resolveModelFolder, runTrainLoop, saveAndRegister, sessionSettingsOf } from '../toolkit';
import { selfGenerate } from './selfGenerate';
import { InferenceModel } from '../generate/inferenceModel';

export const runSft: RunExecutor = async (ctx) => {
  const cfg = ctx.config;
  if (cfg.kind !== 'sft') throw new Error(`the sft executor got a '${cfg.kind}' config`);
  checkTaskNames(cfg.data.tasks, 'data.tasks', ctx.dataDir);
  const dir = resolveModelFolder(cfg.model, ctx.dataDir);
  const folder = await loadModelFolder(dir);
  folder.tokenizer = folder.tokenizer.withPromptFormat(cfg.prompt_format, cfg.sequence_end);
  if (cfg.data.seq_len > folder.config.max_position_embeddings) {
    throw new Error(`data.seq_len (${cfg.data.seq_len}) exceeds the model's max_position_embeddings (${folder.config.max_position_embeddings}, ${dir}/config.json)`);
  }
  const lossKind = cfg.data.completion_only_loss ? 'completion-only' : 'whole-sequence';
  const lora: LoraSpec | undefined = cfg.lora.enabled ? { r: cfg.lora.r, alpha: cfg.lora.alpha, targets: cfg.lora.target_modules } : undefined;
  if (lora) {
    ctx.log('info', `LoRA finetune of ${dir} (r ${lora.r}, alpha ${lora.alpha}, on ${lora.targets.join(', ')}; ${loraParameterCount(folder.config, lora)} trainable parameters; ${lossKind} loss)`);
  } else {
    ctx.log('info', `full finetune of ${dir} (${lossKind} loss)`);
  }

  let trainTasks = cfg.data.tasks;
  const responses = cfg.data.responses;
  if (responses.source === 'self_generated') {
    const teacherDir = responses.teacher ? resolveModelFolder(responses.teacher, ctx.dataDir) : dir;
    const teacherFolder = teacherDir === dir ? folder : await loadModelFolder(teacherDir);
    teacherFolder.tokenizer = teacherFolder.tokenizer.withPromptFormat(cfg.prompt_format, cfg.sequence_end);
    const teacher = InferenceModel.create(teacherFolder.config, teacherFolder.weights, teacherFolder.tokenizer, { ...sessionSettingsOf(ctx), batchSize: 64, fitToLimit: true }, teacherFolder.generationConfig);
    ctx.log('info', `generating ${responses.num_prompts} responses with ${teacherDir} (temperature ${responses.temperature}, top-p ${responses.top_p}${responses.only_correct ? ', keeping correct ones only' : ''})`);
    try {
      const gen = await selfGenerate(ctx, teacher, cfg.data.tasks, responses, cfg.seed);
      trainTasks = gen.tasks;
      ctx.metrics(0, Object.fromEntries(Object.entries(gen.accuracy).map(([t, a]) => [`self_generated/${t}/accuracy`, a])));
      ctx.log('info', `training on ${gen.kept} self-generated responses (teacher accuracy: ${Object.entries(gen.accuracy).map(([t, a]) => `${t} ${(100 * a).toFixed(1)}%`).join(', ')})`);
    } finally {
      await teacher.release();
    }
  }

  const r = await runTrainLoop({
    ctx,
    config: folder.config,
    weights: folder.weights,
    tokenizer: folder.tokenizer,
    training: cfg.training,
    tasks: trainTasks,
    evalTasks: cfg.data.tasks,
    seqLen: cfg.data.seq_len,
    seed: cfg.seed,
    completionOnly: cfg.data.completion_only_loss,
    packing: cfg.data.packing,
    lora,
    // the folder's weights are not read after training: train them in place
    consumeWeights: true,
  });
  try {
    if (r.cancelled) return;
    const out = outputDirOf(ctx, cfg.output_dir);
    if (lora && r.adapters) {
      const adapterDir = join(out, 'adapter');
      const files = await saveLoraAdapter(adapterDir, folder.config, lora, r.adapters, dir);
      for (const f of files) ctx.artifact(join(adapterDir, f), f.endsWith('.json') ? 'lora-adapter' : 'lora-adapter-file');
      ctx.log('info', `saved the LoRA adapter to ${adapterDir}`);
    }
    await saveAndRegister(ctx, out, {
      config: folder.config,
      weights: r.weights,
      tokenizer: { json: folder.tokenizer.json, configJson: folder.tokenizer.configJson },
      generationConfig: folder.generationConfig,
    });
    const final = await evaluateQuick(r.evalModel, cfg.data.tasks, { examples: 32, seed: cfg.seed, signal: ctx.signal });
    if (Object.keys(final).length) ctx.metrics(r.step, final);
  } finally {
    await r.evalModel.release();
  }
};
