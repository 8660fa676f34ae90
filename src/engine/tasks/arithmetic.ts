/**
 * Arithmetic: `12+345=` → `357`. +, −, × over 2..6 operands (usual precedence), operand
 * lengths chosen per split: train draws operands of min_digits..max_digits digits; test also
 * draws up to max_digits + ood_digits and flags those examples `ood` (a length-generalisation
 * probe; ALGORITHMS.md §7.4 "arithmetic probe accuracy by digit count").
 *
 * `scratchpad: columns` (two-operand addition) makes the gold completion show its work column by
 * column, least-significant first, each as `a+b+carry=two digits`, then the result:
 * `848+779=` → `8+9+0=17,4+7+1=12,8+7+1=16,answer: 1627`. With `pad_operands` every column sits
 * at a fixed offset, which is what lets a very small model learn multi-digit addition quickly.
 * The verifier reads the number after "answer:".
 */
import { extractAnswerNumber, lastAnswerMarkerStart } from './numbers';
import { readOptions, requireOrdered } from './options';
import { randDigits, randInt, choice, type Rng } from './sampling';
import { generateFromSource, SPLIT_OPTIONS, type ProblemSource } from './split';
import { TaskError, type Example, type OptionSpec, type OptionValues, type Task, type VerifyResult } from './types';

const NAME = 'arithmetic';
type Op = '+' | '-' | '*';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'ops', type: 'enum_list', default: ['+'], values: ['+', '-', '*'], doc: 'operators to draw from' },
  { name: 'min_digits', type: 'int', default: 1, min: 1, max: 18, doc: 'fewest digits of an operand' },
  { name: 'max_digits', type: 'int', default: 3, min: 1, max: 18, doc: 'most digits of an operand in train (and in-distribution test)' },
  { name: 'ood_digits', type: 'int', default: 1, min: 0, max: 18, doc: 'test also draws operands up to max_digits + ood_digits (flagged ood)' },
  { name: 'min_operands', type: 'int', default: 2, min: 2, max: 6, doc: 'fewest operands' },
  { name: 'max_operands', type: 'int', default: 2, min: 2, max: 6, doc: 'most operands' },
  { name: 'allow_negative', type: 'bool', default: true, doc: 'allow negative results (subtraction)' },
  {
    name: 'pad_operands',
    type: 'bool',
    default: false,
    doc: 'write every operand with max_digits digits (leading zeros; wider ood operands set their own width), so digit columns line up',
  },
  {
    name: 'scratchpad',
    type: 'enum',
    default: 'none',
    values: ['none', 'columns'],
    doc: "gold completion: 'none' = the result; 'columns' (two-operand addition) = each digit column 'a+b+carry=NN' from the right, then 'answer: <result>'",
  },
  ...SPLIT_OPTIONS,
];

interface Problem {
  operands: bigint[];
  ops: Op[];
  /** Digits of the longest operand (the difficulty knob). */
  digits: number;
  ood: boolean;
}

/** Exact value with × before + and −. */
export function evaluateArithmetic(operands: readonly bigint[], ops: readonly Op[]): bigint {
  const terms: bigint[] = [operands[0]!];
  const signs: Op[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const v = operands[i + 1]!;
    if (op === '*') terms[terms.length - 1] = terms[terms.length - 1]! * v;
    else {
      signs.push(op);
      terms.push(v);
    }
  }
  let total = terms[0]!;
  for (let i = 0; i < signs.length; i++) total = signs[i] === '+' ? total + terms[i + 1]! : total - terms[i + 1]!;
  return total;
}

/** The expression as written; with `width`, each operand zero-padded to at least that many digits. */
function expressionText(p: Problem, width = 0): string {
  const w = (v: bigint) => v.toString().padStart(width, '0');
  let s = w(p.operands[0]!);
  p.ops.forEach((op, i) => (s += op + w(p.operands[i + 1]!)));
  return s;
}

/**
 * Column-by-column addition of two non-negative integers, least-significant column first:
 * `a+b+carry=NN` per column (NN always two digits), over `width` columns (at least the longer
 * operand's length), then `answer: <sum>`.
 */
export function columnsWork(a: bigint, b: bigint, width: number): string {
  const sa = a.toString();
  const sb = b.toString();
  const n = Math.max(width, sa.length, sb.length);
  const da = sa.padStart(n, '0');
  const db = sb.padStart(n, '0');
  const parts: string[] = [];
  let carry = 0;
  for (let i = n - 1; i >= 0; i--) {
    const x = Number(da[i]);
    const y = Number(db[i]);
    const sum = x + y + carry;
    parts.push(`${x}+${y}+${carry}=${String(sum).padStart(2, '0')}`);
    carry = sum >= 10 ? 1 : 0;
  }
  return `${parts.join(',')},answer: ${a + b}`;
}

