/**
 * Text examples → token batches for the training graphs. A sequence is
 *   [<bos>] prompt completion <eos>
 * where the prompt is encoded as the model is asked it (TextTokenizer.encodePrompt: the chat
 * template or plain text, with <bos> only when the tokenizer opens sequences with one — Qwen
 * tokenizers have none), and <eos> closes every example: it is the stop signal the model learns
 * and, when examples are packed into one row, the boundary between them.
 * Position t is trained to predict token t+1 (inputs = seq[0..T-1], labels = seq[1..T]).
 * Labels are −100 (ignored) on padding and, for completion-only loss, on every position whose
 * target still belongs to the prompt — so the loss counts exactly the completion and the <eos>.
 */
import { createRng, type Rng } from '../random';
import { formatExample, getTask, type Example } from '../tasks';
import type { TextTokenizer } from '../model/tokenizer';

export const IGNORE_INDEX = -100;

export interface EncodedSequence {
  ids: number[];
  /** lossMask[i] is true when ids[i] is a token the model should be trained to produce. */
  lossMask: boolean[];
}

export interface TokenBatch {
  batch: number;
  seqLen: number;
  inputIds: BigInt64Array;
  labels: BigInt64Array;
  /** Number of labels that count in the loss. */
  targetTokens: number;
}

/** What training, scoring, pruning and valuation need from the tokenizer to close an example. */
export const NO_EOS =
  'the tokenizer has no end-of-sequence token, and every example (for training, pruning calibration and valuation) ends with one: ' +
  'set eos_token in tokenizer_config.json or eos_token_id in generation_config.json, or name a token in the run config\'s sequence_end';

export function encodeExample(
  tok: TextTokenizer,
  prompt: string,
  completion: string,
  opts: { completionOnly: boolean },
): EncodedSequence {
  if (tok.eosId === null) throw new Error(NO_EOS);
  const p = tok.encodePrompt(prompt);
  const c = tok.encode(completion);
  const ids = [...p, ...c, tok.eosId];
  // Position 0 is never a target (nothing precedes it); completion-only counts from the first completion token.
  const lossMask = ids.map((_, i) => (opts.completionOnly ? i >= p.length : i > 0) && i > 0);
  return { ids, lossMask };
}

/** Concatenate sequences into one (ids and loss masks side by side): a packed row. */
export function concatSequences(seqs: readonly EncodedSequence[]): EncodedSequence {
  return { ids: seqs.flatMap((s) => s.ids), lossMask: seqs.flatMap((s) => s.lossMask) };
}

/** One sequence (each ≤ seqLen+1 tokens) per row, right-padded. */
export function makeBatch(seqs: EncodedSequence[], seqLen: number, padId: number): TokenBatch {
  const B = seqs.length;
  const inputIds = new BigInt64Array(B * seqLen).fill(BigInt(padId));
  const labels = new BigInt64Array(B * seqLen).fill(BigInt(IGNORE_INDEX));
  let targetTokens = 0;
  seqs.forEach((s, b) => {
    if (s.ids.length > seqLen + 1) throw new Error(`sequence of ${s.ids.length} tokens does not fit seq_len ${seqLen} (+1 for the shifted target)`);
    for (let t = 0; t < s.ids.length - 1; t++) {
      inputIds[b * seqLen + t] = BigInt(s.ids[t]!);
      if (s.lossMask[t + 1]) {
        labels[b * seqLen + t] = BigInt(s.ids[t + 1]!);
        targetTokens++;
      }
    }
  });
  return { batch: B, seqLen, inputIds, labels, targetTokens };
}

export interface MixtureEntry {
  task: string;
  weight: number;
  options?: Record<string, unknown>;
}

/**
 * An endless, seeded stream of training examples from a weighted task mixture. Each task's
 * examples are generated in chunks (seed derived from the stream seed, task and chunk number),
 * so the stream is reproducible and a resumed run can skip ahead by the number drawn.
 */
export class MixtureStream {
  private readonly rng: Rng;
  private readonly buffers = new Map<string, Example[]>();
  private readonly chunks = new Map<string, number>();
  private readonly total: number;
  /** Examples skipped because they did not fit seq_len. */
  skipped = 0;
  drawn = 0;
  /** Packing: the encoded example that did not fit the last row of the previous batch (it opens the next). */
  private pending: EncodedSequence | null = null;

