/**
 * Dataset shapes the renderer sees: example previews (built-in task generators and imported
 * JSONL files) and the JSONL import mapping. The mapping mirrors the engine's JsonlMapping
 * (src/engine/tasks/jsonl.ts) so core hands it over unchanged.
 */
import { z } from 'zod';

/** One example as shown in a preview: prompt → answer, with choices and knobs when present. */
export interface DatasetExample {
  id: string;
  prompt: string;
  answer: string;
  choices?: string[];
  label?: number;
  metadata: Record<string, string | number | boolean>;
}

const fieldName = z.string().trim().min(1, 'expected a field name').max(200);

/** Which JSONL field holds what (dot paths reach into objects, e.g. "input.question"). */
export const jsonlMappingSchema = z
  .object({
    prompt: fieldName,
    answer: fieldName.optional(),
    choices: fieldName.optional(),
    label: fieldName.optional(),
    metadata: z.array(fieldName).max(50).optional(),
    split: fieldName.optional(),
    id: fieldName.optional(),
  })
  .strict();
export type JsonlFieldMapping = z.infer<typeof jsonlMappingSchema>;

/** Names of imported datasets: they become dataset ids, task refs and file names. */
export const DATASET_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const datasetNameSchema = z
  .string()
  .regex(DATASET_NAME_PATTERN, 'expected 1–64 lower-case letters, digits, - or _ (starting with a letter or digit)');

/** A problem with one row or the file as a whole: names the file, the 1-based line and the field. */
export interface JsonlProblem {
  file: string;
  line: number | null;
  field: string | null;
  message: string;
}

/** What the import dialog shows before importing: the first row's fields and mapped rows. */
export interface JsonlInspection {
  /** Absolute path that was read. */
  path: string;
  /** Top-level field names of the first row (for the mapping choices); [] when unreadable. */
  fields: string[];
  /** The first rows mapped with the given mapping (empty when no mapping or on a problem). */
  examples: DatasetExample[];
  /** The mapping suggested from the field names (prompt/question/input → prompt, …). */
  suggested: JsonlFieldMapping | null;
  problem: JsonlProblem | null;
  /** Not blocking: e.g. tokenizer coverage of the previewed rows (share of U+FFFD / unknown characters). */
  warnings?: string[];
}
