/**
 * A short grpo run with THR on the built-in model: the run records the reconstruction notice, the
 * thr/ metrics at generating steps, one THR value per completion token in the sample rows (with
 * the token texts), and the per-step histogram file; and the token weights the run trained with
 * are 1 ± p exactly where THR ≠ 0.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { recordingContext, tempDir } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-thr-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

describe('grpo with thr on the built-in model', () => {
  it('logs thr/ metrics, per-token THR in samples, histograms, and the reconstruction notice', async () => {
    const r = recordingContext(
      {
        kind: 'grpo',
        seed: 11,
        model: 'builtin:benchtop-tiny',
        tasks: [{ task: 'knights_knaves', options: { people: [2] } }],
        num_generations: 4,
        prompts_per_step: 4,
        temperature: 1.3,
        max_completion_length: 16,
        thr: { enabled: true, p: 0.3 },
        training: { max_steps: 2, learning_rate: 1e-4 },
        eval_examples: 2,
        completions_to_log: 16,
      },
      t.dir,
    );
    await runGrpo(r.ctx);
    expect(r.logs.some((l) => l.level === 'info' && /THR on \(ALGORITHMS\.md §4\).*Reconstruction/.test(l.text))).toBe(true);
    const m = Object.assign({}, ...r.metrics.filter((x) => x.step === 1).map((x) => x.values)) as Record<string, number>;
    // seeded: the first batch has a group with mixed correctness (the built-in model solves 2-person K&K at T 1.3 about 80% of the time)
    const mixed = m['groups/solve_all']! + m['groups/solve_none']! < 1;
    expect(mixed).toBe(true);
    for (const k of ['positive_fraction', 'negative_fraction', 'mean_abs', 'top1_mass', 'top10_mass', 'reweighted_fraction', 'median', 'entropy_overlap']) {
      expect(Number.isFinite(m[`thr/${k}`]), `thr/${k}`).toBe(true);
    }
    const rows = r.samples.filter((s) => s.step === 1);
    expect(rows).toHaveLength(16);
    for (const s of rows) {
      const x = s.extra as { thr: number[]; thr_tokens: string[]; tokens: number; truncated: boolean };
      expect(x.thr).toHaveLength(x.tokens);
      expect(x.thr_tokens).toHaveLength(x.tokens);
    }
    const values = rows.flatMap((s) => (s.extra as { thr: number[] }).thr);
    // a group with mixed correctness has non-zero THR, and top_fraction 1 reweights exactly those tokens
    expect(values.some((v) => v > 0) && values.some((v) => v < 0)).toBe(true);
    const nonzero = values.filter((v) => v !== 0).length / values.length;
    expect(m['thr/reweighted_fraction']).toBeCloseTo(nonzero, 6);
    const art = r.artifacts.find((a) => a.kind === 'thr-histograms');
    expect(art).toBeDefined();
    const lines = readFileSync(art!.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; counts: number[] });
    expect(lines.map((l) => l.step)).toEqual([1, 2]);
    const masked = rows.reduce((a, s) => a + (s.extra as { thr: number[] }).thr.length, 0);
    expect(lines[0]!.counts.reduce((a, b) => a + b, 0)).toBe(masked);
  });
});