  constructor(
    private readonly entries: MixtureEntry[],
    private readonly seed: number,
    private readonly chunkSize = 512,
  ) {
    if (entries.length === 0) throw new Error('data.tasks: expected at least one task in the mixture');
    for (const e of entries) {
      getTask(e.task); // unknown names fail here, with the list of known tasks
      if (!(e.weight > 0)) throw new Error(`data.tasks: task '${e.task}' has weight ${e.weight}; expected > 0`);
    }
    this.total = entries.reduce((s, e) => s + e.weight, 0);
    this.rng = createRng(seed);
  }

  private pickEntry(): MixtureEntry {
    let u = this.rng.nextFloat() * this.total;
    for (const e of this.entries) {
      u -= e.weight;
      if (u < 0) return e;
    }
    return this.entries[this.entries.length - 1]!;
  }

  private refill(e: MixtureEntry): Example[] {
    const chunk = this.chunks.get(e.task) ?? 0;
    this.chunks.set(e.task, chunk + 1);
    const seed = (this.seed * 1_000_003 + chunk * 7919 + hashString(e.task)) % 2 ** 31;
    const task = getTask(e.task);
    // A finite task (imported dataset) smaller than a chunk is drawn whole, reshuffled each chunk.
    const examples = task.generate('train', Math.min(this.chunkSize, task.available?.('train') ?? this.chunkSize), seed, e.options ?? {});
    this.buffers.set(e.task, examples.slice());
    return this.buffers.get(e.task)!;
  }

  next(): Example {
    const e = this.pickEntry();
    let buf = this.buffers.get(e.task);
    if (!buf || buf.length === 0) buf = this.refill(e);
    this.drawn++;
    return buf.pop()!;
  }

  /** Whether an example drawn from the stream is waiting to open the next packed batch (saved in checkpoints). */
  get hasPending(): boolean {
    return this.pending !== null;
  }

  /**
   * Restore a checkpointed position: replay the stream to `drawn` examples; with `pending`, the
   * last of them was drawn but not yet trained on, so it is drawn again by the next batch.
   */
  restore(position: { drawn: number; skipped: number; pending?: boolean }): void {
    const replay = position.drawn - (position.pending ? 1 : 0);
    for (let i = 0; i < replay; i++) this.next();
    this.skipped = position.skipped;
  }

  /** The next example that fits seqLen+1 tokens, encoded (longer ones are skipped and counted). */
  private nextFitting(tok: TextTokenizer, seqLen: number, completionOnly: boolean, attempts: { n: number; max: number }): EncodedSequence {
    for (;;) {
      if (++attempts.n > attempts.max) {
        throw new Error(`data.seq_len: ${seqLen} tokens is too short for the examples of this mixture (skipped ${this.skipped}); raise seq_len`);
      }
      const { prompt, completion } = formatExample(this.next());
      const s = encodeExample(tok, prompt, completion, { completionOnly });
      if (s.ids.length <= seqLen + 1) return s;
      this.skipped++;
    }
  }

  /**
   * Next batch. Unpacked: one example per row, right-padded. Packed: each row holds as many
   * whole examples (`[<bos>] prompt completion <eos>`, one after another, each boundary an <eos>) as fit seqLen+1 tokens;
   * an example is never split, the one that does not fit opens the next row. Padding then only
   * fills row ends, so short tasks cost a fraction of the compute. Examples in a row see the
   * earlier ones through causal attention (as in GPT-style packing); each starts after the
   * previous one's <eos> (and with <bos> when the tokenizer has one).
   */
  nextBatch(tok: TextTokenizer, batchSize: number, seqLen: number, completionOnly: boolean, packing = false): TokenBatch {
    const attempts = { n: 0, max: batchSize * 50 };
    if (tok.eosId === null) throw new Error(NO_EOS);
    const padId = tok.padId ?? tok.eosId;
    if (!packing) {
      const seqs: EncodedSequence[] = [];
      while (seqs.length < batchSize) seqs.push(this.nextFitting(tok, seqLen, completionOnly, attempts));
      return makeBatch(seqs, seqLen, padId);
    }
    attempts.max = batchSize * (seqLen + 1) * 50;
    const rows: EncodedSequence[] = [];
    for (let r = 0; r < batchSize; r++) {
      const row: EncodedSequence[] = [];
      let used = 0;
      for (;;) {
        const s = this.pending ?? this.nextFitting(tok, seqLen, completionOnly, attempts);
        this.pending = null;
        if (used + s.ids.length > seqLen + 1) {
          this.pending = s;
          break;
        }
        row.push(s);
        used += s.ids.length;
      }
      rows.push(concatSequences(row));
    }
    return makeBatch(rows, seqLen, padId);
  }
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h % 1_000_000;
}
