/**
 * Sampler cost per row of logits at real vocabulary sizes (SmolLM2's 49,152 and Qwen2.5's
 * 151,936): temperature only, top-k 50, top-p 0.95 and both, on logits shaped like a language
 * model's (a few dominant tokens over a broad tail) and on flat logits (a random-weight model,
 * where top-p 0.95 keeps most of the vocabulary). `full_sort_top_p_095` times the same top-p
 * done by sorting the whole vocabulary (the sampler before partial selection), for the ratio.
 */
import { sampleToken, type SamplerOptions } from '../generate/sampling';
import { createRng } from '../random';
import type { BenchLine } from './cases';

const SETTINGS: Record<string, SamplerOptions> = {
  temperature: { temperature: 0.7 },
  top_k_50: { temperature: 0.7, topK: 50 },
  top_p_095: { temperature: 0.7, topP: 0.95 },
  top_k_50_top_p_095: { temperature: 0.7, topK: 50, topP: 0.95 },
};

function logitRows(vocab: number, rows: number, shape: 'peaked' | 'flat', seed: number): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => {
    const x = new Float32Array(vocab);
    for (let i = 0; i < vocab; i++) {
      const u = rng.nextFloat();
      x[i] = shape === 'flat' ? u * 0.5 : u * 4 + (rng.nextFloat() < 0.001 ? 12 : 0);
    }
    return x;
  });
}

/** Top-p 0.95 at temperature 0.7 by a full sort of the vocabulary: the reference cost. */
function fullSortTopP(logits: Float32Array): number {
  const V = logits.length;
  const p = new Float64Array(V);
  let m = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i]! > m) m = logits[i]!;
  let z = 0;
  for (let i = 0; i < V; i++) z += p[i] = Math.exp((logits[i]! - m) / 0.7);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  let cum = 0;
  let n = 0;
  while (n < V && cum < 0.95 * z) cum += p[order[n++]!]!;
  return order[n - 1]!;
}

/** Median milliseconds per row for each setting, over `rows` rows after a warm-up pass over them all (JIT). */
export function samplerCase(vocab: number, shape: 'peaked' | 'flat', rows = 16): BenchLine {
  const data = logitRows(vocab, rows, shape, vocab);
  const ms: Record<string, number> = {};
  for (const [name, o] of Object.entries(SETTINGS)) {
    const rng = createRng(1);
    for (const row of data) sampleToken(row, o, rng);
    const times: number[] = [];
    for (const row of data) {
      const t0 = performance.now();
      sampleToken(row, o, rng);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    ms[name] = Math.round(times[times.length >> 1]! * 100) / 100;
  }
  for (const row of data) fullSortTopP(row);
  const times: number[] = [];
  for (const row of data) {
    const t0 = performance.now();
    fullSortTopP(row);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  ms.full_sort_top_p_095 = Math.round(times[times.length >> 1]! * 100) / 100;
  return { case: `sample_row_V${vocab}_${shape}`, ms_per_row: ms };
}
