/**
 * How well a tokenizer covers a dataset's text: the share of tokens that came out as the
 * tokenizer's unknown token and the share of characters that are U+FFFD (what invalid UTF-8
 * becomes when a file is decoded). Either one above COVERAGE_WARN_SHARE earns a warning: the
 * model then trains or is scored on text it cannot see (docs/decisions/0020).
 */
import type { TextTokenizer } from '../engine/model/tokenizer';

/** 1%: a stray symbol is normal, one character in a hundred the model cannot read is not. */
export const COVERAGE_WARN_SHARE = 0.01;

export interface Coverage {
  texts: number;
  chars: number;
  /** U+FFFD characters in the text itself. */
  replacement: number;
  tokens: number;
  /** Tokens equal to the unknown token (or, without one, characters the tokenizer could not encode). */
  unknown: number;
  /** A few characters that became unknown tokens, for the message. */
  unknownSamples: string[];
}

export function emptyCoverage(): Coverage {
  return { texts: 0, chars: 0, replacement: 0, tokens: 0, unknown: 0, unknownSamples: [] };
}

/** Count U+FFFD characters (no tokenizer needed). */
export function countReplacement(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

/** Add `text` to `c` (tokenizer optional: without one only U+FFFD is counted). */
export function addText(c: Coverage, text: string, tok?: TextTokenizer): void {
  c.texts++;
  c.chars += text.length;
  c.replacement += countReplacement(text);
  if (!tok || text.length === 0) return;
  let ids: number[];
  try {
    ids = tok.encode(text);
  } catch {
    // No unk_token: the tokenizer refuses the text. Count each character it cannot take.
    for (const ch of text) {
      c.tokens++;
      try {
        tok.encode(ch);
      } catch {
        c.unknown++;
        if (c.unknownSamples.length < 5 && !c.unknownSamples.includes(ch)) c.unknownSamples.push(ch);
      }
    }
    return;
  }
  c.tokens += ids.length;
  if (tok.unkId === null) return;
  for (const id of ids) if (id === tok.unkId) c.unknown++;
  if (c.unknownSamples.length < 5 && ids.includes(tok.unkId)) {
    for (const ch of text) {
      if (c.unknownSamples.length >= 5) break;
      if (c.unknownSamples.includes(ch)) continue;
      let one: number[] = [];
      try {
        one = tok.encode(ch);
      } catch {
        /* counted above */
      }
      if (one.includes(tok.unkId)) c.unknownSamples.push(ch);
    }
  }
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 2 : 1)}%`;

/** A warning sentence about `what` (e.g. "task 'x'"), or null when coverage is fine. */
export function coverageWarning(what: string, c: Coverage, tokenizerName = 'the tokenizer'): string | null {
  const parts: string[] = [];
  const rep = c.chars ? c.replacement / c.chars : 0;
  const unk = c.tokens ? c.unknown / c.tokens : 0;
  if (rep > COVERAGE_WARN_SHARE) {
    parts.push(`${pct(rep)} of its characters are U+FFFD replacement characters (invalid UTF-8 in the source file)`);
  }
  if (unk > COVERAGE_WARN_SHARE) {
    const sample = c.unknownSamples.length ? ` (e.g. ${c.unknownSamples.map((s) => JSON.stringify(s)).join(', ')})` : '';
    parts.push(`${pct(unk)} of its tokens are unknown to ${tokenizerName}${sample}`);
  }
  if (parts.length === 0) return null;
  return `${what}: ${parts.join('; ')} — above the ${pct(COVERAGE_WARN_SHARE)} warning threshold; the model cannot read that text`;
}

/** Shares as plain numbers, for storing with a dataset. */
export function coverageSummary(c: Coverage): { chars: number; replacementShare: number; tokens: number; unknownShare: number } {
  return {
    chars: c.chars,
    replacementShare: c.chars ? c.replacement / c.chars : 0,
    tokens: c.tokens,
    unknownShare: c.tokens ? c.unknown / c.tokens : 0,
  };
}
