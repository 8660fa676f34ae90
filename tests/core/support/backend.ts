/** Shared test setup: a temp data folder, a backend whose runners run the fixture executor
 * (tests/fixtures/runner-fixture.ts through tsx, forked for real), and small waiting helpers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBackend, type Backend, type BackendOptions } from '../../../src/core/backend';
import { tsxExecArgv } from '../../../src/core/runner/locate';
import type { PushEvent } from '../../../src/shared/api';
import type { FixtureOptions } from '../../fixtures/fixtureExecutor';

export const FIXTURE_ENTRY = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../fixtures/runner-fixture.ts');

export function tempDir(prefix = 'benchtop-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestBackend {
  backend: Backend;
  events: PushEvent[];
  dir: string;
  close(): Promise<void>;
}

export async function openTestBackend(opts: Partial<BackendOptions> = {}, dir?: string): Promise<TestBackend> {
  const tmp = dir ? { dir, cleanup: () => undefined } : tempDir();
  const backend = await openBackend({
    dataDir: tmp.dir,
    mode: 'browser',
    runnerEntry: FIXTURE_ENTRY,
    runnerExecArgv: tsxExecArgv(),
    pollMs: 100,
    // The fixture executor reads its own knobs from the task options; the engine's checks do not apply.
    engineChecks: false,
    // Tests keep their scratch folders in the temp folder: let the API reach them as `serve --allow-dir` would.
    allowDirs: [tmpdir()],
    ...opts,
  });
  const events: PushEvent[] = [];
  backend.subscribe((e) => events.push(e));
  return {
    backend,
    events,
    dir: tmp.dir,
    async close() {
      await backend.close();
      tmp.cleanup();
    },
  };
}

/** A fixture run config: `steps` gradient-descent steps with the given knobs. */
export function fixtureConfig(steps: number, options: FixtureOptions = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'pretrain',
    name: `fixture ${steps} steps`,
    data: { tasks: [{ task: 'arithmetic', options }] },
    training: { max_steps: steps, checkpoint_every: 0 },
    ...extra,
  };
}

/** Poll `cond` until it returns a truthy value (or throw after `timeoutMs`). */
export async function until<T>(cond: () => T | Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
