/**
 * The runner's memory check: before an executor builds anything, estimate the run's peak
 * memory from the model folder's config.json and the run config (memoryEstimate.ts), log it,
 * warn when other processes leave less than that free, and refuse with a MemoryBudgetError
 * when the machine as a whole does not have it.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { RunExecutor } from '../../shared/runContext';
import { resolveModelFolder } from '../toolkit/modelRef';
import { readFolderConfig } from './folder';
import { checkMemoryBudget, describeEstimate, estimateRunMemory } from './memoryEstimate';

/** Set to 1 to start runs whose estimate exceeds the machine (the estimate errs high for some shapes). */
export const SKIP_ENV = 'BENCHTOP_IGNORE_MEMORY_ESTIMATE';

export interface MemoryGuardOptions {
  /** The machine's memory (default os.totalmem()). */
  totalBytes?: number;
  /** Memory free for new work right now (default MemAvailable from /proc/meminfo; null when unknown). */
  availableBytes?: number | null;
}

/** MemAvailable (Linux): what can be allocated without swapping; null elsewhere. */
export function availableMemoryBytes(): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** `executor`, preceded by the memory check for runs on a model folder. */
export function withMemoryGuard(executor: RunExecutor, opts: MemoryGuardOptions = {}): RunExecutor {
  return async (ctx) => {
    const cfg = ctx.config;
    if ('model' in cfg && typeof cfg.model === 'string') {
      const config = await readFolderConfig(resolveModelFolder(cfg.model, ctx.dataDir));
      const estimate = estimateRunMemory(config, cfg);
      const total = opts.totalBytes ?? totalmem();
      if (process.env[SKIP_ENV] === '1' && estimate.totalBytes > total) {
        ctx.log('warn', `memory: ${SKIP_ENV}=1, so this run starts although ${describeEstimate(estimate)} exceeds the machine's ${(total / 2 ** 30).toFixed(1)} GiB`);
      } else {
        checkMemoryBudget(estimate, total);
      }
      ctx.log('info', `memory: ${describeEstimate(estimate)}`);
      const free = opts.availableBytes === undefined ? availableMemoryBytes() : opts.availableBytes;
      if (free !== null && estimate.totalBytes > free) {
        ctx.log('warn', `memory: about ${(estimate.totalBytes / 2 ** 30).toFixed(1)} GiB needed but only ${(free / 2 ** 30).toFixed(1)} GiB is free now; other programs may have to give way`);
      }
    }
    return executor(ctx);
  };
}
