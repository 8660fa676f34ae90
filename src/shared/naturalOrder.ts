/**
 * Natural order for labels that are usually numbers (digit counts, layer indices, knob values):
 * numbers ascending, then everything else in text order ("2" < "10" < "false" < "true").
 */
export function naturalCompare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  const numA = a.trim() !== '' && Number.isFinite(na);
  const numB = b.trim() !== '' && Number.isFinite(nb);
  if (numA && numB) return na - nb;
  if (numA !== numB) return numA ? -1 : 1;
  return a.localeCompare(b);
}