function makeSource(o: OptionValues): ProblemSource<Problem> {
  const scratchpad = o.scratchpad as 'none' | 'columns';
  const ops = o.ops as Op[];
  const minD = o.min_digits as number;
  const maxD = o.max_digits as number;
  const oodMax = Math.min(18, maxD + (o.ood_digits as number));
  const allowNegative = o.allow_negative as boolean;
  return {
    task: NAME,
    sample(rng: Rng, split) {
      for (;;) {
        // The example's digit count is uniform over the range, so accuracy-by-digits has even support.
        const digits = randInt(rng, minD, split === 'test' ? oodMax : maxD);
        const n = randInt(rng, o.min_operands as number, o.max_operands as number);
        const longest = rng.nextInt(n);
        const operands = Array.from({ length: n }, (_, i) => randDigits(rng, i === longest ? digits : randInt(rng, minD, digits)));
        const exprOps = Array.from({ length: n - 1 }, () => choice(rng, ops));
        const p: Problem = { operands, ops: exprOps, digits, ood: digits > maxD };
        if (!allowNegative && evaluateArithmetic(operands, exprOps) < 0n) {
          if (n === 2) p.operands.reverse(); // a − b with b > a → b − a
          if (evaluateArithmetic(p.operands, exprOps) < 0n) continue;
        }
        return p;
      }
    },
    key(p) {
      // a+b and b+a (a*b, b*a) are one problem: keep them on the same side of the split.
      if (p.ops.length === 1 && p.ops[0] !== '-') {
        const [a, b] = p.operands as [bigint, bigint];
        return a <= b ? `${a}${p.ops[0]}${b}` : `${b}${p.ops[0]}${a}`;
      }
      return expressionText(p);
    },
    forcedSplit: (p) => (p.ood ? 'test' : null),
    render(p) {
      const value = evaluateArithmetic(p.operands, p.ops);
      const opSet = [...new Set(p.ops)];
      const width = o.pad_operands ? Math.max(maxD, p.digits) : 0;
      return {
        prompt: `${expressionText(p, width)}=`,
        answer: scratchpad === 'columns' ? columnsWork(p.operands[0]!, p.operands[1]!, width) : value.toString(),
        metadata: {
          digits: p.digits,
          operands: p.operands.length,
          op: opSet.length === 1 ? opSet[0]! : 'mixed',
          ood: p.ood,
        },
      };
    },
  };
}

function options(raw?: Record<string, unknown>): OptionValues {
  const o = readOptions(NAME, OPTIONS, raw);
  requireOrdered(NAME, o, 'min_digits', 'max_digits');
  requireOrdered(NAME, o, 'min_operands', 'max_operands');
  if (o.scratchpad === 'columns') {
    const ops = o.ops as readonly string[];
    if (ops.length !== 1 || ops[0] !== '+' || o.max_operands !== 2) {
      throw new TaskError(NAME, 'scratchpad', "'columns' works out two-operand addition; set ops: ['+'] and max_operands: 2 (or scratchpad: none)");
    }
  }
  return o;
}

/** Exact match of the first number in the response (or the one after "answer:") with the gold integer. */
export function verifyNumberAnswer(gold: string, response: string, fallback: 'first' | 'last'): VerifyResult {
  const found = extractAnswerNumber(response, fallback);
  if (!found) return { correct: false, reward: 0, errorClass: 'no_number' };
  const parsed = found.value.d === 1n ? found.value.n.toString() : found.text;
  const correct = found.value.d === 1n && found.value.n === BigInt(gold);
  return correct ? { correct, reward: 1, parsed } : { correct, reward: 0, errorClass: 'wrong_answer', parsed };
}

function goldNumber(answer: string): string {
  const i = answer.lastIndexOf('answer:');
  return i >= 0 ? answer.slice(i + 'answer:'.length).trim() : answer;
}

export const arithmeticTask: Task = {
  name: NAME,
  kind: 'generative',
  description: 'Integer arithmetic (+, −, ×, several operands), compact `12+345=` → `357`; test adds longer operands (ood).',
  knobs: ['digits', 'op', 'operands', 'ood'],
  options: OPTIONS,
  generate(split, count, seed, raw): Example[] {
    const o = options(raw);
    return generateFromSource(makeSource(o), split, count, seed, o);
  },
  // The gold answer is the number after "answer:" when the completion shows its work.
  verify: (example, response) => verifyNumberAnswer(goldNumber(example.answer), response, 'first'),
  answerStart: lastAnswerMarkerStart,
};
