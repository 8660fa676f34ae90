/**
 * The real `benchtop` CLI in a child process (bin/benchtop.mjs on this Node), for tests that
 * check commands end to end: exit code, stdout and stderr.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const BENCHTOP_BIN = join(REPO_ROOT, 'bin', 'benchtop.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `benchtop <args>` with BENCHTOP_HOME = `home` (also the working directory). With
 * `realRunner`, a fixture runner entry inherited from the test environment is dropped, so runs
 * go through the real engine executors.
 */
export function runCli(home: string, args: readonly string[], opts: { realRunner?: boolean } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCHTOP_HOME: home };
  if (opts.realRunner) delete env.BENCHTOP_RUNNER_ENTRY;
  const child = spawn(process.execPath, [BENCHTOP_BIN, ...args], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}
