/** A client for tests/support/preflightWorker.ts: `check(config)` → the real PreflightResult. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { PreflightResult } from '../../src/core/preflight';

const ROOT = resolve(import.meta.dirname ?? '.', '..', '..');

export interface PreflightProcess {
  check(config: unknown): Promise<PreflightResult>;
  close(): void;
}

export async function startPreflightProcess(dataDir: string, root = ROOT): Promise<PreflightProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tests', 'support', 'preflightWorker.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<number, (r: { result?: PreflightResult; error?: string }) => void>();
  let ready: () => void;
  const started = new Promise<void>((r) => (ready = r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as { ready?: boolean; id?: number; result?: PreflightResult; error?: string };
    if (msg.ready) return ready();
    waiting.get(msg.id!)?.(msg);
    waiting.delete(msg.id!);
  });
  await started;
  let next = 0;
  return {
    check(config) {
      const id = ++next;
      return new Promise((res, rej) => {
        waiting.set(id, (m) => (m.error ? rej(new Error(m.error)) : res(m.result!)));
        child.stdin!.write(JSON.stringify({ id, config, dataDir }) + '\n');
      });
    },
    close() {
      child.kill();
    },
  };
}
