/**
 * `benchtop export-launch` end to end in a child process: a recorded grpo run becomes a verl
 * launch folder; bad command lines and other run kinds are refused with what was expected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../src/core/store';
import { validateRunConfig } from '../../../src/shared/config';
import { runCli } from '../../support/cliProcess';
import { tempDir } from '../support/backend';

const tmp = tempDir('benchtop-launch-cli-');
afterAll(() => tmp.cleanup());

function seed(): void {
  const store = RunStore.open(join(tmp.dir, 'benchtop.db'));
  for (const [id, cfg] of [
    ['20260101-grpo-aaaaaa', { kind: 'grpo', model: 'builtin:benchtop-tiny', tasks: [{ task: 'brackets' }], training: { max_steps: 5 } }],
    ['20260101-eval-bbbbbb', { kind: 'eval', model: 'builtin:benchtop-tiny', tasks: [{ task: 'compare' }] }],
  ] as const) {
    const v = validateRunConfig(cfg);
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    store.runs.create({ id, kind: cfg.kind, name: '', notes: '', config: v.config as never, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
  }
  store.close();
}
seed();

describe('benchtop export-launch', () => {
  it('writes a verl launch folder for a grpo run and lists its files', async () => {
    const out = join(tmp.dir, 'verl-out');
    const r = await runCli(tmp.dir, ['export-launch', 'aaaaaa', '--target', 'verl', '--out', out]);
    expect(r.stderr).toContain('have no verl counterpart; see MAPPING.md');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`launch folder ${out}`);
    for (const f of ['MAPPING.md', 'verl_overrides.yaml', 'run_verl.sh', 'to_parquet.py', 'benchtop_rewards.py', 'data/train.jsonl', 'data/test.jsonl']) {
      expect(existsSync(join(out, f)), f).toBe(true);
      expect(r.stdout).toContain(`  ${f}`);
    }
    expect(readFileSync(join(out, 'data/train.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5 * 8);
  });

  it('refuses a missing target, an eval run and a non-empty folder, naming what was expected', async () => {
    const noTarget = await runCli(tmp.dir, ['export-launch', 'aaaaaa', '--out', join(tmp.dir, 'x')]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('--target: expected trl or verl');
    const evalRun = await runCli(tmp.dir, ['export-launch', 'bbbbbb', '--target', 'trl', '--out', join(tmp.dir, 'y')]);
    expect(evalRun.code).toBe(1);
    expect(evalRun.stderr).toContain("supports sft and grpo runs; this run is a 'eval' run");
    expect(existsSync(join(tmp.dir, 'y'))).toBe(false);
    const again = await runCli(tmp.dir, ['export-launch', 'aaaaaa', '--target', 'trl', '--out', join(tmp.dir, 'verl-out')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not empty');
  });
});
