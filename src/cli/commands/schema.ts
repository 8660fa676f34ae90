/**
 * `benchtop schema <kind>`: every field of a run kind's config with its type, constraints,
 * default and documentation, read from the kind's schema (the same the editor shows).
 */
import { stringify } from 'yaml';
import { isRunKind, RUN_KINDS, runKindModule } from '../../shared/kinds';
import { describeFields, type FieldDoc } from '../../shared/config/fieldDocs/describe';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError, type CliCommand } from '../registry';

function defaultText(f: FieldDoc): string {
  if (!('default' in f)) return f.required ? 'required' : 'optional';
  const v = f.default;
  if (v !== null && typeof v === 'object') return Array.isArray(v) && v.length === 0 ? 'default []' : Array.isArray(v) ? `default ${stringify(v, { flow: true }).trim()}` : 'default {…}';
  return `default ${JSON.stringify(v)}`;
}

/** The fields as text: `path  type (constraints) · default` then the documentation, indented. */
export function schemaText(kind: (typeof RUN_KINDS)[number]): string[] {
  const m = runKindModule(kind);
  const lines = [`${m.kind}: ${m.title}`, `  ${m.description}`, ''];
  for (const f of describeFields(m.schema)) {
    if (f.path === 'kind') continue;
    const depth = f.path.split('.').length - 1;
    const pad = '  '.repeat(depth);
    const type = f.constraints ? `${f.type} (${f.constraints})` : f.type;
    lines.push(`${pad}${f.path.split('.').pop()}  ${type} · ${defaultText(f)}`);
    if (f.description) lines.push(`${pad}    ${f.description}`);
  }
  return lines;
}

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: "a run kind's config fields with types, defaults and documentation",
  usage: `benchtop schema <${RUN_KINDS.join('|')}> [--json]`,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    const kind = positionals[0];
    if (positionals.length !== 1) throw new UsageError(`expected one run kind: ${RUN_KINDS.join(', ')}`);
    if (!isRunKind(kind)) throw new UsageError(`unknown run kind '${kind}': expected one of ${RUN_KINDS.join(', ')}`);
    if (values.json) ctx.out(JSON.stringify(describeFields(runKindModule(kind).schema), null, 2));
    else for (const line of schemaText(kind)) ctx.out(line);
    return EXIT.ok;
  },
};
