/**
 * Per-token data of the logged grpo completions (samples viewer heat, src/shared/sampleQuery.ts):
 * a short run on the built-in model at temperature 1 with THR on. The token log-probs are checked
 * against an independent teacher-forced re-scoring of prompt + completion with the initial model
 * (the policy that scored the first generation batch), the token advantages against
 * advantage × (1 + p·sign(THR)) by hand, and every array has one value per completion token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceModel } from '../../../src/engine/generate/inferenceModel';
import { scoreIds } from '../../../src/engine/generate/scoring';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runGrpo } from '../../../src/engine/rlvr/run';
import { resolveModelFolder } from '../../../src/engine/toolkit/modelRef';
import { recordingContext, tempDir } from '../runs/recordingContext';

const t = tempDir('benchtop-grpo-tokens-');
afterAll(async () => {
  t.cleanup();
  await clearSessionCache();
});

interface Extra {
  tokens: number;
  advantage: number;
  truncated: boolean;
  token_text: string[];
  token_logprob: number[];
  token_advantage: number[];
  token_entropy: number[];
  thr: number[];
}

describe('grpo sample rows carry per-token data', () => {
  it('token_logprob re-scores independently, token_advantage = advantage × THR weight, lengths match', async () => {
    const P = 0.3;
    const r = recordingContext(
      {
        kind: 'grpo',
        seed: 11,
        model: 'builtin:benchtop-tiny',
        tasks: [{ task: 'knights_knaves', options: { people: [2] } }],
        num_generations: 4,
        prompts_per_step: 2,
        temperature: 1,
        max_completion_length: 12,
        thr: { enabled: true, p: P },
        training: { max_steps: 1, learning_rate: 1e-4 },
        eval_examples: 1,
        completions_to_log: 8,
      },
      t.dir,
    );
    await runGrpo(r.ctx);
    const rows = r.samples.filter((s) => s.step === 1);
    expect(rows).toHaveLength(8);

    const rt = await InferenceModel.load(resolveModelFolder('builtin:benchtop-tiny', t.dir));
    const tok = rt.tokenizer;
    const seqs: number[][] = [];
    const starts: number[] = [];
    for (const s of rows) {
      const x = s.extra as unknown as Extra;
      for (const k of ['token_text', 'token_logprob', 'token_advantage', 'token_entropy'] as const) expect(x[k], k).toHaveLength(x.tokens);
      // the built-in tokenizer is character-level: every token text names its id
      const completion = x.token_text.map((c) => tok.tokenToId(c)!);
      expect(completion.every((id) => id !== null)).toBe(true);
      const prompt = rt.encodePrompt(s.prompt);
      starts.push(prompt.length);
      seqs.push([...prompt, ...completion]);
    }
    const scored = await scoreIds(rt, seqs);
    let advantaged = 0;
    rows.forEach((s, i) => {
      const x = s.extra as unknown as Extra;
      const ref = scored[i]!.slice(starts[i]!) as number[];
      x.token_logprob.forEach((lp, j) => expect(Math.abs(lp - ref[j]!), `row ${i} token ${j}`).toBeLessThan(2e-4));
      const sum = x.token_logprob.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - ref.reduce((a, b) => a + b, 0))).toBeLessThan(1e-3);
      // entropies are of a distribution over the vocabulary: within [0, ln V]
      for (const h of x.token_entropy) expect(h >= -1e-5 && h <= Math.log(tok.vocabSize) + 1e-5).toBe(true);
      // masked (thr empty) → no token trained on; else weight 1 + p·sign(THR) on every token (top_fraction 1)
      x.token_advantage.forEach((a, j) => {
        const w = x.thr.length ? 1 + P * Math.sign(x.thr[j]!) : 0;
        expect(a).toBeCloseTo(x.advantage * w, 6);
      });
      if (x.advantage !== 0) advantaged++;
    });
    // the seeded batch has non-zero advantages (the check above is not all zeros)
    expect(advantaged).toBeGreaterThan(0);
  });
});
