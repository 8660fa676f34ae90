/**
 * The GRPO-family loss in plain float64 JS, written from TRL's `_compute_loss` (ALGORITHMS.md
 * §1.3–1.4) token by token, independently of the graph head. Used only by tests.
 */

export interface RefLossOptions {
  lossType: 'grpo' | 'bnpo' | 'dr_grpo' | 'dapo';
  level: 'token' | 'sequence';
  epsilon: number;
  epsilonHigh: number;
  delta: number | null;
  beta: number;
  maxCompletionLength: number;
  temperature: number;
  /** dapo's normaliser. */
  numItems?: number;
}

export interface RefLossInputs {
  /** [B][T] → logits over the vocabulary (unscaled). */
  logits: ArrayLike<number>[][];
  targets: number[][];
  old: number[][];
  ref: number[][] | null;
  advantages: number[];
  mask: number[][];
  weights: number[][];
}

export interface RefLossResult {
  loss: number;
  logprobs: number[][];
  entropyMean: number;
  klMean: number;
  lowMean: number;
  highMean: number;
  regionMean: number;
  lowSeq: number[];
  highSeq: number[];
}

function logSoftmax(row: ArrayLike<number>, temperature: number): number[] {
  const x = Array.from(row, (v) => v / temperature);
  const m = Math.max(...x);
  const z = Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0));
  return x.map((v) => v - m - z);
}

export function referenceGrpoLoss(inp: RefLossInputs, o: RefLossOptions): RefLossResult {
  const B = inp.targets.length;
  const T = inp.targets[0]!.length;
  const lp: number[][] = [];
  const ent: number[][] = [];
  for (let b = 0; b < B; b++) {
    lp.push([]);
    ent.push([]);
    for (let t = 0; t < T; t++) {
      const ls = logSoftmax(inp.logits[b]![t]!, o.temperature);
      lp[b]!.push(ls[inp.targets[b]![t]!]!);
      ent[b]!.push(-ls.reduce((s, v) => s + Math.exp(v) * v, 0));
    }
  }
  const m = inp.mask;
  const seqLen = m.map((row) => row.reduce((a, v) => a + v, 0));
  const total = seqLen.reduce((a, v) => a + v, 0);
  // importance weights: per token, or the masked mean log-ratio of each sequence
  const coef = lp.map((row, b) => {
    if (o.level === 'token') return row.map((l, t) => Math.exp(l - inp.old[b]![t]!));
    let s = 0;
    row.forEach((l, t) => (s += (l - inp.old[b]![t]!) * m[b]![t]!));
    const r = Math.exp(s / Math.max(1, seqLen[b]!));
    return row.map(() => r);
  });
  const per: number[][] = [];
  const kl: number[][] = [];
  const low: number[][] = [];
  const high: number[][] = [];
  for (let b = 0; b < B; b++) {
    const A = inp.advantages[b]!;
    per.push([]);
    kl.push([]);
    low.push([]);
    high.push([]);
    for (let t = 0; t < T; t++) {
      const c1 = coef[b]![t]!;
      const c2 = Math.min(Math.max(c1, 1 - o.epsilon), 1 + o.epsilonHigh);
      const c1c = o.delta !== null ? Math.min(c1, o.delta) : c1;
      let L = -Math.min(c1c * A, c2 * A) * inp.weights[b]![t]!;
      let k = 0;
      if (o.beta !== 0) {
        const d = inp.ref![b]![t]! - lp[b]![t]!;
        k = Math.exp(d) - d - 1;
        L += o.beta * k;
      }
      per[b]!.push(L);
      kl[b]!.push(k);
      low[b]!.push(c1c < 1 - o.epsilon && A < 0 ? 1 : 0);
      high[b]!.push(c1c > 1 + o.epsilonHigh && A > 0 ? 1 : 0);
    }
  }
  const maskedSum = (x: number[][]) => x.reduce((s, row, b) => s + row.reduce((a, v, t) => a + v * m[b]![t]!, 0), 0);
  let loss: number;
  if (o.lossType === 'grpo') loss = per.reduce((s, row, b) => s + row.reduce((a, v, t) => a + v * m[b]![t]!, 0) / Math.max(1, seqLen[b]!), 0) / B;
  else if (o.lossType === 'bnpo') loss = maskedSum(per) / Math.max(1, total);
  else if (o.lossType === 'dr_grpo') loss = maskedSum(per) / (B * o.maxCompletionLength);
  else loss = maskedSum(per) / o.numItems!;
  const tokMean = (x: number[][]) => maskedSum(x) / Math.max(1, total);
  const region = low.map((row, b) => row.map((v, t) => (v || high[b]![t]! ? 1 : 0)));
  const seqMean = (x: number[][]) => x.reduce((s, row) => s + row[0]!, 0) / B;
  const batchMean = o.level === 'sequence' ? seqMean : tokMean;
  const perSeq = (x: number[][]) =>
    x.map((row, b) => (o.level === 'sequence' ? row[0]! : row.reduce((a, v, t) => a + v * m[b]![t]!, 0) / Math.max(1, seqLen[b]!)));
  return {
    loss,
    logprobs: lp,
    entropyMean: tokMean(ent),
    klMean: tokMean(kl),
    lowMean: batchMean(low),
    highMean: batchMean(high),
    regionMean: batchMean(region),
    lowSeq: perSeq(low),
    highSeq: perSeq(high),
  };
}
