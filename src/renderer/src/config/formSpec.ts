/**
 * The config editor's form, derived from the run kind's zod schema (the one schema per config,
 * STYLE.md). We go through zod's JSON Schema export (input side: fields with a default are
 * optional) rather than zod internals, so the form follows whatever the schema says: types,
 * enums, bounds, defaults, nesting. Validation messages still come from validateRunConfig.
 */
import { z } from 'zod';

interface Base {
  key: string;
  /** No default and not optional: the user must fill it in. */
  required: boolean;
  /** Schema default (input side), if any. */
  default?: unknown;
  /** One-line constraint summary, e.g. "integer ≥ 1, ≤ 1024". */
  hint: string;
  /** What the field means, from the schema (`.meta({ description })` or src/shared/config/fieldDocs). */
  description?: string;
}

export type FieldSpec =
  | (Base & { type: 'number'; integer: boolean })
  | (Base & { type: 'string'; multiline: boolean; suggest: 'tasks' | 'models' | null })
  | (Base & { type: 'boolean' })
  | (Base & { type: 'enum'; options: string[] })
  | (Base & { type: 'const'; value: unknown })
  | (Base & { type: 'stringList' })
  | (Base & { type: 'enumList'; options: string[] })
  | (Base & { type: 'numberList'; integer: boolean })
  | (Base & { type: 'object'; fields: FieldSpec[] })
  | (Base & { type: 'objectList'; item: ObjectSpec })
  | (Base & { type: 'json' });

export type ObjectSpec = Extract<FieldSpec, { type: 'object' }>;

type Json = Record<string, unknown>;

const MULTILINE_KEYS = new Set(['notes', 'description', 'prompt', 'system_prompt']);
const SUGGEST: Record<string, 'tasks' | 'models'> = { task: 'tasks', model: 'models' };
/** zod's .int() exports ±(2^53 − 1) as bounds; those are not worth showing. */
const SAFE = Number.MAX_SAFE_INTEGER;

function numberHint(s: Json, integer: boolean): string {
  const parts: string[] = [integer ? 'integer' : 'number'];
  const bound = (k: string, sym: string) => {
    const v = s[k];
    if (typeof v === 'number' && Math.abs(v) < SAFE) parts.push(`${sym} ${v}`);
  };
  bound('exclusiveMinimum', '>');
  bound('minimum', '≥');
  bound('exclusiveMaximum', '<');
  bound('maximum', '≤');
  return parts.length > 1 ? `${parts[0]} ${parts.slice(1).join(', ')}` : parts[0];
}

function specFor(key: string, s: Json, required: boolean): FieldSpec {
  const base = { key, required, default: s.default, hint: '', ...(typeof s.description === 'string' ? { description: s.description } : {}) };
  if ('const' in s) return { ...base, type: 'const', value: s.const };
  if (Array.isArray(s.enum)) return { ...base, type: 'enum', options: s.enum.map(String), hint: '' };
  switch (s.type) {
    case 'integer':
    case 'number': {
      const integer = s.type === 'integer';
      return { ...base, type: 'number', integer, hint: numberHint(s, integer) };
    }
    case 'string':
      return {
        ...base,
        type: 'string',
        multiline: MULTILINE_KEYS.has(key),
        suggest: SUGGEST[key] ?? null,
        hint: typeof s.maxLength === 'number' ? `at most ${s.maxLength} characters` : '',
      };
    case 'boolean':
      return { ...base, type: 'boolean', hint: '' };
    case 'array': {
      const items = (s.items ?? {}) as Json;
      const min = typeof s.minItems === 'number' && s.minItems > 0 ? `, at least ${s.minItems}` : '';
      if (Array.isArray(items.enum)) return { ...base, type: 'enumList', options: items.enum.map(String), hint: `pick${min ? ` ${min.slice(2)}` : ' any'}` };
      if (items.type === 'string') return { ...base, type: 'stringList', hint: `comma-separated${min}` };
      if (items.type === 'integer' || items.type === 'number')
        return { ...base, type: 'numberList', integer: items.type === 'integer', hint: `comma-separated ${numberHint(items, items.type === 'integer')}${min}` };
      if (items.type === 'object' && items.properties) return { ...base, type: 'objectList', item: objectSpec(key, items, true), hint: min ? min.slice(2) : '' };
      return { ...base, type: 'json', hint: 'JSON list' };
    }
    case 'object':
      if (s.properties) return { ...objectSpec(key, s, required), default: s.default };
      return { ...base, type: 'json', hint: 'JSON object' };
    default:
      return { ...base, type: 'json', hint: 'JSON' };
  }
}

function objectSpec(key: string, s: Json, required: boolean): ObjectSpec {
  const req = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const props = (s.properties ?? {}) as Record<string, Json>;
  return {
    key,
    required,
    default: s.default,
    hint: '',
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    type: 'object',
    fields: Object.entries(props).map(([k, v]) => specFor(k, v, req.has(k) && !('default' in v))),
  };
}

/** The form spec of a run-config schema (its top level is an object). */
export function formSpecFromSchema(schema: z.ZodType): ObjectSpec {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return objectSpec('', json, true);
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/**
 * Fill in the schema's defaults around a partial config, the way the schema itself would:
 * a missing field takes its default; an object given in part gets its remaining fields' own
 * defaults; list items get their item defaults. Required fields without a default are left
 * unset (so the editor shows what is missing) except list fields, which start empty, and
 * nested objects, which are created so their fields can be filled in.
 */
export function withDefaults(spec: ObjectSpec, partial: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    const given = partial[f.key];
    if (f.type === 'const') {
      out[f.key] = f.value;
    } else if (f.type === 'object') {
      const src = given !== undefined && isPlainObject(given) ? given : f.default !== undefined && isPlainObject(f.default) ? f.default : {};
      out[f.key] = withDefaults(f, src as Record<string, unknown>);
    } else if (f.type === 'objectList') {
      const src = given !== undefined ? given : f.default !== undefined ? clone(f.default) : [];
      out[f.key] = Array.isArray(src) ? src.map((it) => (isPlainObject(it) ? withDefaults(f.item, it) : it)) : src;
    } else if (given !== undefined) {
      out[f.key] = clone(given);
    } else if (f.default !== undefined) {
      out[f.key] = clone(f.default);
    } else if (f.type === 'stringList' || f.type === 'enumList' || f.type === 'numberList') {
      out[f.key] = [];
    }
  }
  // Keep fields the schema does not know, so validation can name them.
  for (const [k, v] of Object.entries(partial)) if (!(k in out)) out[k] = clone(v);
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Dotted paths of every field the form renders for `config` (list items included). */
export function renderedPaths(spec: ObjectSpec, config: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  const walk = (s: ObjectSpec, value: unknown, pre: string) => {
    for (const f of s.fields) {
      if (f.type === 'const') continue;
      const p = pre ? `${pre}.${f.key}` : f.key;
      out.add(p);
      const v = isPlainObject(value) ? value[f.key] : undefined;
      if (f.type === 'object') walk(f, v, p);
      if (f.type === 'objectList' && Array.isArray(v)) v.forEach((item, i) => walk(f.item, item, `${p}.${i}`));
    }
  };
  walk(spec, config, prefix);
  return out;
}
