/**
 * Field documentation kept beside the schemas: `documentFields` attaches a description to each
 * field named by its dotted path (list items by the list's name: `tasks.task`), in zod's metadata
 * registry — the same place `.meta({ description })` writes — so the editor (through
 * z.toJSONSchema) and `benchtop schema` read it from the schema. Tables rather than inline
 * `.meta()` calls for the kinds whose schemas several people edit at once (docs/decisions/0008).
 */
import { z } from 'zod';

type Def = { type?: string; innerType?: unknown; in?: unknown; element?: unknown; shape?: unknown };

function defOf(s: unknown): Def | undefined {
  return (s as { def?: Def } | undefined)?.def;
}

/** Through default/optional/nullable/prefault/pipe wrappers to the schema that has a shape or element. */
function unwrap(s: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const d = defOf(s);
    if (d && (d.type === 'default' || d.type === 'optional' || d.type === 'nullable' || d.type === 'prefault')) s = d.innerType;
    else if (d?.type === 'pipe') s = d.in;
    else break;
  }
  return s;
}

/** The field schema at a dotted path, or null. Arrays are stepped through to their element. */
export function fieldAt(schema: z.ZodType, path: string): z.ZodType | null {
  let s: unknown = schema;
  let field: unknown = null;
  for (const part of path.split('.')) {
    s = unwrap(s);
    if (defOf(s)?.type === 'array') s = unwrap(defOf(s)!.element);
    if (defOf(s)?.type !== 'object') return null;
    field = (s as { shape: Record<string, unknown> }).shape[part];
    if (!field) return null;
    s = field;
  }
  return (field as z.ZodType) ?? null;
}

/** Attach descriptions; returns the paths that name no field (a test keeps this empty). */
export function documentFields(schema: z.ZodType, docs: Record<string, string>): string[] {
  const missing: string[] = [];
  for (const [path, description] of Object.entries(docs)) {
    const f = fieldAt(schema, path);
    if (!f) {
      missing.push(path);
      continue;
    }
    // JSON Schema export reads an optional field's description from the schema it wraps.
    const inner = defOf(f)?.type === 'optional' ? (defOf(f)!.innerType as z.ZodType) : null;
    for (const s of inner ? [f, inner] : [f]) {
      const meta = z.globalRegistry.get(s) ?? {};
      z.globalRegistry.remove(s);
      z.globalRegistry.add(s, { ...meta, description });
    }
  }
  return missing;
}
