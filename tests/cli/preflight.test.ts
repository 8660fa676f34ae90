/**
 * `benchtop run` checks a config before a run record is made (the engine's own checks, with the
 * real runner entry): each bad value exits 2 with the field named and leaves the data folder
 * without a run. Also: `--set` cannot reach Object.prototype, oversized config files are refused,
 * and user errors print a message, never a stack trace (unless --debug / BENCHTOP_DEBUG).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BENCHTOP_BIN, REPO_ROOT, runCli } from '../support/cliProcess';
import { withoutStack } from '../../src/cli/runText';
import { BAD_CONFIGS } from '../support/badConfigs';
import { tempDir } from '../core/support/backend';

let home: string;
let cleanup: () => void;
beforeEach(() => {
  const t = tempDir('benchtop-cli-preflight-');
  home = t.dir;
  cleanup = t.cleanup;
});
afterEach(() => cleanup());

const STACK_LINE = /^\s+at .+[:(]/m;

/** Nothing a run would leave: no database, no runs folder. */
function expectNoRun(): void {
  expect(existsSync(join(home, 'benchtop.db'))).toBe(false);
  expect(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []).toEqual([]);
}

describe('benchtop run refuses bad configs before a run record exists', () => {
  for (const bad of BAD_CONFIGS) {
    it(bad.name, async () => {
      const file = join(home, 'run.json');
      writeFileSync(file, JSON.stringify(bad.make(home)));
      const r = await runCli(home, ['run', file], { realRunner: true });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('is not a valid run config:');
      const line = r.stderr.split('\n').find((l) => l.startsWith(`  ${bad.path}: `));
      expect(line, r.stderr).toBeDefined();
      expect(line!).toMatch(bad.message);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stdout).not.toMatch(/^run /m);
      expectNoRun();
    });
  }

  it('--set cannot reach Object.prototype; paths outside the schema are named', async () => {
    const file = join(home, 'run.yaml');
    writeFileSync(file, 'kind: pretrain\n');
    const proto = await runCli(home, ['run', file, '--set', '__proto__.polluted=1'], { realRunner: true });
    expect(proto.code).toBe(2);
    expect(proto.stderr).toMatch(/--set __proto__\.polluted=1: '__proto__' is not a config field/);
    const typo = await runCli(home, ['run', file, '--set', 'training.max_step=5'], { realRunner: true });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/'max_step' is not a field of training; expected one of max_steps/);
    expect(typo.stderr).not.toMatch(STACK_LINE);
    expectNoRun();
  });

  it('refuses a config file over the size limit, and a folder, naming the file', async () => {
    const big = join(home, 'big.yaml');
    writeFileSync(big, `kind: pretrain\nnotes: "${'x'.repeat(1100 * 1024)}"\n`);
    const r = await runCli(home, ['run', big], { realRunner: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/big\.yaml: expected a config file of at most 1024 KiB, got 1100 KiB/);
    const dir = await runCli(home, ['run', home], { realRunner: true });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/is a folder; expected a \.yaml or \.json config file/);
    expectNoRun();
  });

  it('prints a failing command\'s error as a message; the stack only with --debug or BENCHTOP_DEBUG', async () => {
    const args = ['import', join(home, 'missing-bundle.zip')];
    const plain = await runCli(home, args);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^benchtop import: .*missing-bundle\.zip/m);
    expect(plain.stderr).not.toMatch(STACK_LINE);
    const debug = await runCli(home, [...args, '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it('a run that fails prints its error without the runner\'s stack trace (unless --debug)', () => {
    const file = join(home, 'fails.json');
    writeFileSync(file, JSON.stringify({ kind: 'pretrain', data: { tasks: [{ task: 'arithmetic', options: { fail_at_step: 2, step_ms: 1 } }] }, training: { max_steps: 5 } }));
    const env = { ...process.env, BENCHTOP_HOME: home, BENCHTOP_RUNNER_ENTRY: join(REPO_ROOT, 'tests', 'fixtures', 'runner-fixture.ts') };
    const plain = spawnSync(process.execPath, [BENCHTOP_BIN, 'run', file], { cwd: home, env, encoding: 'utf8' });
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/fixture failure/);
    expect(plain.stderr).not.toMatch(STACK_LINE);
    const debug = spawnSync(process.execPath, [BENCHTOP_BIN, 'run', file, '--debug'], { cwd: home, env, encoding: 'utf8' });
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it('withoutStack keeps everything but "at …" lines', () => {
    const text = 'Error: boom\n    at f (/a/b.ts:1:2)\n    at g (/a/c.ts:3:4)';
    expect(withoutStack(text)).toBe('Error: boom');
    expect(withoutStack(text, true)).toBe(text);
    expect(withoutStack('two\nlines')).toBe('two\nlines');
  });
});
