/** `benchtop bench` (`npm run bench`): engine throughput, one JSON line per case. */
import { runBench } from '../../engine/bench/cases';
import { runScaleBench } from '../../engine/bench/scale';
import { parseCommandArgs } from '../args';
import type { CliCommand } from '../registry';

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'measure training, scoring and generation throughput against a MatMul roofline (JSON lines)',
  usage: 'benchtop bench [--quick] [--threads N] [--case PREFIX]... | --scale [--shape NAME] [--op NAME] [--dir DIR] [--steps N]',
  async run(argv, ctx) {
    const { values } = parseCommandArgs(argv, {
      quick: { type: 'boolean' },
      case: { type: 'string', multiple: true },
      threads: { type: 'string' },
      scale: { type: 'boolean' },
      shape: { type: 'string', multiple: true },
      op: { type: 'string', multiple: true },
      dir: { type: 'string' },
      steps: { type: 'string' },
    });
    if (values.scale) {
      // --steps N: optimizer steps of the GRPO ops (from the second on the AdamW moments are resident)
      const steps = values.steps === undefined ? 1 : Number(values.steps);
      if (!Number.isInteger(steps) || steps < 1) {
        ctx.err(`--steps: expected a whole number ≥ 1, got '${values.steps}'`);
        return 2;
      }
      // Real model shapes, each operation in a child process (minutes; see src/engine/bench/scale.ts).
      await runScaleBench({ workDir: values.dir as string | undefined, shapes: values.shape as string[] | undefined, ops: values.op as string[] | undefined, steps, log: (l) => ctx.out(JSON.stringify(l)) });
      return 0;
    }
    const threads = values.threads === undefined ? 0 : Number(values.threads);
    if (!Number.isInteger(threads) || threads < 0) {
      ctx.err(`--threads: expected a whole number ≥ 0, got '${values.threads}'`);
      return 2;
    }
    // --case PREFIX (repeatable): only the cases whose name starts with it, e.g. --case grpo_step
    await runBench({ quick: Boolean(values.quick), cases: values.case as string[] | undefined, session: { threads }, log: (l) => ctx.out(JSON.stringify(l)) });
    return 0;
  },
};
