/**
 * The `word_problems` task: templated multi-step problems at magnitude levels 0–6
 * (GSM-Ranges-style, ALGORITHMS.md §9). The gold completion writes each step as an equation,
 * e.g. `5*12=60. 23+60=83. answer: 83`, so a model trained on it writes equations the grader can
 * re-check (grade.ts: an approximation of the paper's logical / non-logical split).
 */
import { lastAnswerMarkerStart } from '../numbers';
import { readOptions } from '../options';
import { parseDecimal } from '../rational';
import { choice } from '../sampling';
import { generateFromSource, SPLIT_OPTIONS, type ProblemSource } from '../split';
import { TaskError, type Example, type OptionSpec, type OptionValues, type Task, type VerifyResult } from '../types';
import { GRADING_METHOD, gradeWordProblem } from './grade';
import { drawWords, MAX_LEVEL, TEMPLATE_IDS, TEMPLATES, type Step, type Template } from './templates';

const NAME = 'word_problems';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'levels', type: 'int_list', default: [0, 1, 2], min: 0, max: MAX_LEVEL, doc: 'magnitude levels: 0 = 2..9, L ≥ 1 = [10^L, 10^(L+1))' },
  { name: 'templates', type: 'enum_list', default: TEMPLATE_IDS, values: TEMPLATE_IDS, doc: 'which problem templates to use' },
  { name: 'solution', type: 'bool', default: true, doc: 'gold completion writes the step equations (needed to learn re-checkable work)' },
  ...SPLIT_OPTIONS,
];

interface Problem {
  template: Template;
  level: number;
  values: Record<string, number>;
}

const eqText = (s: Step): string => `${s.a}${s.op}${s.b}=${s.result}`;

function source(o: OptionValues): ProblemSource<Problem> {
  const templates = TEMPLATES.filter((t) => (o.templates as string[]).includes(t.id));
  return {
    task: NAME,
    sample(rng) {
      const template = choice(rng, templates);
      const level = choice(rng, o.levels as number[]);
      return { template, level, values: template.values(rng, level) };
    },
    key: (p) => `${p.template.id}|${Object.entries(p.values).map(([k, v]) => `${k}=${v}`).join(',')}`,
    render(p, rng) {
      const steps = p.template.steps(p.values);
      const final = steps[steps.length - 1]!.result;
      if (!steps.every((s) => Number.isSafeInteger(s.result) && s.result >= 0)) {
        throw new Error(`word problem template '${p.template.id}' produced a non-integer or negative step`);
      }
      const answer = o.solution ? `${steps.map(eqText).join('. ')}. answer: ${final}` : `answer: ${final}`;
      return {
        prompt: p.template.question(p.values, drawWords(rng)),
        answer,
        metadata: { level: p.level, template: p.template.id, steps: steps.length, gold: String(final), grading: GRADING_METHOD },
      };
    },
  };
}

export function verifyWordProblem(example: Example, response: string): VerifyResult {
  const gold = parseDecimal(String(example.metadata.gold ?? ''));
  if (!gold) throw new TaskError(NAME, null, `example ${example.id} has no numeric metadata.gold`);
  return gradeWordProblem(gold, response);
}

export const wordProblemsTask: Task = {
  name: NAME,
  kind: 'generative',
  description: 'Multi-step word problems at magnitude levels 0–6 (GSM-Ranges style); wrong answers graded logical vs non-logical (approximation).',
  knobs: ['level', 'template', 'steps'],
  options: OPTIONS,
  generate(split, count, seed, raw): Example[] {
    const o = readOptions(NAME, OPTIONS, raw);
    return generateFromSource(source(o), split, count, seed, o);
  },
  verify: verifyWordProblem,
  answerStart: lastAnswerMarkerStart,
};
