/**
 * The built-in model (resources/models/benchtop-tiny) as shipped:
 *  - the committed eval example (examples/eval-builtin.yaml, held-out test examples) run by the
 *    real eval executor meets the bar the model card promises: ≥ 95% on 2–3 digit addition,
 *    ≥ 90% bracket completion, ≥ 90% on each classification task, Knights & Knaves and word
 *    problems clearly above chance and below saturation;
 *  - the committed recipe (examples/pretrain-builtin.yaml) reproduces the start of the recorded
 *    training run (training-log.json): the same losses at the first logged steps, within
 *    float-summation noise — same seed, same data stream, same init.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clearSessionCache } from '../../src/engine/onnx';
import { runEval } from '../../src/engine/eval/run';
import { runPretrain } from '../../src/engine/pretrain/run';
import { validateRunConfig } from '../../src/shared/config';
import { recordingContext, tempDir } from './runs/recordingContext';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MODEL = join(ROOT, 'resources', 'models', 'benchtop-tiny');
const dirs: (() => void)[] = [];
afterAll(async () => {
  dirs.forEach((c) => c());
  await clearSessionCache();
});
function runDir(prefix: string): string {
  const t = tempDir(prefix);
  dirs.push(t.cleanup);
  return t.dir;
}
const yamlOf = (file: string) => parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as Record<string, unknown>;

describe('built-in model', () => {
  it('ships a complete HF folder with its model card and training log', () => {
    for (const f of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'README.md', 'training-log.json']) {
      expect(existsSync(join(MODEL, f)), f).toBe(true);
    }
  });

  it('meets its accuracy bar on held-out examples (examples/eval-builtin.yaml)', async () => {
    const r = recordingContext(yamlOf('eval-builtin.yaml'), runDir('benchtop-builtin-eval-'));
    await runEval(r.ctx);
    const acc = (task: string) => r.last(`eval/${task}/accuracy`)!;
    const table = ['arithmetic', 'brackets', 'brackets_classify', 'compare', 'majority', 'knights_knaves', 'word_problems'].map((t) => `${t} ${acc(t)}`);
    console.log(`built-in model eval: ${table.join(', ')}`);
    expect(acc('arithmetic')).toBeGreaterThanOrEqual(0.95);
    expect(acc('brackets')).toBeGreaterThanOrEqual(0.9);
    for (const t of ['brackets_classify', 'compare', 'majority']) expect(acc(t), t).toBeGreaterThanOrEqual(0.9);
    // Knights & Knaves: chance is a uniform knight/knave guess per person, 2^-people (2–3 people here).
    const kk = r.samples.filter((s) => s.extra?.task === 'knights_knaves');
    const chance = kk.reduce((s, x) => s + 2 ** -Number((x.extra!.metadata as Record<string, unknown>).people), 0) / kk.length;
    expect(acc('knights_knaves')).toBeGreaterThan(2 * chance);
    expect(acc('knights_knaves')).toBeLessThan(0.95);
    // Word problems: guessing the number is ≈ 0; the model gets some right, far from all.
    expect(acc('word_problems')).toBeGreaterThan(0.05);
    expect(acc('word_problems')).toBeLessThan(0.95);
  });

  it('its committed recipe reproduces the recorded start of training', async () => {
    const log = JSON.parse(readFileSync(join(MODEL, 'training-log.json'), 'utf8')) as { loss: [number, number][]; config: Record<string, unknown> };
    const recipe = yamlOf('pretrain-builtin.yaml');
    // The recipe in examples/ is the one the shipped model was trained with.
    const v = validateRunConfig(recipe);
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    const full = v.config as unknown as Record<string, unknown>;
    // Fields added to the schema after the model was trained are absent from its log and take their
    // defaults here; the loss replay below shows that those defaults train the same way.
    for (const key of ['seed', 'model', 'data', 'training']) {
      const logged = log.config[key];
      if (logged !== null && typeof logged === 'object') expect(full[key], key).toEqual(expect.objectContaining(logged as object));
      else expect(full[key], key).toEqual(logged);
    }
    // The first logged steps, inside warmup (so a shorter max_steps leaves every learning rate unchanged).
    const training = recipe.training as Record<string, number>;
    const steps = log.loss.map(([s]) => s).filter((s) => s <= training.warmup_steps!).slice(0, 2);
    expect(steps.length).toBe(2);
    const last = steps.at(-1)!;
    const cfg = { ...recipe, training: { ...training, max_steps: last, eval_every: 0, checkpoint_every: 0 } };
    const r = recordingContext(cfg, runDir('benchtop-builtin-pretrain-'));
    // The shipped run used 2 threads; the float sums of 1 thread differ only in rounding.
    await runPretrain(r.ctx);
    const got = new Map(r.series('train/loss'));
    for (const s of steps) {
      const want = log.loss.find(([x]) => x === s)![1];
      console.log(`recipe reproduction: loss at step ${s} ${got.get(s)} (recorded ${want})`);
      expect(Math.abs(got.get(s)! - want) / want, `loss at step ${s}: ${got.get(s)} vs recorded ${want}`).toBeLessThan(2e-3);
    }
    // 100 training steps: ~40 s on an idle core, past 120 s when the other core is busy, so a
    // generous limit (the recipe's warmup is 100 steps and a shorter max_steps is refused).
  }, 600_000);
});
