/** Opening the backend for a CLI command. */
import { openBackend, type Backend, type BackendOptions } from '../core/backend';
import type { CliContext } from './registry';

/** Read-only commands (list, show, cancel) never start runners. */
export function openCliBackend(ctx: CliContext, opts: Partial<BackendOptions> = {}): Promise<Backend> {
  return openBackend({ dataDir: ctx.home, mode: 'cli', execute: false, ...opts });
}

/** A run id (or a unique part of one) → the full id; null after printing why not (unknown, ambiguous). */
export function resolveRunIdOrSay(backend: Backend, ctx: CliContext, command: string, ref: string): string | null {
  try {
    return backend.store.runs.resolveId(ref);
  } catch (err) {
    ctx.err(`benchtop ${command}: ${(err as Error).message}`);
    return null;
  }
}
