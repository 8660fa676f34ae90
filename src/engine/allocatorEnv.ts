/**
 * Environment for processes that run the engine (runner processes, the scale bench's children):
 * glibc's malloc otherwise keeps the freed activation buffers of onnxruntime's sessions (which
 * run with their memory arena off, docs/decisions/0013) in its heaps, and a process's peak
 * resident memory then depended on which thread's heap an allocation landed in. Measured on
 * the 135M shape, scoring 16 × 128 tokens peaked at 1.25–1.3 GiB or 1.9–2.0 GiB from run to run
 * (2 of 5 runs high) with the defaults and at 0.85–1.0 GiB in 6 of 6 runs with blocks of 4 MiB
 * and more taken from and returned to the OS directly (M_MMAP_THRESHOLD; glibc reads it at
 * process start, so it is set for the child, not here; docs/decisions/0042).
 *
 * The threshold is 256 KiB (decision 0048): with 4 MiB, every per-layer weight, AdamW moment,
 * gradient sum and decode activation of the 135M shape (0.4–3.5 MiB each) came from the brk
 * heap, whose freed holes between live blocks stay resident — about 0.3 GiB through GRPO's
 * micro-batches. Other C libraries ignore the variable. A value the user set wins.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(256 * 2 ** 10),
};

/** `env` with ALLOCATOR_ENV filled in where it does not set them itself. */
export function withAllocatorEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...ALLOCATOR_ENV, ...env };
}
