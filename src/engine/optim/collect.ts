/**
 * A full V8 collection on demand, for the trainer between micro-batches (docs/decisions/0047).
 * onnxruntime-node returns a JS copy of every output, also of one written in place (decision
 * 0045): after an accumulate run that is a parameter-sized array of garbage, which V8 collects
 * only when the next one is allocated — it stays resident through the next micro-batch's
 * forward and backward, the step's peak. Collecting right after the run returns it first.
 *
 * `gc` is exposed only with --expose-gc; runners are forked without it, so the flag is set at
 * run time and the function taken from a fresh context (V8 installs it there once the flag is
 * on). Where that fails the call does nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/** Run a full garbage collection; false when no collector could be reached. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    gc = typeof exposed === 'function' ? exposed : null;
    if (!gc) {
      try {
        setFlagsFromString('--expose-gc');
        const f = runInNewContext('gc') as unknown;
        gc = typeof f === 'function' ? (f as () => void) : null;
      } catch {
        gc = null;
      }
    }
  }
  gc?.();
  return gc !== null;
}
