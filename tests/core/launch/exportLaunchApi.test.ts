/**
 * The exportLaunch API method (run page button): with no folder given it writes under
 * <data folder>/launch/<run id>-<target>, and a second export goes to a fresh -2 folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRunConfig } from '../../../src/shared/config';
import { openTestBackend, type TestBackend } from '../support/backend';

let t: TestBackend;
afterAll(async () => t?.close());

describe('exportLaunch (API)', () => {
  it('writes under the data folder by default, never into a folder that has files', async () => {
    t = await openTestBackend();
    const v = validateRunConfig({ kind: 'sft', model: 'builtin:benchtop-tiny', data: { tasks: [{ task: 'majority' }] }, training: { max_steps: 3, batch_size: 2 } });
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    t.backend.store.runs.create({ id: 'r-sft', kind: 'sft', name: 's', notes: '', config: v.config as never, modelRef: null, tags: [], parentId: null, createdAt: 1, owner: null });
    const first = await t.backend.handlers.exportLaunch('r-sft', { target: 'trl' });
    expect(first.dir).toBe(join(t.dir, 'launch', 'r-sft-trl'));
    expect(first.files).toEqual(expect.arrayContaining(['train.py', 'MAPPING.md', 'benchtop_rewards.py', 'data/train.jsonl', 'data/test.jsonl', 'accelerate_config.yaml']));
    expect(first.unmapped).toContain('data.responses.teacher');
    const second = await t.backend.handlers.exportLaunch('r-sft', { target: 'trl' });
    expect(second.dir).toBe(join(t.dir, 'launch', 'r-sft-trl-2'));
    expect(existsSync(join(second.dir, 'train.py'))).toBe(true);
    await expect(t.backend.handlers.exportLaunch('nope', { target: 'verl' })).rejects.toThrow(/no run with id 'nope'/);
  });
});
