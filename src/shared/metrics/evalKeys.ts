/**
 * Metric keys of evaluations, written by the engine (src/engine/evaluation/harness.ts, the eval
 * executor, the training kinds' periodic evals) and read by the renderer and the bundles. One
 * spelling, here.
 */

/** `eval/<task>/<metric>`: accuracy, pass@k, maj@k, normalized … of one task. */
export function evalKey(task: string, metric: string): string {
  return `eval/${task}/${metric}`;
}

export const EVAL_PREFIX = 'eval/';
export const BREAKDOWN_PREFIX = 'breakdown/';

/** `breakdown/<task>/<knob>=<value>`: accuracy on the examples whose generator knob had that value. */
export function breakdownKey(task: string, knob: string, value: string | number): string {
  return `${BREAKDOWN_PREFIX}${task}/${knob}=${value}`;
}

export function isBreakdownKey(key: string): boolean {
  return key.startsWith(BREAKDOWN_PREFIX);
}

/** Keys an eval run draws as bars instead of (single-point) line charts. */
export function isEvalResultKey(key: string): boolean {
  return isBreakdownKey(key) || key.startsWith(EVAL_PREFIX);
}

/** `breakdown/<task>/<knob>=<value>` → parts, or null for other keys. */
export function parseBreakdownKey(key: string): { task: string; knob: string; value: string } | null {
  if (!isBreakdownKey(key)) return null;
  const rest = key.slice(BREAKDOWN_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const pair = rest.slice(slash + 1);
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  return { task: rest.slice(0, slash), knob: pair.slice(0, eq), value: pair.slice(eq + 1) };
}

const EVAL_KEY = /^eval\/([^/]+)\/(.+)$/;

/** `eval/<task>/<metric>` → parts, or null for other keys. */
export function parseEvalKey(key: string): { task: string; metric: string } | null {
  const m = EVAL_KEY.exec(key);
  return m ? { task: m[1], metric: m[2] } : null;
}
