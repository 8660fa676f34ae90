/** Where a run's trained model folder goes, and saving it as the run's artifacts. */
import { isAbsolute, join, resolve } from 'node:path';
import type { RunContext } from '../../shared/runContext';
import { saveModelFolder } from '../model/folder';

/** Where the trained folder goes: output_dir (relative to the run folder) or <runDir>/model. */
export function outputDirOf(ctx: RunContext, outputDir: string): string {
  if (!outputDir) return join(ctx.runDir, 'model');
  return isAbsolute(outputDir) ? outputDir : resolve(ctx.runDir, outputDir);
}

/** Save the folder and register its files (config.json as the 'model' artifact). */
export async function saveAndRegister(ctx: RunContext, dir: string, input: Parameters<typeof saveModelFolder>[1]): Promise<void> {
  const files = await saveModelFolder(dir, input);
  for (const f of files) ctx.artifact(join(dir, f), f === 'config.json' ? 'model' : 'model-file');
  ctx.log('info', `saved the model to ${dir}`);
}
