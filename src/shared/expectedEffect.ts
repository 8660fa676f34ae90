/**
 * Expected effects (decision 0038): a small declarative block a run config may carry, saying what
 * the run should show and how to check it from the run's own metrics when it ends.
 *
 *   expected_effect:
 *     statement: GRPO raises greedy held-out accuracy on Knights & Knaves
 *     checks:
 *       - { metric: eval/knights_knaves/accuracy, of: change, op: '>', than: 0.03 }
 *
 * A check is about one run (`of(series) op than`), one arm of a sweep group (`mean over the
 * arm's runs of of(series) op than`) or two arms (`mean over arm A op mean over arm B, ± margin`),
 * the arms named by their swept values. Run checks are evaluated when the run ends and recorded with it (metric
 * `expected_effect/observed`, an event); arm checks when the group has finished. Pure: shared by
 * the supervisor, the group page, bundles and the badge.
 */
import { z } from 'zod';

/** Which number a metric series is reduced to. */
export const EFFECT_MEASURES = ['initial', 'final', 'change', 'mean', 'late_mean', 'min', 'max'] as const;
export type EffectMeasure = (typeof EFFECT_MEASURES)[number];
export const EFFECT_OPS = ['>', '<', '>=', '<='] as const;
type EffectOp = (typeof EFFECT_OPS)[number];

/** x op y, the margin moving y away from x's side ('>' and '>=': y + margin; '<' and '<=': y − margin). */
export function compareOp(x: number, op: EffectOp, y: number, margin = 0): boolean {
  switch (op) {
    case '>':
      return x > y + margin;
    case '>=':
      return x >= y + margin;
    case '<':
      return x < y - margin;
    case '<=':
      return x <= y - margin;
  }
}

/** The metric key recorded with a run whose run checks were evaluated: 1 observed, 0 not. */
export const EXPECTED_EFFECT_METRIC = 'expected_effect/observed';

const armValue: z.ZodType<unknown> = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const armSchema = z
  .record(z.string().min(1), armValue)
  .refine((a) => Object.keys(a).length > 0, 'expected at least one swept field, e.g. { thr.p: 0.5 }')
  .meta({ description: "An arm of a sweep: swept field path → value (the runs whose sweep point has these values)." });

export const effectCheckSchema = z
  .object({
    metric: z.string().min(1, 'expected a metric key such as eval/knights_knaves/accuracy').meta({ description: 'Metric key the check reads (as the run page names it).' }),
    of: z.enum(EFFECT_MEASURES).default('change').meta({
      description: 'What the series is reduced to: initial | final | change (final − initial) | mean | late_mean (mean of the points after the middle step) | min | max.',
    }),
    op: z.enum(EFFECT_OPS).meta({ description: "'>', '<', '>=' or '<='." }),
    than: z.number().optional().meta({ description: 'The reduced value (of this run, or the mean over arm’s runs when arm is given) must be op this number.' }),
    arm: armSchema.optional(),
    than_arm: armSchema.optional(),
    // Optional rather than defaulted: the editor holds expected_effect as one JSON value and does not fill defaults inside it.
    margin: z.number().min(0, 'expected margin ≥ 0').optional().meta({ description: "Arm comparison (default 0): arm's mean must exceed than_arm's by this much ('>', '>=') or fall below it by this much ('<', '<=')." }),
  })
  .strict()
  .superRefine((c, ctx) => {
    // than alone: this run; arm + than: one arm's mean against a number; arm + than_arm: two arms.
    if ((c.than === undefined) === (c.than_arm === undefined)) ctx.addIssue({ code: 'custom', message: 'give either than (a number) or than_arm (another arm of the sweep to compare with)' });
    if (c.than_arm !== undefined && c.arm === undefined) ctx.addIssue({ code: 'custom', message: 'an arm comparison needs arm as well as than_arm' });
  });
export type EffectCheck = z.output<typeof effectCheckSchema>;

