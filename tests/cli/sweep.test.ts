/**
 * `benchtop sweep` end to end in child processes with the real engine: a 2×2 grid of tiny evals
 * of the built-in model all finish and form one group; a bad value is refused before anything is
 * created, naming the field and value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cliProcess';
import { tempDir } from '../core/support/backend';

let tmp: { dir: string; cleanup(): void };
let config: string;

beforeAll(() => {
  tmp = tempDir('benchtop-cli-sweep-');
  config = join(tmp.dir, 'tiny-eval.yaml');
  writeFileSync(
    config,
    ['kind: eval', 'name: tiny eval', 'model: builtin:benchtop-tiny', 'num_examples: 3', 'max_new_tokens: 8', 'tasks:', '  - { task: majority }', ''].join('\n'),
  );
});
afterAll(() => tmp?.cleanup());

describe('benchtop sweep', () => {
  it('refuses a value the kind schema rejects, naming field and value, and creates nothing', async () => {
    const home = join(tmp.dir, 'bad');
    mkdirSync(home);
    const r = await runCli(home, ['--home', home, 'sweep', config, '--grid', 'temperature=0,-2', '--grid', 'seed=1,2'], { realRunner: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('grid temperature=-2: expected temperature ≥ 0 (0 is greedy), got -2');
    const list = await runCli(home, ['--home', home, 'list', '--json'], { realRunner: true });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('runs a 2×2 grid through the queue, one group, every run with its swept values', async () => {
    const home = join(tmp.dir, 'ok');
    mkdirSync(home);
    const r = await runCli(home, ['--home', home, 'sweep', config, '--grid', 'temperature=0,0.5', '--grid', 'seed=1,2', '--name', 'temp x seed', '--json'], {
      realRunner: true,
    });
    expect(r.code, r.stderr).toBe(0);
    const sweepId = /^sweep (\S+)$/m.exec(r.stdout)![1];
    const detail = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(detail.sweep.id).toBe(sweepId);
    expect(detail.sweep.name).toBe('temp x seed');
    expect(detail.sweep.fields).toEqual(['temperature', 'seed']);
    expect(detail.progress).toMatchObject({ total: 4, done: 4, outcome: 'succeeded' });
    expect(detail.runs.map((x: { sweep: { point: unknown } }) => x.sweep.point)).toEqual([
      { temperature: 0, seed: 1 },
      { temperature: 0, seed: 2 },
      { temperature: 0.5, seed: 1 },
      { temperature: 0.5, seed: 2 },
    ]);
    for (const run of detail.runs) {
      expect(run.status).toBe('succeeded');
      expect(run.sweep.sweepId).toBe(sweepId);
      expect(run.config.temperature).toBe(run.sweep.point.temperature);
      expect(run.config.seed).toBe(run.sweep.point.seed);
      expect(Object.keys(detail.finals[run.id]).some((k) => k.startsWith('eval/'))).toBe(true);
    }
    // One after another (concurrency 1): no two runs overlap in time.
    const spans = detail.runs.map((x: { startedAt: number; endedAt: number }) => [x.startedAt, x.endedAt]).sort((a: number[], b: number[]) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    expect(r.stderr).toMatch(/\[4\/4 done, 0 running\]/);

    // `show` takes the sweep id (the group table) and names a run's sweep.
    const group = await runCli(home, ['--home', home, 'show', sweepId], { realRunner: true });
    expect(group.stdout).toMatch(/^sweep temp x seed: succeeded \(4\/4 succeeded\)$/m);
    expect(group.stdout).toMatch(/^RUN\s+STATUS\s+TIME\s+temperature\s+seed$/m);
    const one = await runCli(home, ['--home', home, 'show', detail.runs[3].id], { realRunner: true });
    expect(one.stdout).toContain(`sweep    ${sweepId}  (temperature=0.5 seed=2)`);
    const none = await runCli(home, ['--home', home, 'show', 'sweep-nonesuch'], { realRunner: true });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no sweep with id or name 'sweep-nonesuch'");

    // The group as one bundle, and back as a group in another data folder.
    const zip = join(tmp.dir, 'group.zip');
    const ex = await runCli(home, ['--home', home, 'export', sweepId, '--out', zip], { realRunner: true });
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/, 4 runs$/m);
    const other = join(tmp.dir, 'other');
    mkdirSync(other);
    const im = await runCli(other, ['--home', other, 'import', zip], { realRunner: true });
    expect(im.code, im.stderr).toBe(0);
    expect(im.stdout).toContain(`sweep ${sweepId}\n`);
    expect(im.stdout.match(/^run \S+$/gm)?.length).toBe(4);
  });

  it('runs a sweep file (name, base, grid) and prints its expected effect; `run` refuses a sweep file', async () => {
    const home = join(tmp.dir, 'file');
    mkdirSync(home);
    const file = join(tmp.dir, 'sweep-file.yaml');
    writeFileSync(
      file,
      [
        'name: seeds of a tiny eval',
        'grid:',
        '  - { path: seed, values: [1, 2] }',
        'base:',
        '  kind: eval',
        '  model: builtin:benchtop-tiny',
        '  num_examples: 3',
        '  max_new_tokens: 8',
        '  tasks: [{ task: majority }]',
        '  expected_effect:',
        '    statement: seed 2 beats seed 1 by more than everything',
        '    checks:',
        '      - { metric: eval/majority/accuracy, of: final, op: ">", arm: { seed: 2 }, than_arm: { seed: 1 }, margin: 1 }',
        '',
      ].join('\n'),
    );
    const r = await runCli(home, ['--home', home, 'sweep', file], { realRunner: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sweep seeds of a tiny eval: succeeded (2/2 succeeded)');
    // Accuracy is in [0, 1], so no seed can beat another by more than 1.
    expect(r.stdout).toMatch(/^expected effect: not observed — seed 2 beats seed 1 by more than everything \(✗ eval\/majority\/accuracy final: seed=2 \S+ \(n=1\) > seed=1 \S+ \(n=1\) \+ 1\)$/m);
    const run = await runCli(home, ['--home', home, 'run', file], { realRunner: true });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is a sweep file (name, base, grid): run it with `benchtop sweep');
  });

  it('explains a random search without ranges, and a malformed range', async () => {
    const home = join(tmp.dir, 'usage');
    mkdirSync(home);
    const a = await runCli(home, ['--home', home, 'sweep', config, '--random', '3'], { realRunner: true });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--random N needs at least one --range or --choice');
    const b = await runCli(home, ['--home', home, 'sweep', config, '--random', '3', '--range', 'temperature=0.1-1'], { realRunner: true });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--range temperature=0.1-1: expected min:max with numbers');
  });
});
