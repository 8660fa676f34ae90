/**
 * The real executors through the real CLI (no fixture runner): `benchtop run` on a tiny pretrain
 * config, then an eval run on the folder it saved. BENCHTOP_HOME is a temp folder.
 */
import { runCli } from '../../support/cliProcess';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './recordingContext';

const home = tempDir('benchtop-cli-runs-');
afterAll(() => home.cleanup());

function cli(args: string[]) {
  return runCli(home.dir, args, { realRunner: true });
}

describe('benchtop run with the real executors', () => {
  it('pretrains a tiny model, then evaluates the saved folder', async () => {
    const pre = join(home.dir, 'pretrain.json');
    writeFileSync(pre, JSON.stringify({
      kind: 'pretrain',
      name: 'cli tiny pretrain',
      model: { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 64, max_position_embeddings: 32 },
      data: { tasks: [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }], seq_len: 16 },
      training: { max_steps: 30, batch_size: 8, learning_rate: 0.01, log_every: 10, checkpoint_every: 15 },
    }));
    const r = await cli(['run', pre]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^status: succeeded/m);
    expect(r.stdout).toMatch(/^train\/loss\s+\d/m);
    expect(r.stdout).toMatch(/^eval\/arithmetic\/accuracy\s+[\d.]+\s+step 30$/m);
    const id = /^run (\S+)$/m.exec(r.stdout)![1]!;
    const model = join(home.dir, 'runs', id, 'model');
    expect(readdirSync(model)).toContain('model.safetensors');

    const ev = join(home.dir, 'eval.json');
    writeFileSync(ev, JSON.stringify({ kind: 'eval', model, tasks: [{ task: 'arithmetic', options: { max_digits: 1, ood_digits: 0 } }], num_examples: 8, max_new_tokens: 3 }));
    const e = await cli(['run', ev]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^status: succeeded/m);
    expect(e.stdout).toMatch(/^eval\/arithmetic\/pass@1\s+[\d.]+\s+step 0$/m);
  });
});
