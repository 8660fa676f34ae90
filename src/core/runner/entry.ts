/**
 * The runner process entry: one run per process, executors from src/engine. Built into
 * out/main/runner.js for the desktop app (utilityProcess) and run through tsx by the CLI
 * (child_process.fork). Keep it plain: no top-level await, no tsx-only features.
 * Every executor runs behind the memory guard: a run the machine cannot hold is refused with
 * its estimate before anything is built (src/engine/model/memoryGuard.ts).
 */
import { loadExecutor } from '../../engine/executors';
import { withMemoryGuard } from '../../engine/model/memoryGuard';
import { runRunner } from './child';

runRunner(async (kind) => withMemoryGuard(await loadExecutor(kind)));
