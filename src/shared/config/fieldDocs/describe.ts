/**
 * A config schema as a flat list of documented fields (dotted paths, list items as `name[].field`),
 * read from zod's JSON Schema export so it says what validation says: types, enum values, bounds,
 * defaults and the description each field carries. `benchtop schema <kind>` prints it.
 */
import { z } from 'zod';

export interface FieldDoc {
  path: string;
  /** integer, number, string, boolean, one of a|b, list of …, object. */
  type: string;
  /** Bounds and lengths in words, e.g. "≥ 1, ≤ 1024". */
  constraints: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

type Json = Record<string, unknown>;
const SAFE = Number.MAX_SAFE_INTEGER;

function typeOf(s: Json): string {
  if ('const' in s) return `always ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.enum)) return `one of ${s.enum.map(String).join(' | ')}`;
  if (s.type === 'array') return `list of ${typeOf((s.items ?? {}) as Json)}`;
  if (Array.isArray(s.anyOf)) return s.anyOf.map((x) => typeOf(x as Json)).join(' or ');
  return typeof s.type === 'string' ? s.type : 'any';
}

function constraintsOf(s: Json): string {
  const parts: string[] = [];
  const bound = (k: string, sym: string) => {
    const v = s[k];
    if (typeof v === 'number' && Math.abs(v) < SAFE) parts.push(`${sym} ${v}`);
  };
  bound('exclusiveMinimum', '>');
  bound('minimum', '≥');
  bound('exclusiveMaximum', '<');
  bound('maximum', '≤');
  if (typeof s.minItems === 'number' && s.minItems > 0) parts.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  if (typeof s.maxLength === 'number') parts.push(`at most ${s.maxLength} characters`);
  return parts.join(', ');
}

function walk(s: Json, prefix: string, required: boolean, out: FieldDoc[]): void {
  const isObject = s.type === 'object' && s.properties;
  const items = s.type === 'array' ? ((s.items ?? {}) as Json) : null;
  if (prefix) {
    out.push({
      path: prefix,
      type: isObject ? 'object' : items?.type === 'object' && items.properties ? 'list of objects' : typeOf(s),
      constraints: constraintsOf(s),
      required,
      ...('default' in s ? { default: s.default } : {}),
      ...(typeof s.description === 'string' ? { description: s.description } : {}),
    });
  }
  const children = isObject ? s : items?.type === 'object' && items.properties ? items : null;
  if (!children) return;
  const req = new Set(Array.isArray(children.required) ? (children.required as string[]) : []);
  const base = items && children === items ? `${prefix}[]` : prefix;
  for (const [k, v] of Object.entries(children.properties as Record<string, Json>)) {
    walk(v, base ? `${base}.${k}` : k, req.has(k) && !('default' in v), out);
  }
}

export function describeFields(schema: z.ZodType): FieldDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const out: FieldDoc[] = [];
  walk(json, '', true, out);
  return out;
}
