/**
 * `benchtop cancel sweep-<id>` from another process stops a sweep that a `benchtop sweep` is
 * running: the queued runs are cancelled at once, the running one is stopped by its owner, and
 * the sweep command exits with the group's outcome (cancelled, 130).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHTOP_BIN, REPO_ROOT } from '../support/cliProcess';
import { tempDir, until } from '../core/support/backend';

let home: string;
let cleanup: () => void;
const children: ChildProcess[] = [];
beforeEach(() => {
  const t = tempDir('benchtop-cli-cancel-sweep-');
  home = t.dir;
  cleanup = t.cleanup;
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cleanup();
});

function start(args: string[]) {
  const env = { ...process.env, BENCHTOP_HOME: home, BENCHTOP_RUNNER_ENTRY: join(REPO_ROOT, 'tests', 'fixtures', 'runner-fixture.ts') };
  const child = spawn(process.execPath, [BENCHTOP_BIN, ...args], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, ...out })));
  return { out, done };
}

describe('benchtop cancel sweep-…', () => {
  it('cancels the rest of a sweep running in another process', async () => {
    const config = join(home, 'slow.json');
    writeFileSync(config, JSON.stringify({ kind: 'pretrain', name: 'slow', data: { tasks: [{ task: 'arithmetic', options: { step_ms: 10 } }] }, training: { max_steps: 5000 } }));
    const sweep = start(['sweep', config, '--grid', 'seed=1,2,3']);
    const sweepId = (await until(() => /^sweep (sweep-\S+)$/m.exec(sweep.out.stdout), 30_000, 'the sweep id'))[1]!;
    // Wait until the first run is taking steps in the sweep's process.
    await until(async () => {
      const list = await start(['list', '--status', 'running', '--json']).done;
      return list.code === 0 && (JSON.parse(list.stdout) as unknown[]).length === 1;
    }, 30_000, 'a running run');

    const c = await start(['cancel', sweepId]).done;
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(`sweep ${sweepId}: 2 queued runs cancelled, 1 running run asked to stop`);
    const lines = c.stdout.trim().split('\n').slice(1);
    expect(lines.length).toBe(3);
    for (const line of lines) expect(line).toMatch(/^\S+ cancelled/);
    expect(lines.filter((l) => l.includes('cancelled before it started')).length).toBe(2);

    const r = await sweep.done;
    expect(r.code).toBe(130);
    const again = await start(['cancel', sweepId]).done;
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 queued runs cancelled, 0 running runs asked to stop');
    const unknown = await start(['cancel', 'sweep-nope']).done;
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no sweep with id or name 'sweep-nope'");
  });
});
