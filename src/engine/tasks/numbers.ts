/**
 * Reading the final number out of a model response. Tolerates thousands commas ("1,234"),
 * spaces, leading zeros, a leading "answer:" and trailing text. Which number counts:
 *  - after the last answer marker ("answer:", "answer is", "####", "\boxed{") → the first number after it;
 *  - otherwise the first number (terse tasks such as `12+345=` → `357`, where a tiny model may run
 *    on into the next problem) or the last number (worked solutions), as the task asks.
 */
import { parseDecimal, type Rational } from './rational';

export interface FoundNumber {
  /** The matched text, sign included. */
  text: string;
  value: Rational;
  /** Offset of the first digit (or of the sign). */
  start: number;
  end: number;
}

// Digits with optional thousands groups and decimals; not glued to a preceding letter/digit/dot.
const NUMBER_RE = /(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])/g;

/** A '-' (or '−') right before a number is a sign unless what precedes it is an operand (digit, ')'). */
function signStart(text: string, digitStart: number): number | null {
  let i = digitStart - 1;
  if (i >= 0 && text[i] === ' ') i--;
  if (i < 0 || (text[i] !== '-' && text[i] !== '−')) return null;
  let j = i - 1;
  while (j >= 0 && text[j] === ' ') j--;
  if (j >= 0 && /[\d)\]]/.test(text[j]!)) return null;
  return i;
}

export function findNumbers(text: string): FoundNumber[] {
  const out: FoundNumber[] = [];
  for (const m of text.matchAll(NUMBER_RE)) {
    const digitStart = m.index!;
    const s = signStart(text, digitStart);
    const start = s ?? digitStart;
    const raw = (s !== null ? '-' : '') + m[0];
    const value = parseDecimal(raw);
    if (value) out.push({ text: text.slice(start, digitStart + m[0].length), value, start, end: digitStart + m[0].length });
  }
  return out;
}

const MARKER_RE = /answer\s*(?:is\s*)?[:=]?|####|\\boxed\{/gi;

/** Index of the last answer marker ("answer:", "answer is", "####", "\boxed{") in `response`, or −1. */
export function lastAnswerMarkerStart(response: string): number {
  let at = -1;
  for (const m of response.matchAll(MARKER_RE)) at = m.index!;
  return at;
}

export function extractAnswerNumber(response: string, fallback: 'first' | 'last'): FoundNumber | null {
  let markerEnd = -1;
  for (const m of response.matchAll(MARKER_RE)) markerEnd = m.index! + m[0].length;
  if (markerEnd >= 0) {
    const after = findNumbers(response.slice(markerEnd));
    if (after.length > 0) {
      const f = after[0]!;
      return { ...f, start: f.start + markerEnd, end: f.end + markerEnd };
    }
  }
  const all = findNumbers(response);
  if (all.length === 0) return null;
  return fallback === 'first' ? all[0]! : all[all.length - 1]!;
}
