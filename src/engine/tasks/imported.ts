/**
 * Imported datasets as tasks. An import (src/core/datasets.ts) writes
 * <dataDir>/datasets/<id>.jsonl, one engine `Example` per line; a run that names that id in its
 * task list gets a Task over those rows, so training mixtures and evals treat it like a built-in
 * generator. Rows mapped with a split go to that split; rows without one belong to both (the
 * user chose not to hold any out). Scored by the generic verifier of importedVerify.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../random';
import { verifyImported } from './importedVerify';
import { shuffle } from './sampling';
import { TaskError, type Example, type Split, type Task } from './types';

/** The data file of an imported dataset. */
export function datasetFile(dataDir: string, id: string): string {
  return join(dataDir, 'datasets', `${id}.jsonl`);
}

/** Read a dataset file written by the importer; a bad line is named with its number. */
export function readDatasetFile(file: string, id: string): Example[] {
  const out: Example[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let e: Example;
      try {
        e = JSON.parse(line) as Example;
      } catch (err) {
        throw new TaskError(id, null, `${file} line ${i + 1}: not valid JSON (${(err as Error).message}); import the dataset again`);
      }
      if (typeof e.prompt !== 'string' || typeof e.answer !== 'string' || typeof e.id !== 'string') {
        throw new TaskError(id, null, `${file} line ${i + 1}: expected an example with string 'id', 'prompt' and 'answer'; import the dataset again`);
      }
      out.push({ ...e, metadata: e.metadata ?? {} });
    });
  if (out.length === 0) throw new TaskError(id, null, `${file} holds no examples`);
  return out;
}

export function datasetTask(id: string, examples: readonly Example[]): Task {
  const inSplit = (split: Split) => examples.filter((e) => e.metadata.split === undefined || e.metadata.split === split);
  const choice = examples.every((e) => e.choices && e.label !== undefined);
  const knobs = [...new Set(examples.flatMap((e) => Object.keys(e.metadata)))].filter((k) => k !== 'split');
  return {
    name: id,
    kind: choice ? 'choice' : 'generative',
    description: `imported dataset (${examples.length} rows)`,
    knobs,
    options: [],
    available: (split) => inSplit(split).length,
    generate(split, count, seed, options) {
      if (options && Object.keys(options).length) {
        throw new TaskError(id, Object.keys(options)[0]!, 'imported datasets take no options');
      }
      const pool = inSplit(split);
      if (count > pool.length) {
        throw new TaskError(id, 'count', `asked for ${count} ${split} examples; the dataset has ${pool.length}`);
      }
      return shuffle(createRng(seed), [...pool]).slice(0, count).map((e) => ({ ...e, task: id }));
    },
    verify: verifyImported,
  };
}

/**
 * Make the imported datasets a task list names available to getTask. Names that are built-in
 * tasks or have no data file are left alone (getTask then reports them as unknown).
 */
export function loadDatasetTasks(dataDir: string, names: readonly string[], register: (task: Task) => void, isBuiltin: (name: string) => boolean): void {
  for (const name of new Set(names)) {
    if (isBuiltin(name)) continue;
    const file = datasetFile(dataDir, name);
    if (existsSync(file)) register(datasetTask(name, readDatasetFile(file, name)));
  }
}
