/**
 * The value executor on the built-in model (resources/models/benchtop-tiny) with the committed
 * example's recipe (examples/value-builtin.yaml): 200 train examples over arithmetic,
 * brackets_classify and compare, 20% given a wrong answer, 50 held-out validation examples.
 *
 * What must hold for a trained model: the corrupted examples are the ones it finds unlikely
 * (their mean completion log-prob ranks them), and their prediction errors — hence |Φ| and
 * |value| — are large. Whether the signed value ranks them low is what the run measures; the
 * figures are printed (docs/dev/VALUE-CONTRACT.md, "Measured on the built-in model").
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clearSessionCache } from '../../../src/engine/onnx';
import { runValue, type ValueRow } from '../../../src/engine/valuation/run';
import { aucMannWhitney } from '../../../src/engine/valuation/protocols';
import { recordingContext, tempDir } from '../runs/recordingContext';

const root = tempDir('benchtop-value-builtin-');
afterAll(async () => {
  root.cleanup();
  await clearSessionCache();
});

describe('value run on the built-in model', () => {
  it('runs the committed example and reports the §6.3 figures', async () => {
    const example = parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'value-builtin.yaml'), 'utf8')) as Record<string, unknown>;
    const runDir = join(root.dir, 'run');
    mkdirSync(runDir);
    const r = recordingContext(example, runDir);
    await runValue(r.ctx);
    const m = r.metrics[0]!.values;
    const rows = readFileSync(join(runDir, 'values.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ValueRow);
    const flags = rows.map((x) => x.mislabeled);
    expect(rows.length).toBe(200);
    expect(flags.filter(Boolean).length).toBe(40);
    expect(r.samples.length).toBe(200);
    for (const k of ['value/auc_influence', 'value/recall_influence', 'value/auc_mislabel', 'value/recall_mislabel', 'value/selected_clean_ratio', 'value/auc_clean_per_val']) {
      expect(m[k], k).toBeGreaterThanOrEqual(0);
      expect(m[k], k).toBeLessThanOrEqual(1);
    }
    const logProbAuc = aucMannWhitney(rows.map((x) => -x.mean_logprob), flags)!;
    const magnitudeAuc = aucMannWhitney(rows.map((x) => Math.abs(x.value)), flags)!;
    console.log(
      [
        `built-in model, ${rows.length} train (40 corrupted) × 50 validation, ${r.logs[0]!.text.match(/method [^;]*$/)?.[0] ?? ''}`,
        `influence AUC ${m['value/auc_influence']!.toFixed(3)} ± ${m['value/auc_influence_std']!.toFixed(3)}, recall ${m['value/recall_influence']!.toFixed(3)}`,
        `mislabel AUC ${m['value/auc_mislabel']!.toFixed(3)}, recall ${m['value/recall_mislabel']!.toFixed(3)} (per task: ${['arithmetic', 'brackets_classify', 'compare'].map((t) => `${t} ${m[`value/${t}/auc_mislabel`]?.toFixed(3)}`).join(', ')}); per-validation clean AUC ${m['value/auc_clean_per_val']!.toFixed(3)}`,
        `selected clean ${m['value/selected_clean_ratio']!.toFixed(3)} (whole set ${m['value/clean_ratio']!.toFixed(3)})`,
        `|value| as a detector: AUC ${magnitudeAuc.toFixed(3)}; mean log-prob as a detector: AUC ${logProbAuc.toFixed(3)}`,
        `features ${m['time/features_seconds']!.toFixed(2)} s, scoring ${m['time/score_seconds']!.toFixed(2)} s`,
      ].join('\n'),
    );
    expect(logProbAuc).toBeGreaterThan(0.95);
    expect(magnitudeAuc).toBeGreaterThan(0.9);
  });

  // Preset (e) (examples/value-mislabel.yaml) at reduced budgets. AUC recomputed from the rows by
  // pair counting (the run's figure is the Mann–Whitney statistic of −value). Measured spread
  // (decision 0040): with the 40-step finetune 0.94–1.0 over seeds 1–5, without it 1.0 on seeds 1–7.
  const presetExample = () => parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'value-mislabel.yaml'), 'utf8')) as Record<string, any>;
  const presetE = async (name: string, extra: Record<string, unknown>) => {
    const example = presetExample();
    const runDir = join(root.dir, name);
    mkdirSync(runDir);
    const r = recordingContext({ ...example, expected_effect: null, ...extra }, runDir);
    await runValue(r.ctx);
    const rows = readFileSync(join(runDir, 'values.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ValueRow);
    const mis = rows.filter((x) => x.mislabeled);
    const clean = rows.filter((x) => !x.mislabeled);
    expect(mis.length).toBe(Math.round(0.2 * rows.length));
    let below = 0;
    for (const m of mis) for (const c of clean) below += m.value < c.value ? 1 : m.value === c.value ? 0.5 : 0;
    const auc = below / (mis.length * clean.length);
    expect(r.last('value/auc_mislabel')).toBeCloseTo(auc, 12);
    return { r, auc };
  };

  it('preset (e), reduced: after a 40-step LoRA finetune on the noisy set the flipped labels get the lowest values', async () => {
    const warmup = presetExample().warmup_sft;
    const { r, auc } = await presetE('preset-e-warm', { val: { num_examples: 40 }, warmup_sft: { ...warmup, training: { ...warmup.training, max_steps: 40 } } });
    expect(r.series('train/loss').length).toBe(4);
    expect(auc).toBeGreaterThan(0.8);
  });

  it('preset (e), reduced, without the finetune: the same ranking on the untouched model', async () => {
    const { auc } = await presetE('preset-e-cold', { train: { tasks: [{ task: 'majority' }], num_examples: 100 }, val: { num_examples: 50 }, warmup_sft: { enabled: false } });
    expect(auc).toBeGreaterThan(0.9);
  });
});
