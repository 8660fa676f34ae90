/**
 * The examples a `value` run scores (ALGORITHMS.md §6.3, on Benchtop's own tasks): a train set
 * drawn from the train split of several tasks (the task name is the example's class), a
 * validation set from their test split, and — for the mislabel-detection and selection
 * protocols — a seeded share of train examples given a wrong answer, the text analog of label
 * noise:
 *
 *   * choice examples (brackets_classify, compare, …): another of its choices (a flipped label);
 *   * answers ending in a number (arithmetic, word problems): one digit of that number changed
 *     (a corrupted sum; the worked steps before it stay as they were);
 *   * anything else: the answer of another example of the same task.
 */
import { createRng, type Rng } from '../random';
import { formatExample, getTask, type Example, type Split } from '../tasks';
import { shuffle } from '../tasks/sampling';

export type Corruption = 'label_flip' | 'number' | 'swap';

export interface ValuationItem {
  /** Position in its set (train or validation). */
  index: number;
  /** The example as scored (with the corrupted answer when mislabeled). */
  example: Example;
  /** Class for the influence protocol: the task (or dataset) name. */
  task: string;
  prompt: string;
  completion: string;
  mislabeled: boolean;
  /** Mislabeled items: the correct completion and how it was corrupted. */
  originalCompletion: string | null;
  corruption: Corruption | null;
}

export interface TaskDraw {
  task: string;
  weight: number;
  options?: Record<string, unknown>;
}

/**
 * `total` shared among entries in proportion to their weights (largest remainder; ties to the
 * earlier entry), so the counts always add up to `total`.
 */
export function splitCounts(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return counts;
}

/**
 * `total` examples of `split` from the tasks (counts by weight), in task order. Errors name
 * `field` (e.g. `train.tasks[1]`), so a too-small imported dataset points at its config entry.
 */
export function drawExamples(tasks: readonly TaskDraw[], total: number, split: Split, seed: number, field: string): Example[] {
  const counts = splitCounts(tasks.map((t) => t.weight), total);
  const out: Example[] = [];
  tasks.forEach((t, i) => {
    if (counts[i] === 0) throw new Error(`${field}[${i}]: task '${t.task}' gets no examples out of ${total}; raise num_examples or its weight`);
    try {
      out.push(...getTask(t.task).generate(split, counts[i]!, seed, t.options ?? {}));
    } catch (e) {
      throw new Error(`${field}[${i}]: ${(e as Error).message}`);
    }
  });
  return out;
}

/** Items for a clean set (validation, or train before corruption). */
export function cleanItems(examples: readonly Example[]): ValuationItem[] {
  return examples.map((example, index) => {
    const { prompt, completion } = formatExample(example);
    return { index, example, task: example.task, prompt, completion, mislabeled: false, originalCompletion: null, corruption: null };
  });
}

const TRAILING_NUMBER = /(\d+)(\s*)$/;

/** One digit of the number that ends `text` changed (never a leading digit to 0); null when no number ends it. */
export function corruptTrailingNumber(text: string, rng: Rng): string | null {
  const m = TRAILING_NUMBER.exec(text);
  if (!m) return null;
  const digits = m[1]!;
  const at = rng.nextInt(digits.length);
  const lowest = at === 0 && digits.length > 1 ? 1 : 0;
  const options = Array.from({ length: 10 - lowest }, (_, k) => String(k + lowest)).filter((c) => c !== digits[at]);
  const changed = digits.slice(0, at) + options[rng.nextInt(options.length)]! + digits.slice(at + 1);
  return text.slice(0, m.index) + changed + m[2]!;
}

/** A wrong version of `item` (null when the item cannot be made wrong: e.g. every answer of its task is the same). */
function corrupt(item: ValuationItem, pool: readonly ValuationItem[], rng: Rng): Pick<ValuationItem, 'example' | 'completion' | 'corruption'> | null {
  const ex = item.example;
  if (ex.choices && ex.label !== undefined && ex.choices.length > 1) {
    const others = ex.choices.map((_, k) => k).filter((k) => k !== ex.label && ex.choices![k] !== ex.choices![ex.label!]);
    if (others.length === 0) return null;
    const label = others[rng.nextInt(others.length)]!;
    return { example: { ...ex, label, answer: ex.choices[label]! }, completion: ex.choices[label]!, corruption: 'label_flip' };
  }
  const changed = corruptTrailingNumber(item.completion, rng);
  if (changed !== null && changed !== item.completion) return { example: { ...ex, answer: changed }, completion: changed, corruption: 'number' };
  const donors = pool.filter((o) => o.task === item.task && o.completion !== item.completion);
  if (donors.length === 0) return null;
  const donor = donors[rng.nextInt(donors.length)]!;
  return { example: { ...ex, answer: donor.completion }, completion: donor.completion, corruption: 'swap' };
}

/**
 * Give round(ratio·n) of the items a wrong answer, chosen by a generator seeded with `seed`
 * (the same seed always corrupts the same examples the same way). Fails when too few items can
 * be corrupted.
 */
export function mislabel(items: readonly ValuationItem[], ratio: number, seed: number): ValuationItem[] {
  const want = Math.round(ratio * items.length);
  const out = items.map((it) => ({ ...it }));
  if (want === 0) return out;
  const rng = createRng(seed);
  const order = shuffle(rng, items.map((_, i) => i));
  let done = 0;
  for (const i of order) {
    if (done === want) break;
    const c = corrupt(items[i]!, items, rng);
    if (!c) continue;
    out[i] = { ...out[i]!, ...c, mislabeled: true, originalCompletion: items[i]!.completion };
    done++;
  }
  if (done < want) throw new Error(`mislabel_ratio: only ${done} of the ${items.length} train examples can be given a wrong answer, ${want} asked for; lower mislabel_ratio`);
  return out;
}
