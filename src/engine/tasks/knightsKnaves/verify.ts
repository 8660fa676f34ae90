/**
 * K&K verification (ALGORITHMS.md §8.4). `correct` is always the exact match of the full
 * person → role map (the binary reward used for pass@k). The reward is either that 0/1, or the
 * Warm-Up / Logic-RL format-aware reward:
 *   format broken → −2; a listed name not in the puzzle or a role that is neither knight nor
 *   knave → −1; exact map → +2; otherwise → −0.5.
 * Format rules: 'think' needs exactly one "</think>", "<answer>", "</answer>" and the completion
 * to match /.+<\/think>\s*<answer>(.+)<\/answer>\s*$/s; 'compact' needs its first line to be
 * only `x+`/`x-` tokens; 'natural' has no tags, so every non-empty line of the response is read.
 * (The K&K paper's own checker — "wrong if it contains 'if'" — is not reproduced; we parse.)
 */
import type { Example, VerifyResult } from '../types';

export type KkFormat = 'compact' | 'natural' | 'think';
export type KkReward = 'binary' | 'warmup';

/** Gold map from the example's answer text (both renderings carry the names). */
export function goldMap(example: Example): Map<string, boolean> {
  const m = new Map<string, boolean>();
  if (example.metadata.format === 'compact') {
    for (const t of example.answer.matchAll(/([a-h])([+-])/g)) m.set(t[1]!, t[2] === '+');
  } else {
    for (const t of example.answer.matchAll(/\(\d+\) (\S+) is a (knight|knave)/g)) m.set(t[1]!.toLowerCase(), t[2] === 'knight');
  }
  return m;
}

interface Claims {
  pairs: [string, boolean][];
}

function claimsCompact(response: string): Claims {
  const line = response.split('\n')[0] ?? '';
  return { pairs: [...line.matchAll(/([a-z])\s*([+-])/g)].map((t) => [t[1]!, t[2] === '+']) };
}

/** The region holding the answer: inside <answer> tags, else after "CONCLUSION:", cut at "###". */
/** Where the answer region starts: the <answer> tag, else the last "CONCLUSION:", else −1. */
export function answerRegionStart(response: string): number {
  const tag = response.indexOf('<answer>');
  return tag >= 0 ? tag : response.lastIndexOf('CONCLUSION:');
}

function answerRegion(response: string): string {
  const tagged = /<answer>([\s\S]*?)(?:<\/answer>|$)/.exec(response);
  let text = tagged ? tagged[1]! : response;
  const concl = text.lastIndexOf('CONCLUSION:');
  if (concl >= 0) text = text.slice(concl + 'CONCLUSION:'.length);
  const cut = text.indexOf('###');
  return cut >= 0 ? text.slice(0, cut) : text;
}

function claimsNatural(response: string): Claims {
  const region = answerRegion(response);
  return { pairs: [...region.matchAll(/\b([A-Za-z]+)\s+is\s+an?\s+(knight|knave)\b/gi)].map((t) => [t[1]!.toLowerCase(), t[2]!.toLowerCase() === 'knight']) };
}

/** Exact-match judgement with the reason when wrong. */
function judge(gold: Map<string, boolean>, claims: Claims): { correct: boolean; errorClass?: string; parsed: string } {
  const said = new Map<string, boolean>();
  let conflict = false;
  let unknown = false;
  for (const [name, knight] of claims.pairs) {
    if (!gold.has(name)) unknown = true;
    if (said.has(name) && said.get(name) !== knight) conflict = true;
    said.set(name, knight);
  }
  const parsed = [...said].map(([n, k]) => `${n}${k ? '+' : '-'}`).join(' ');
  if (said.size === 0) return { correct: false, errorClass: 'no_answer', parsed };
  if (unknown) return { correct: false, errorClass: 'unknown_name', parsed };
  if (conflict) return { correct: false, errorClass: 'conflict', parsed };
  if (said.size < gold.size) return { correct: false, errorClass: 'incomplete', parsed };
  for (const [n, k] of gold) if (said.get(n) !== k) return { correct: false, errorClass: 'wrong_assignment', parsed };
  return { correct: true, parsed };
}

const count = (s: string, sub: string): number => s.split(sub).length - 1;

/** Warm-Up reward for one response (§8.4). */
export function warmupReward(format: KkFormat, gold: Map<string, boolean>, response: string): number {
  let lines: string[];
  if (format === 'think') {
    const ok =
      count(response, '</think>') === 1 &&
      count(response, '<answer>') === 1 &&
      count(response, '</answer>') === 1 &&
      /^[\s\S]+<\/think>\s*<answer>([\s\S]+)<\/answer>\s*$/.test(response);
    if (!ok) return -2;
    lines = /<answer>([\s\S]+)<\/answer>/.exec(response)![1]!.split('\n');
  } else if (format === 'compact') {
    const first = (response.split('\n')[0] ?? '').trim();
    if (!/^[a-z][+-](\s+[a-z][+-])*$/.test(first)) return -2;
    const claims = claimsCompact(first);
    if (claims.pairs.some(([n]) => !gold.has(n))) return -1;
    return judge(gold, claims).correct ? 2 : -0.5;
  } else {
    lines = response.split('\n');
  }
  // "(k) Name is a knight|knave": the name is token 2, the role the last token.
  const map = new Map<string, boolean>();
  for (const raw of lines) {
    const tokens = raw.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    if (tokens.length < 2) return -1;
    const name = tokens[1]!.toLowerCase();
    const role = tokens[tokens.length - 1]!.toLowerCase();
    if (!gold.has(name)) return -1;
    if (role.includes('knight')) map.set(name, true);
    else if (role.includes('knave')) map.set(name, false);
    else return -1;
  }
  const exact = map.size === gold.size && [...gold].every(([n, k]) => map.get(n) === k);
  return exact ? 2 : -0.5;
}

export function verifyKk(example: Example, response: string): VerifyResult {
  const format = example.metadata.format as KkFormat;
  const gold = goldMap(example);
  const claims = format === 'compact' ? claimsCompact(response) : claimsNatural(response);
  const j = judge(gold, claims);
  const reward = example.metadata.reward === 'warmup' ? warmupReward(format, gold, response) : j.correct ? 1 : 0;
  return j.correct ? { correct: true, reward, parsed: j.parsed } : { correct: false, reward, errorClass: j.errorClass, parsed: j.parsed };
}
