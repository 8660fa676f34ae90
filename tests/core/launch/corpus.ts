/**
 * A corpus of (example, response) pairs per task family for checking that the exported Python
 * reward module agrees with Benchtop's TypeScript verifiers: gold answers, perturbed golds,
 * truncations, extra text, wrong formats and numbers written other ways — seeded, so a failure
 * reproduces. Built-in-model samples are added by the test (they need the model).
 */
import { createRng, type Rng } from '../../../src/engine/random';
import { choice, randInt } from '../../../src/engine/tasks/sampling';
import type { Example } from '../../../src/engine/tasks';

export interface CorpusRow {
  example: Example;
  response: string;
}

const NOISE = ['', ' ', '\n', '.', '!', ' so', 'answer:', 'answer is', 'Answer =', '####', '\\boxed{', '}', '-', '−', ',', '1', '0', '9', 'yes', 'no', 'odd', 'even', '(', ')', '[', ']', '{', '}', ' knight', ' knave', '<answer>', '</answer>', '</think>', 'CONCLUSION:', '###', '\u00a0', '\t', 'é', 'ſ'];

/** One character of `s` changed, inserted or deleted (or a digit moved by one). */
function perturb(rng: Rng, s: string): string {
  if (s.length === 0) return choice(rng, NOISE);
  const i = rng.nextInt(s.length);
  const ch = s[i]!;
  switch (rng.nextInt(4)) {
    case 0:
      return /\d/.test(ch) ? s.slice(0, i) + String((Number(ch) + choice(rng, [1, 9])) % 10) + s.slice(i + 1) : s.slice(0, i) + choice(rng, [...s]) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + s.slice(i + 1);
    case 2:
      return s.slice(0, i) + choice(rng, [...s, ...NOISE]) + s.slice(i);
    default: {
      const j = rng.nextInt(s.length);
      const a = [...s];
      [a[i], a[j]] = [a[j]!, a[i]!];
      return a.join('');
    }
  }
}

/** Numbers rewritten: thousands commas, a leading sign, decimals, unicode minus. */
function renumber(rng: Rng, s: string): string {
  return s.replace(/\d+/g, (d) => {
    switch (rng.nextInt(6)) {
      case 0:
        return BigInt(d).toLocaleString('en-US');
      case 1:
        return `${d}.0`;
      case 2:
        return `${d}.5`;
      case 3:
        return `−${d}`;
      case 4:
        return `0${d}`;
      default:
        return d;
    }
  });
}

/** One role or sign flipped (knight ↔ knave, + ↔ −, yes ↔ no): a well-formed wrong answer. */
function flip(rng: Rng, s: string): string {
  const spots = [...s.matchAll(/knight|knave|[+-]|yes|no|even|odd/g)];
  if (spots.length === 0) return s;
  const m = choice(rng, spots);
  const swap: Record<string, string> = { knight: 'knave', knave: 'knight', '+': '-', '-': '+', yes: 'no', no: 'yes', even: 'odd', odd: 'even' };
  return s.slice(0, m.index) + swap[m[0]] + s.slice(m.index! + m[0].length);
}

/** The many ways a response can be right, nearly right or wrong, for one example. */
export function responsesFor(rng: Rng, ex: Example, others: readonly Example[]): string[] {
  const g = ex.answer;
  const other = choice(rng, others).answer;
  const cut = g.length > 0 ? g.slice(0, randInt(rng, 0, g.length - 1)) : '';
  const out = [
    g,
    ` ${g}`,
    `${g}\n${other}`,
    `${g} ${choice(rng, NOISE)}${choice(rng, NOISE)}`,
    `${choice(rng, NOISE)}${g}`,
    `The answer is ${g}.`,
    `answer: ${g}`,
    `#### ${g}`,
    `\\boxed{${g}}`,
    g.toUpperCase(),
    cut,
    perturb(rng, g),
    flip(rng, g),
    flip(rng, flip(rng, g)),
    g.replace(/<answer>[\s\S]*<\/answer>/, (a) => flip(rng, a)),
    perturb(rng, perturb(rng, g)),
    renumber(rng, g),
    other,
    `${other} answer: ${g}`,
    `${g} answer: ${other}`,
    `<think>${cut}</think> <answer>${g}</answer>`,
    `<think>x</think>\n<answer>${perturb(rng, g)}</answer>\n`,
    `CONCLUSION: ${g} ### ${other}`,
    g.replace(/\n/g, choice(rng, ['\n', ' ', '\n\n', '\r\n'])),
    Array.from({ length: randInt(rng, 0, 12) }, () => choice(rng, NOISE)).join(''),
  ];
  for (const c of ex.choices ?? []) out.push(c, `${c}${choice(rng, NOISE)}`, `${choice(rng, NOISE)}${c}`);
  return out;
}

/** Every example's responses, and more rounds of fresh perturbations until there are at least `min` rows. */
export function buildCorpus(examples: readonly Example[], min: number, seed: number): CorpusRow[] {
  const rng = createRng(seed);
  const rows: CorpusRow[] = [];
  for (let i = 0; i < examples.length || rows.length < min; i++) {
    const ex = examples[i % examples.length]!;
    for (const response of responsesFor(rng, ex, examples)) rows.push({ example: ex, response });
  }
  return rows;
}
