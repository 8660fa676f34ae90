/**
 * Benchtop never deletes or replaces files it did not write. A folder a run saves a model into
 * (output_dir) must be new, empty, or one Benchtop wrote a model into before: those carry a
 * marker file, written after the weights. Anything else (a model folder downloaded from the Hub,
 * a folder of the user's own files) is refused with a named error before the run starts, and
 * the weight writer checks again before it replaces any weight file.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The marker file in every folder Benchtop saved a model into. */
export const OUTPUT_MARKER = '.benchtop-output';

export class OutputDirError extends Error {
  constructor(readonly dir: string, problem: string) {
    super(`output_dir ${dir}: ${problem}`);
    this.name = 'OutputDirError';
  }
}

/** Where a run's model folder goes: `output_dir` relative to the run folder, or <runDir>/model. */
export function resolveOutputDir(runDir: string, outputDir: string): string {
  if (!outputDir) return join(runDir, 'model');
  return isAbsolute(outputDir) ? outputDir : resolve(runDir, outputDir);
}

export function isBenchtopOutput(dir: string): boolean {
  return existsSync(join(dir, OUTPUT_MARKER));
}

function listed(names: string[]): string {
  const shown = names.slice(0, 4).join(', ');
  return names.length > 4 ? `${shown}, … (${names.length} entries)` : shown;
}

/** Throws OutputDirError unless `dir` is missing, an empty folder, or a folder Benchtop wrote a
 * model into (it has the marker). Reads only. */
export function checkOutputDir(dir: string): void {
  if (!existsSync(dir)) return;
  if (!lstatSync(dir).isDirectory()) throw new OutputDirError(dir, 'expected a folder (or a path that does not exist yet), but it is a file');
  const entries = readdirSync(dir);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return;
  throw new OutputDirError(
    dir,
    `the folder already holds files Benchtop did not write (${listed(entries)}); choose a new or empty folder ` +
      '(Benchtop never deletes or replaces files it did not write)',
  );
}

/** Before replacing files in `dir`: refused when any of `names` exists there and the folder is
 * not one Benchtop wrote a model into. */
export function assertMayReplace(dir: string, names: readonly string[]): void {
  if (isBenchtopOutput(dir)) return;
  const present = names.filter((n) => existsSync(join(dir, n)));
  if (present.length === 0) return;
  throw new OutputDirError(
    dir,
    `saving here would replace ${listed(present)}, which Benchtop did not write; choose a new or empty folder ` +
      '(Benchtop never deletes or replaces files it did not write)',
  );
}

/** Record that Benchtop wrote this folder's model (after the weights are written). */
export function markOutputDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  // Fixed content: the same model saved twice gives byte-identical folders.
  writeFileSync(join(dir, OUTPUT_MARKER), 'Benchtop wrote the model in this folder; it may replace its weights.\n');
}
