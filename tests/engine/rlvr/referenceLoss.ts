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
  /** LLDS (ALGORITHMS.md §2.2): loss += lambda · L_LLDS. */
  llds?: { gate: 'action' | 'response' | 'token'; lambda: number; normalization?: 'paper' | 'response_tokens' };
  /** Entropy bonus: loss −= coef · (mean token entropy, TRL's normalisation per loss type). */
  entropyCoef?: number;
  /** Entropy mask ρ: the policy term keeps only tokens with entropy ≥ the (1 − ρ) quantile of the completion tokens. */
  topEntropyQuantile?: number;
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
  /** LLDS-MA weights (default 1). */
  lldsWeights?: number[][];
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
  /** L_LLDS before lambda (0 without llds) and the fraction of Y_pre tokens penalised. */
  lldsLoss: number;
  lldsGatedFraction: number;
  /** Masked token mean log-prob of A > 0 / A < 0 completions (NaN if none). */
  posMean: number;
  negMean: number;
  /** The loss before the entropy bonus. */
  policyLoss: number;
  /** The entropy mask (all 1 on completion tokens without top_entropy_quantile). */
  entropyMask: number[][];
}

/**
 * torch.quantile(values, q) with its default linear interpolation, in float64: sort ascending,
 * position q·(n − 1), interpolate between the two neighbouring order statistics.
 */
export function referenceQuantile(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (pos - lo) * (v[hi]! - v[lo]!);
}

/** 1 where a masked token's entropy is ≥ the (1 − ρ) quantile of the masked tokens' entropies. */
export function referenceEntropyMask(ent: number[][], mask: number[][], rho: number): number[][] {
  const active = ent.flatMap((row, b) => row.filter((_, t) => mask[b]![t]! > 0));
  if (active.length === 0) return ent.map((row) => row.map(() => 0));
  const tau = referenceQuantile(active, 1 - rho);
  return ent.map((row, b) => row.map((h, t) => (mask[b]![t]! > 0 && h >= tau ? 1 : 0)));
}

/**
 * L_LLDS from the §2.2 formulas, completion by completion. Y_pre: A ≥ 0 and at least one masked
 * token (a masked-out completion is not trained on). Single-turn: one action per completion, so
 * the action gate is the response gate; action normalises per completion and averages over Y_pre
 * (Eq. 4), response / token divide by Y_pre's token count (Eq. 9/10).
 */
export function referenceLlds(
  lp: number[][],
  inp: RefLossInputs,
  gate: 'action' | 'response' | 'token',
  normalization: 'paper' | 'response_tokens' = 'paper',
): { loss: number; gatedFraction: number } {
  // released-code normalisation: Σ gated penalties over every masked token of the batch
  const allTokens = inp.mask.reduce((a, row) => a + row.reduce((x, v) => x + v, 0), 0);
  let nPre = 0;
  let preTokens = 0;
  let perResponseSum = 0; // Σ_i gated penalty_i / |y_i|   (action)
  let penaltySum = 0; // Σ_i gated penalty_i             (response, token)
  let hits = 0;
  for (let b = 0; b < lp.length; b++) {
    const mask = inp.mask[b]!;
    const len = mask.reduce((a, v) => a + v, 0);
    if (!(inp.advantages[b]! >= 0) || len === 0) continue;
    nPre++;
    preTokens += len;
    let total = 0;
    let penalty = 0;
    let up = 0;
    for (let t = 0; t < mask.length; t++) {
      if (!mask[t]) continue;
      const d = inp.old[b]![t]! - lp[b]![t]!;
      total += d;
      penalty += (inp.lldsWeights?.[b]![t]! ?? 1) * Math.max(0, d);
      if (d > 0) up++;
    }
    const open = gate === 'token' || total > 0;
    if (!open) continue;
    perResponseSum += penalty / len;
    penaltySum += penalty;
    hits += up;
  }
  const loss = nPre === 0 ? 0 : normalization === 'response_tokens' ? penaltySum / allTokens : gate === 'action' ? perResponseSum / nPre : penaltySum / preTokens;
  return { loss, gatedFraction: preTokens === 0 ? 0 : hits / preTokens };
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
  const rho = o.topEntropyQuantile ?? 1;
  const M = rho < 1 ? referenceEntropyMask(ent, m, rho) : m.map((row) => row.map((v) => (v > 0 ? 1 : 0)));
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
      let L = -Math.min(c1c * A, c2 * A) * inp.weights[b]![t]! * (rho < 1 ? M[b]![t]! : 1);
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
  const ll = o.llds ? referenceLlds(lp, inp, o.llds.gate, o.llds.normalization) : { loss: 0, gatedFraction: 0 };
  const policyLoss = loss;
  if (o.entropyCoef) {
    // TRL: the bonus is a token mean of the entropy over the effective mask m·M, except dapo,
    // which divides the sum by its (global) token count like its policy term
    let hSum = 0;
    let n = 0;
    ent.forEach((row, b) => row.forEach((h, t) => {
      const e = m[b]![t]! * M[b]![t]!;
      hSum += h * e;
      n += e;
    }));
    loss -= o.entropyCoef * (o.lossType === 'dapo' ? hSum / o.numItems! : hSum / Math.max(1, n));
  }
  if (o.llds) loss += o.llds.lambda * ll.loss;
  const signMean = (sign: number) => {
    let s = 0;
    let n = 0;
    lp.forEach((row, b) => {
      if (Math.sign(inp.advantages[b]!) !== sign) return;
      row.forEach((v, t) => {
        s += v * m[b]![t]!;
        n += m[b]![t]!;
      });
    });
    return n > 0 ? s / n : Number.NaN;
  };
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
    lldsLoss: ll.loss,
    lldsGatedFraction: ll.gatedFraction,
    posMean: signMean(1),
    negMean: signMean(-1),
    policyLoss,
    entropyMask: M,
  };
}
