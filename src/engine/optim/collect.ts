/**
 * A full V8 collection on demand, for the trainer between micro-batches (docs/decisions/0047,
 * 0048). onnxruntime-node returns a JS copy of every output, also of one written in place
 * (decision 0045): after an accumulate run that is a parameter-sized array of garbage, which V8
 * collects only when the next one is allocated — it stays resident through the next
 * micro-batch's forward and backward, the step's peak. Collecting right after the run returns it
 * first.
 *
 * The collection is V8's last-resort one (`flavor: 'last-resort'`), which also compacts the heap
 * and hands the pages it emptied back to the OS. An ordinary full collection keeps them mapped
 * and resident: on the 135M shape about 0.2 GiB of 256 KiB heap pages, left from building the
 * tokenizer and the graphs while heapTotal was below 0.07 GiB, stayed resident through every
 * micro-batch (decision 0048). On a heap of tens of MB it takes milliseconds.
 *
 * `gc` is exposed only with --expose-gc; runners are forked without it, so the flag is set at
 * run time and the function taken from a fresh context (V8 installs it there once the flag is
 * on). Where that fails the call does nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

let gc: Gc | null | undefined;

/** Run a full garbage collection that returns freed heap pages; false when no collector could be reached. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    const exposed = (globalThis as { gc?: Gc }).gc;
    gc = typeof exposed === 'function' ? exposed : null;
    if (!gc) {
      try {
        setFlagsFromString('--expose-gc');
        const f = runInNewContext('gc') as unknown;
        gc = typeof f === 'function' ? (f as Gc) : null;
      } catch {
        gc = null;
      }
    }
  }
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return gc !== null;
}