export const expectedEffectSchema = z
  .object({
    statement: z.string().min(1, 'expected a statement of the effect').max(500).meta({ description: 'The expected effect in words, shown on the badge.' }),
    checks: z.array(effectCheckSchema).min(1, 'expected at least one check').max(16).meta({ description: 'All must hold for the effect to count as observed.' }),
  })
  .strict();
export type ExpectedEffect = z.output<typeof expectedEffectSchema>;

/** The config field. Nullable so the editor shows it as one JSON value (absent = no check). */
export const expectedEffectField = expectedEffectSchema
  .nullable()
  .optional()
  .meta({
    description:
      "Benchtop-only: the effect this run (or its sweep group) is expected to show, checked from its own metrics when it ends — { statement, checks: [{ metric, of, op, than }] }, or arm comparisons in a sweep: [{ metric, of, op, arm: { path: value }, than_arm: { path: value }, margin }] (decision 0038).",
  });

export interface SeriesPoints {
  steps: readonly number[];
  values: readonly number[];
}

/** The series reduced by a measure; null when it has no finite point. NaN points are skipped. */
export function reduceSeries(s: SeriesPoints | undefined, of: EffectMeasure): number | null {
  if (!s) return null;
  const pts: [number, number][] = [];
  for (let i = 0; i < s.values.length; i++) if (Number.isFinite(s.values[i])) pts.push([s.steps[i]!, s.values[i]!]);
  if (pts.length === 0) return null;
  pts.sort((a, b) => a[0] - b[0]);
  const vals = pts.map((p) => p[1]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  switch (of) {
    case 'initial':
      return vals[0]!;
    case 'final':
      return vals[vals.length - 1]!;
    case 'change':
      return pts.length < 2 ? null : vals[vals.length - 1]! - vals[0]!;
    case 'mean':
      return mean(vals);
    case 'late_mean': {
      const mid = (pts[0]![0] + pts[pts.length - 1]![0]) / 2;
      const late = pts.filter((p) => p[0] > mid).map((p) => p[1]);
      return late.length ? mean(late) : null;
    }
    case 'min':
      return Math.min(...vals);
    case 'max':
      return Math.max(...vals);
  }
}

export interface CheckResult {
  /** One line: what was compared and the numbers. */
  text: string;
  holds: boolean;
}

export type EffectState = 'observed' | 'not_observed' | 'pending' | 'none';

export interface EffectVerdict {
  state: EffectState;
  statement: string;
  checks: CheckResult[];
}

/** A check about a sweep group (one arm against a number, or two arms), not about one run alone. */
export const isArmCheck = (c: EffectCheck): boolean => c.arm !== undefined;

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4))));
const armText = (a: Record<string, unknown>) => Object.entries(a).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');

