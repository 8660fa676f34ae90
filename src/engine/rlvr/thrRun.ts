/**
 * The THR pieces of the grpo run around the pure computation in thr.ts: the policy's LM head, the
 * run-start notice that records the reconstruction's assumptions (ALGORITHMS.md §4 asks for them
 * in the run record), and the per-step THR histograms written as one JSON line each to
 * `<runDir>/thr-histograms.jsonl` (artifact kind `thr-histograms`).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GrpoConfig } from '../../shared/config/grpo';
import type { RunContext } from '../../shared/runContext';
import type { DecoderWeights } from '../model/weights';
import { thrHistogram } from './thr';

/** The LM head [vocab, hidden] of a decoder: lm_head, or the embeddings when tied. */
export function lmHeadOf(w: DecoderWeights): Float32Array {
  return (w.lmHead ?? w.embed).data;
}

/** What the run record states about the THR settings and the reconstruction. */
export function thrNotice(t: GrpoConfig['thr']): string {
  return (
    `THR on (ALGORITHMS.md §4): token advantages A·(1 + ${t.p}·sign(THR))` +
    (t.top_fraction < 1 ? ` on the top ${t.top_fraction} of completion tokens by |THR|` : '') +
    `, normalization ${t.normalization}. Reconstruction: THR is computed with the §4.1 kernel ⟨h, h'⟩·⟨e − π, e' − π'⟩ over the group's sampled vocabulary ` +
    `against its correct completions (${t.normalization === 'length' ? 'A_i/|y_i| and 1/|y_j| factors, §4.1' : 'no length factors, §4.3'}); the paper's exact formula and constants are unverified.`
  );
}

export const THR_HISTOGRAM_FILE = 'thr-histograms.jsonl';

/** Appends one histogram line per generation batch; registers the file once, at the end. */
export class ThrHistogramLog {
  private readonly path: string;
  private written = false;

  constructor(runDir: string, private readonly bins = 20) {
    this.path = join(runDir, THR_HISTOGRAM_FILE);
  }

  append(step: number, thr: Float64Array, mask: Float32Array): void {
    const h = thrHistogram(thr, mask, this.bins);
    appendFileSync(this.path, `${JSON.stringify({ step, edges: h.edges, counts: h.counts })}\n`);
    this.written = true;
  }

  register(ctx: Pick<RunContext, 'artifact'>): void {
    if (this.written && existsSync(this.path)) ctx.artifact(this.path, 'thr-histograms');
  }
}
