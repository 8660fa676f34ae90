/**
 * Colours for per-token heat: a diverging scale (blue below 0, red above) when a field has both
 * signs, otherwise one hue whose strength grows with |value| — for log-probs the least likely
 * tokens are the hottest. Pure functions; the component only paints.
 */
import { sampleTokenTexts, TOKEN_HEAT_FIELDS, type TokenHeatField } from '@shared/sampleQuery';

export interface HeatToken {
  text: string;
  value: number | null;
  /** 0–1 strength of the colour. */
  strength: number;
  /** 'pos' | 'neg' (diverging) or 'seq' (one hue). */
  tone: 'pos' | 'neg' | 'seq';
}

/** The heat fields a sample carries (arrays as long as its token_text). */
export function heatFields(extra: Record<string, unknown>): TokenHeatField[] {
  const text = sampleTokenTexts(extra);
  if (!text) return [];
  return (Object.keys(TOKEN_HEAT_FIELDS) as TokenHeatField[]).filter((f) => Array.isArray(extra[f]) && (extra[f] as unknown[]).length === text.length);
}

export function heatTokens(extra: Record<string, unknown>, field: TokenHeatField): HeatToken[] {
  const text = sampleTokenTexts(extra) ?? [];
  const raw = (extra[field] as unknown[]).map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  const finite = raw.filter((v): v is number => v !== null);
  const hasNeg = finite.some((v) => v < 0);
  const hasPos = finite.some((v) => v > 0);
  const diverging = hasNeg && hasPos;
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  return text.map((t, i) => {
    const v = raw[i];
    if (v === null) return { text: t, value: null, strength: 0, tone: 'seq' };
    const strength = Math.min(1, Math.abs(v) / maxAbs);
    return { text: t, value: v, strength, tone: diverging ? (v < 0 ? 'neg' : 'pos') : 'seq' };
  });
}

/** Background for one token (alpha grows with strength; capped so text stays readable). */
export function heatColor(tok: HeatToken): string {
  const a = (0.08 + 0.62 * tok.strength).toFixed(3);
  if (tok.value === null) return 'transparent';
  if (tok.tone === 'neg') return `rgba(37, 99, 235, ${a})`;
  return `rgba(220, 38, 38, ${a})`;
}
