/**
 * Checks on loaded weights that a header cannot show: NaN and ±Inf values. A model with them
 * still runs, but NaN spreads through every sum it enters, so outputs come out as garbage text
 * and null log-probs. Loading therefore warns, naming each tensor and how many values are bad
 * (docs/decisions/0019: a warning, not an error — an unused embedding row with an Inf is
 * harmless, and pruning research loads damaged models on purpose).
 */
import type { LoadedTensor } from './safetensors';

export interface NonFiniteTensor {
  tensor: string;
  file: string;
  nan: number;
  inf: number;
  size: number;
}

/** Tensors holding NaN or ±Inf (float data only), in map order. */
export function scanNonFinite(tensors: ReadonlyMap<string, LoadedTensor>): NonFiniteTensor[] {
  const out: NonFiniteTensor[] = [];
  for (const [name, t] of tensors) {
    if (!(t.data instanceof Float32Array)) continue;
    const d = t.data;
    let bad = false;
    // x − x is 0 for every finite x and NaN for NaN and ±Inf: one cheap pass finds either.
    for (let i = 0; i < d.length; i++) {
      if (d[i]! - d[i]! !== 0) {
        bad = true;
        break;
      }
    }
    if (!bad) continue;
    let nan = 0;
    let inf = 0;
    for (let i = 0; i < d.length; i++) {
      const x = d[i]!;
      if (Number.isNaN(x)) nan++;
      else if (!Number.isFinite(x)) inf++;
    }
    out.push({ tensor: name, file: t.file, nan, inf, size: d.length });
  }
  return out;
}

/** One warning for all of them, or null. */
export function nonFiniteWarning(found: readonly NonFiniteTensor[]): string | null {
  if (found.length === 0) return null;
  const one = (f: NonFiniteTensor) => `'${f.tensor}' (${f.file}) holds ${[f.nan ? `${f.nan} NaN` : '', f.inf ? `${f.inf} ±Inf` : ''].filter(Boolean).join(' and ')} of ${f.size} values`;
  const shown = found.slice(0, 5).map(one).join('; ');
  const more = found.length > 5 ? `; and ${found.length - 5} more tensors` : '';
  return `warning: non-finite weights: ${shown}${more}. Outputs that use them will be NaN or garbage.`;
}

/** Scan, print the warning (a runner turns its stderr into warn events on the run), pass the tensors on. */
export function warnNonFinite<M extends ReadonlyMap<string, LoadedTensor>>(tensors: M, warn: (text: string) => void = (t) => console.warn(t)): M {
  const w = nonFiniteWarning(scanNonFinite(tensors));
  if (w) warn(w);
  return tensors;
}
