/**
 * The bench's yardstick: the MatMul roofline, measured several times in one run (before the
 * first case and after every case) instead of once. On a shared or thermally throttled CPU one
 * measurement moved 150–210 GFLOP/s between runs while the models ran steadily, so an MFU
 * divided by it moved with the yardstick, not the model. Each case therefore reports its own
 * GFLOP/s (steady, comparable across runs) and MFU against the best roofline seen so far; the
 * run ends with every sample, their spread, and each case's MFU against the run's best.
 */
import { measureMatmulRoofline, type Roofline, type SessionSettings } from '../onnx';

export interface RooflineSample {
  /** What ran just before this measurement ('start' for the first). */
  after: string;
  /** GFLOP/s of the median timed product. */
  gflops: number;
}

export interface RooflineSpread {
  samples: RooflineSample[];
  best: number;
  worst: number;
  median: number;
  /** (best − worst) / best: how far a single measurement could have been off. */
  spread: number;
}

/** Best, worst, median and relative spread of the samples' GFLOP/s (at least one sample). */
export function rooflineSpread(samples: readonly RooflineSample[]): RooflineSpread {
  if (samples.length === 0) throw new Error('rooflineSpread: no roofline samples');
  const g = samples.map((s) => s.gflops).sort((a, b) => a - b);
  const mid = g.length >> 1;
  const median = g.length % 2 ? g[mid]! : (g[mid - 1]! + g[mid]!) / 2;
  const best = g[g.length - 1]!;
  const worst = g[0]!;
  return { samples: [...samples], best, worst, median, spread: best > 0 ? (best - worst) / best : 0 };
}

export class Yardstick {
  private readonly samples: RooflineSample[] = [];

  constructor(
    private readonly session: SessionSettings,
    private readonly n = 1024,
    private readonly iterations = 5,
  ) {}

  /** Measure once more (the sample is the median timed product). */
  async measure(after: string): Promise<Roofline> {
    const r = await measureMatmulRoofline({ n: this.n, iterations: this.iterations, session: this.session });
    this.samples.push({ after, gflops: r.gflops });
    return r;
  }

  /** The best roofline seen so far (what an MFU divides by). */
  get best(): number {
    return rooflineSpread(this.samples).best;
  }

  spread(): RooflineSpread {
    return rooflineSpread(this.samples);
  }
}
