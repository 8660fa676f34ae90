/**
 * The leaf fields of a run config as dotted paths (`training.learning_rate`, `llds.lambda`).
 * Lists (task mixtures, target modules, fractions) are one field each: they map as a whole.
 */
export function configLeaves(config: Record<string, unknown>, prefix = ''): { field: string; value: unknown }[] {
  const out: { field: string; value: unknown }[] = [];
  for (const [k, v] of Object.entries(config)) {
    const field = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...configLeaves(v as Record<string, unknown>, field));
    else out.push({ field, value: v });
  }
  return out;
}
