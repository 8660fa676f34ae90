/** Group metric keys for the run page: `loss/train`, `loss/eval` → group "loss"; keys without
 * a slash go to "general". Known groups come first in a fixed order, the rest alphabetically. */
export interface MetricGroup {
  name: string;
  keys: string[];
}

const GROUP_ORDER = ['loss', 'train', 'eval', 'reward', 'rewards', 'valuation', 'pruning', 'perf', 'system'];
export const GENERAL_GROUP = 'general';

export function metricGroupOf(key: string): string {
  const i = key.indexOf('/');
  return i > 0 ? key.slice(0, i) : GENERAL_GROUP;
}

export function groupMetricKeys(keys: readonly string[]): MetricGroup[] {
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const g = metricGroupOf(k);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(k);
  }
  const rank = (g: string) => {
    if (g === GENERAL_GROUP) return -1;
    const i = GROUP_ORDER.indexOf(g);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  return [...groups.entries()]
    .map(([name, ks]) => ({ name, keys: ks.slice().sort() }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}