/** The run's expected effect, parsed; null when the config has none or it is not valid. */
export function effectOf(config: Record<string, unknown> | null | undefined): ExpectedEffect | null {
  const raw = config?.expected_effect;
  if (raw === undefined || raw === null) return null;
  const parsed = expectedEffectSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** One run check against one run's series. */
export function evaluateRunCheck(c: EffectCheck, series: Record<string, SeriesPoints | undefined>): CheckResult {
  const v = reduceSeries(series[c.metric], c.of);
  if (v === null) return { text: `${c.metric}: no ${c.of} value (metric not logged, or too few points)`, holds: false };
  const holds = compareOp(v, c.op, c.than!);
  return { text: `${c.metric} ${c.of} = ${fmt(v)} ${c.op} ${fmt(c.than!)}`, holds };
}

/** The run checks of an effect over one finished run; state 'none' when it has only arm checks. */
export function evaluateRunEffect(effect: ExpectedEffect, series: Record<string, SeriesPoints | undefined>): EffectVerdict {
  const runChecks = effect.checks.filter((c) => !isArmCheck(c));
  if (runChecks.length === 0) return { state: 'none', statement: effect.statement, checks: [] };
  const checks = runChecks.map((c) => evaluateRunCheck(c, series));
  return { state: checks.every((c) => c.holds) ? 'observed' : 'not_observed', statement: effect.statement, checks };
}

/** A run of a group as the arm checks see it. */
export interface GroupMember {
  status: string;
  point: Record<string, unknown>;
  series: Record<string, SeriesPoints | undefined>;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
export const inArm = (point: Record<string, unknown>, arm: Record<string, unknown>): boolean => Object.entries(arm).every(([k, v]) => k in point && sameValue(point[k], v));

/** One arm check over a group's succeeded runs: mean over each arm's runs (seeds) of the reduced series, against a number or the other arm's mean. */
export function evaluateArmCheck(c: EffectCheck, members: readonly GroupMember[]): CheckResult {
  const armMean = (arm: Record<string, unknown>) => {
    const vals = members.filter((m) => m.status === 'succeeded' && inArm(m.point, arm)).map((m) => reduceSeries(m.series[c.metric], c.of));
    const ok = vals.filter((v): v is number => v !== null);
    return { mean: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null, n: ok.length };
  };
  const a = armMean(c.arm!);
  if (c.than_arm === undefined) {
    if (a.mean === null) return { text: `${c.metric} ${c.of}: no succeeded run of arm ${armText(c.arm!)} logged it`, holds: false };
    return { text: `${c.metric} ${c.of}: ${armText(c.arm!)} ${fmt(a.mean)} (n=${a.n}) ${c.op} ${fmt(c.than!)}`, holds: compareOp(a.mean, c.op, c.than!) };
  }
  const b = armMean(c.than_arm!);
  if (a.mean === null || b.mean === null) {
    const missing = a.mean === null ? armText(c.arm!) : armText(c.than_arm!);
    return { text: `${c.metric} ${c.of}: no succeeded run of arm ${missing} logged it`, holds: false };
  }
  const margin = c.margin ?? 0;
  const holds = compareOp(a.mean, c.op, b.mean, margin);
  const bound = margin ? ` ${c.op.startsWith('>') ? '+' : '−'} ${fmt(margin)}` : '';
  return { text: `${c.metric} ${c.of}: ${armText(c.arm!)} ${fmt(a.mean)} (n=${a.n}) ${c.op} ${armText(c.than_arm!)} ${fmt(b.mean)} (n=${b.n})${bound}`, holds };
}

/**
 * A sweep group's verdict: its arm checks (and run checks, which must hold on every succeeded run).
 * Pending until every run has ended; 'none' when the runs carry no expected effect.
 */
export function evaluateGroupEffect(effect: ExpectedEffect | null, members: readonly GroupMember[], finished: boolean): EffectVerdict {
  if (!effect) return { state: 'none', statement: '', checks: [] };
  if (!finished) return { state: 'pending', statement: effect.statement, checks: [] };
  const checks: CheckResult[] = [];
  for (const c of effect.checks) {
    if (isArmCheck(c)) {
      checks.push(evaluateArmCheck(c, members));
      continue;
    }
    const ok = members.filter((m) => m.status === 'succeeded');
    const held = ok.filter((m) => evaluateRunCheck(c, m.series).holds).length;
    checks.push({ text: `${c.metric} ${c.of} ${c.op} ${fmt(c.than!)} on ${held} of ${ok.length} runs`, holds: ok.length > 0 && held === ok.length });
  }
  return { state: checks.every((c) => c.holds) ? 'observed' : 'not_observed', statement: effect.statement, checks };
}

/** Metric keys an effect reads (what a caller must load). */
export function effectMetrics(effect: ExpectedEffect): string[] {
  return [...new Set(effect.checks.map((c) => c.metric))];
}

/** "expected effect: observed — statement (check; check)" for events, the CLI and bundles. */
export function verdictLine(v: EffectVerdict): string {
  const head = v.state === 'observed' ? 'observed' : v.state === 'not_observed' ? 'not observed' : v.state === 'pending' ? 'pending' : 'not checked';
  const detail = v.checks.length ? ` (${v.checks.map((c) => `${c.holds ? '✓' : '✗'} ${c.text}`).join('; ')})` : '';
  return `expected effect: ${head} — ${v.statement}${detail}`;
}
