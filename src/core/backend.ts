/**
 * The core backend: run store + supervisor + API handlers + push events, for the Electron
 * main (IPC), `benchtop serve` (WebSocket) and the CLI. No Electron import here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiHandlers, PushEvent } from '../shared/api';
import type { Settings } from '../shared/settings';
import { createHandlers } from './handlers';
import { ensureDataDir } from './paths';
import { packageRoot, resolveRunnerEntry } from './runner/locate';
import { readSettings } from './settings';
import { RunStore } from './store';
import { BatchWriter } from './store/writer';
import { forkLauncher, type ProcessLauncher } from './supervisor/launcher';
import { Supervisor } from './supervisor/supervisor';

export interface BackendOptions {
  dataDir: string;
  mode: 'electron' | 'browser' | 'cli';
  /** How runner processes start; default child_process.fork. */
  launcher?: ProcessLauncher;
  /** Runner script; default BENCHTOP_RUNNER_ENTRY, else src/core/runner/entry.ts through tsx. */
  runnerEntry?: string;
  /** Node flags for the runner; default ['--import', tsx] for a .ts entry, else none. */
  runnerExecArgv?: string[];
  appVersion?: string;
  /** False: never start runners (read-only CLI commands). Default true. */
  execute?: boolean;
  /** Re-queue queued runs no live process owns. Default: true except in 'cli' mode (a
   * `benchtop run` executes only its own run). */
  adoptQueued?: boolean;
  /** Cancel → kill timeout for runners (ms). Default 10 000. */
  cancelTimeoutMs?: number;
  /** Cross-process poll interval (ms). Default 500. */
  pollMs?: number;
  /** How often runs of processes that died are looked for (ms). Default 1000. */
  staleCheckMs?: number;
  /** Extra environment for runner processes. */
  runnerEnv?: NodeJS.ProcessEnv;
  /** Folder of the shipped models (default <package>/resources/models). */
  builtinModelsDir?: string;
}

export interface Backend {
  handlers: ApiHandlers;
  /** Listen to push events (run changes, progress, metrics, events, samples). */
  subscribe(listener: (e: PushEvent) => void): () => void;
  store: RunStore;
  supervisor: Supervisor;
  dataDir: string;
  getSettings(): Settings;
  /** Stop: active runs are stopped and marked interrupted; the store is closed. */
  close(): Promise<void>;
}

function packageVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
}

export async function openBackend(opts: BackendOptions): Promise<Backend> {
  const paths = ensureDataDir(opts.dataDir);
  const store = RunStore.open(paths.db);
  const listeners = new Set<(e: PushEvent) => void>();
  const emit = (e: PushEvent) => {
    for (const l of [...listeners]) {
      try {
        l(e);
      } catch (err) {
        console.warn(`benchtop: a push listener failed: ${(err as Error).message}`);
      }
    }
  };
  const writer = new BatchWriter(store, {
    onError: (err) => console.warn(`benchtop: writing run data failed (will retry): ${(err as Error).message}`),
  });
  const getSettings = () => readSettings(store);
  const execute = opts.execute !== false;
  const runner = execute ? resolveRunnerEntry(opts) : { entry: '', execArgv: [] };
  const supervisor = new Supervisor({
    store,
    writer,
    launcher: opts.launcher ?? forkLauncher,
    runnerEntry: runner.entry,
    runnerExecArgv: runner.execArgv,
    dataDir: paths.root,
    getSettings,
    emit,
    cancelTimeoutMs: opts.cancelTimeoutMs,
    pollMs: opts.pollMs,
    staleCheckMs: opts.staleCheckMs,
    env: opts.runnerEnv,
    execute,
  });
  supervisor.start({ adoptQueued: opts.adoptQueued ?? opts.mode !== 'cli' });
  const handlers = createHandlers({
    store,
    supervisor,
    emit,
    dataDir: paths.root,
    mode: opts.mode,
    appVersion: opts.appVersion ?? packageVersion(),
    builtinModelsDir: opts.builtinModelsDir,
  });
  let closing: Promise<void> | null = null;
  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    store,
    supervisor,
    dataDir: paths.root,
    getSettings,
    close() {
      closing ??= (async () => {
        await supervisor.close();
        writer.close();
        store.close();
        listeners.clear();
      })();
      return closing;
    },
  };
}
