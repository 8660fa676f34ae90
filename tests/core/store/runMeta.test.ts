import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RunStore } from '../../../src/core/store';
import { validateApiArgs } from '../../../src/shared/api';
import { tempDir } from '../support/backend';

let store: RunStore;
let cleanup: () => void;
beforeEach(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  store = RunStore.open(join(t.dir, 'benchtop.db'));
  store.runs.create({ id: 'a', kind: 'pretrain', name: 'first', notes: 'from the config', config: { kind: 'pretrain' }, modelRef: null, tags: ['x'], parentId: null, createdAt: 1, owner: null });
});
afterEach(() => {
  store.close();
  cleanup();
});

describe('run notes, name and tags', () => {
  it('are part of the record and can be replaced one at a time', () => {
    expect(store.runs.get('a')).toMatchObject({ name: 'first', notes: 'from the config', tags: ['x'] });
    expect(store.runs.updateMeta('a', { notes: 'seed 2 diverged at step 40' })).toMatchObject({ name: 'first', notes: 'seed 2 diverged at step 40', tags: ['x'] });
    expect(store.runs.updateMeta('a', { tags: ['seed2', 'baseline', 'seed2'] })!.tags).toEqual(['baseline', 'seed2']);
    expect(store.runs.updateMeta('a', { name: 'renamed' })).toMatchObject({ name: 'renamed', notes: 'seed 2 diverged at step 40' });
    // Notes are searchable as before.
    expect(store.runs.list({ text: 'diverged' }).map((r) => r.id)).toEqual(['a']);
    expect(store.runs.updateMeta('nope', { notes: '' })).toBeNull();
  });

  it('refuses bad edits at the API boundary, naming the field', () => {
    const r = validateApiArgs('updateRun', ['a', { tags: ['ok', ' '] }]);
    expect(!r.ok && r.error).toMatch(/tags\.1: tags cannot be empty/);
    const u = validateApiArgs('updateRun', ['a', { status: 'succeeded' }]);
    expect(u.ok).toBe(false);
    expect(validateApiArgs('updateRun', ['a', { notes: 'fine', tags: ['a'] }]).ok).toBe(true);
  });
});
