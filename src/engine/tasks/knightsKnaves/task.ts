/**
 * The `knights_knaves` task: uniquely solvable puzzles (ALGORITHMS.md §8) for 2..8 people,
 * rendered compactly (default, for the tiny model) or in natural language.
 */
import { readOptions } from '../options';
import { choice } from '../sampling';
import { generateFromSource, SPLIT_OPTIONS, type ProblemSource } from '../split';
import type { Example, OptionSpec, OptionValues, Task } from '../types';
import { formulaDepth, formulaKey, samplePuzzle, type Puzzle } from './logic';
import { compactAnswer, compactPrompt, drawNames, naturalAnswer, naturalPrompt, thinkAnswer, thinkPrompt } from './render';
import { answerRegionStart, verifyKk } from './verify';

const NAME = 'knights_knaves';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'people', type: 'int_list', default: [2, 3, 4], min: 2, max: 8, doc: 'people counts to draw from (each equally likely)' },
  { name: 'width', type: 'int', default: 2, min: 2, max: 4, doc: 'width_constraint: most sub-statements under and/or' },
  { name: 'format', type: 'enum', default: 'compact', values: ['compact', 'natural', 'think'], doc: 'rendering: compact symbols, natural language, or natural inside an R1-style <think>/<answer> prompt' },
  { name: 'reward', type: 'enum', default: 'binary', values: ['binary', 'warmup'], doc: "'binary' 0/1 exact match, or the Warm-Up format-aware reward (+2 / −0.5 / −1 / −2, §8.4)" },
  ...SPLIT_OPTIONS,
];

function source(o: OptionValues): ProblemSource<Puzzle> {
  // depth_constraint is fixed at 2 (§8.2 default): the natural-language renderer supports no
  // deeper nesting, and depth 1 (plain claims "x is a knight/knave") can never be uniquely
  // solvable — each claim ties two people by = or ≠, so flipping a whole component is again a solution.
  const cfg = { depth: 2, width: o.width as number };
  const format = o.format as string;
  return {
    task: NAME,
    sample: (rng) => samplePuzzle(rng, choice(rng, o.people as number[]), cfg),
    key: (p) => p.statements.map(formulaKey).join(' '),
    render(p, rng) {
      const metadata = {
        people: p.statements.length,
        compound: p.statements.filter((s) => s.op !== 'knight' && s.op !== 'knave').length,
        depth: Math.max(...p.statements.map(formulaDepth)),
        knights: p.solution.filter(Boolean).length,
        format,
        reward: o.reward as string,
      };
      if (format === 'compact') return { prompt: compactPrompt(p), answer: compactAnswer(p.solution), metadata };
      const names = drawNames(rng, p.statements.length);
      const quiz = naturalPrompt(p, names, rng);
      return format === 'natural'
        ? { prompt: quiz, answer: naturalAnswer(p.solution, names), metadata }
        : { prompt: thinkPrompt(quiz), answer: thinkAnswer(p.solution, names), metadata };
    },
  };
}

export const knightsKnavesTask: Task = {
  name: NAME,
  kind: 'generative',
  description: 'Knights & Knaves puzzles with exactly one solution (2–8 people); compact `a:and(b+,c-) b:c+ c:iff(a+,b-)?` → `a+ b- c+`.',
  knobs: ['people', 'compound', 'depth', 'knights'],
  options: OPTIONS,
  generate(split, count, seed, raw): Example[] {
    const o = readOptions(NAME, OPTIONS, raw);
    return generateFromSource(source(o), split, count, seed, o);
  },
  verify: verifyKk,
  answerStart: answerRegionStart,
};
