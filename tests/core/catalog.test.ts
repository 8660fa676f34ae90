/** Models and datasets through the API handlers: the shipped model, folder checks on add,
 * built-in task previews and the all-or-nothing JSONL import. Real store, real engine code. */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initModelFolder } from '../../src/engine/model/folder';
import { getTask } from '../../src/engine/tasks';
import { validateApiArgs } from '../../src/shared/api';
import { openTestBackend, tempDir, type TestBackend } from './support/backend';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SHIPPED = join(ROOT, 'resources', 'models', 'benchtop-tiny');

const open: TestBackend[] = [];
const temps: { cleanup(): void }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  for (const t of temps.splice(0)) t.cleanup();
});
async function setup(opts: Parameters<typeof openTestBackend>[0] = {}) {
  const t = await openTestBackend({ execute: false, ...opts });
  open.push(t);
  return t;
}
function scratch(): string {
  const t = tempDir('benchtop-catalog-');
  temps.push(t);
  return t.dir;
}

/** Llama-family parameter count from config.json keys, written out by hand. */
function llamaParams(c: Record<string, number | boolean>): number {
  const d = c.hidden_size as number;
  const heads = c.num_attention_heads as number;
  const hd = (c.head_dim as number) ?? d / heads;
  const q = heads * hd;
  const kv = ((c.num_key_value_heads as number) ?? heads) * hd;
  const f = c.intermediate_size as number;
  const perLayer = d /* input norm */ + d * q + d * kv * 2 + q * d + d /* post-attn norm */ + 3 * d * f;
  const embed = (c.vocab_size as number) * d;
  return embed * (c.tie_word_embeddings ? 1 : 2) + (c.num_hidden_layers as number) * perLayer + d;
}

const TINY = { model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 32, tie_word_embeddings: false };

describe('the shipped model', () => {
  it.runIf(existsSync(join(SHIPPED, 'config.json')))('is listed as built in with its architecture and parameter count', async () => {
    const { backend } = await setup();
    const cfg = JSON.parse(readFileSync(join(SHIPPED, 'config.json'), 'utf8'));
    const models = await backend.handlers.listModels();
    const m = models.find((x) => x.id === 'builtin:benchtop-tiny');
    expect(m, JSON.stringify(models)).toBeDefined();
    expect(m).toMatchObject({ name: 'benchtop-tiny', builtin: true, architecture: cfg.model_type, path: SHIPPED });
    expect(m!.parameters).toBe(llamaParams(cfg));
    expect(m!.info.problem).toBeUndefined();
    if (existsSync(join(SHIPPED, 'README.md'))) expect(String(m!.info.modelCard).length).toBeGreaterThan(0);
    await expect(backend.handlers.removeModel('builtin:benchtop-tiny')).rejects.toThrow(/built in and cannot be removed/);
    // Registering its folder again returns the shipped entry instead of a duplicate.
    expect((await backend.handlers.addModel(SHIPPED)).id).toBe('builtin:benchtop-tiny');
    expect((await backend.handlers.listModels()).filter((x) => x.path === SHIPPED)).toHaveLength(1);
  });

  it('is absent when its folder is, shows a model card, and says what is wrong with a broken folder', async () => {
    const root = scratch();
    const a = await setup({ builtinModelsDir: root });
    expect(await a.backend.handlers.listModels()).toEqual([]);

    const dir = join(root, 'benchtop-tiny');
    await initModelFolder({ config: TINY, outDir: dir, seed: 1 });
    writeFileSync(join(dir, 'README.md'), '---\nlicense: mit\n---\n# benchtop-tiny\n\n![plot](x.png)\n\nA *tiny* Llama-style decoder\ntrained on [synthetic tasks](#tasks).\n\n## Results\n\n| task | acc |\n');
    const [m] = await a.backend.handlers.listModels();
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(m).toMatchObject({ id: 'builtin:benchtop-tiny', builtin: true, architecture: 'llama', parameters: llamaParams(cfg) });
    expect(m.info.modelCardSummary).toBe('A tiny Llama-style decoder trained on synthetic tasks.');
    expect(m.info.modelCard).toMatch(/^# benchtop-tiny/);
    expect(m.info.modelCard).not.toContain('license: mit');

    writeFileSync(join(dir, 'config.json'), '{"model_type": "llama",');
    const [broken] = await a.backend.handlers.listModels();
    expect(broken).toMatchObject({ id: 'builtin:benchtop-tiny', parameters: null });
    expect(broken.info.problem).toMatch(/config\.json: not valid JSON/);
  });
});

describe('registering a model folder', () => {
  it('accepts a complete folder and counts parameters from the weights headers', async () => {
    const { backend } = await setup({ builtinModelsDir: scratch() });
    const dir = join(scratch(), 'tiny');
    await initModelFolder({ config: TINY, outDir: dir, seed: 3 });
    const m = await backend.handlers.addModel(dir);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(m).toMatchObject({ name: 'tiny', architecture: 'llama', builtin: false, path: dir, parameters: llamaParams(cfg) });
    expect(m.info).toMatchObject({ hidden_size: 16, num_hidden_layers: 2, weightFiles: ['model.safetensors'] });
  });

  it('refuses a broken folder with an error naming the file and the problem, and registers nothing', async () => {
    const { backend } = await setup({ builtinModelsDir: scratch() });
    const base = scratch();
    let n = 0;
    const folder = async (): Promise<string> => {
      const dir = join(base, `m${n++}`);
      await initModelFolder({ config: TINY, outDir: dir, seed: 3 });
      return dir;
    };
    const refuse = async (dir: string, pattern: RegExp) => {
      const err = await backend.handlers.addModel(dir).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(pattern);
    };

    const noTok = await folder();
    rmSync(join(noTok, 'tokenizer.json'));
    await refuse(noTok, new RegExp(`${join(noTok, 'tokenizer.json').replace(/[/\\.]/g, '\\$&')}: file not found`));

    const badAct = await folder();
    const cfg = JSON.parse(readFileSync(join(badAct, 'config.json'), 'utf8'));
    writeFileSync(join(badAct, 'config.json'), JSON.stringify({ ...cfg, hidden_act: 'gelu' }));
    await refuse(badAct, /config\.json: .*hidden_act/);

    // config.json says 3 layers, the weights hold 2.
    const moreLayers = await folder();
    writeFileSync(join(moreLayers, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    await refuse(moreLayers, /model\.safetensors: missing tensor 'model\.layers\.2\./);

    // A different width: the first tensor has the wrong shape.
    const wider = await folder();
    writeFileSync(join(wider, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 32, num_attention_heads: 8, num_key_value_heads: 4 }));
    await refuse(wider, /model\.safetensors: tensor 'model\.embed_tokens\.weight' has shape \[\d+, 16\], expected \[\d+, 32\]/);

    // config.json says 1 layer, the weights hold 2.
    const fewerLayers = await folder();
    writeFileSync(join(fewerLayers, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 1 }));
    await refuse(fewerLayers, /model\.safetensors: unexpected tensor 'model\.layers\.1\..*config and weights disagree/);

    const noWeights = await folder();
    rmSync(join(noWeights, 'model.safetensors'));
    await refuse(noWeights, /no weights: expected model\.safetensors or model\.safetensors\.index\.json/);

    const corrupt = await folder();
    writeFileSync(join(corrupt, 'model.safetensors'), Buffer.from([4, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b]));
    await refuse(corrupt, /model\.safetensors: safetensors header is not valid JSON/);

    mkdirSync(join(base, 'empty'));
    await refuse(join(base, 'empty'), /config\.json: file not found: this is not a Hugging Face model folder/);
    await refuse(join(base, 'nowhere'), /does not exist/);
    expect(await backend.handlers.listModels()).toEqual([]);
  });
});

describe('datasets', () => {
  it('lists the task generators and previews seeded test examples that their verifier accepts', async () => {
    const { backend } = await setup();
    const ds = await backend.handlers.listDatasets();
    const arith = ds.find((d) => d.id === 'builtin:arithmetic')!;
    expect(arith.info).toMatchObject({ generator: true, kind: 'generative' });
    expect((arith.info.knobs as string[]).length).toBeGreaterThan(0);
    expect(ds.find((d) => d.id === 'builtin:brackets_classify')!.info.kind).toBe('choice');

    const a = await backend.handlers.previewDataset('builtin:arithmetic', { count: 3, seed: 11 });
    expect(a).toHaveLength(3);
    for (const ex of a) {
      // The answer is the value of the +/− expression in the prompt, evaluated here by hand.
      expect(ex.prompt).toMatch(/^\d+([+-]\d+)+=$/);
      const terms = ex.prompt.slice(0, -1).match(/[+-]?\d+/g)!.map(Number);
      expect(Number(ex.answer)).toBe(terms.reduce((a, b) => a + b, 0));
      expect(getTask('arithmetic').verify({ ...ex, task: 'arithmetic' }, ex.answer).correct).toBe(true);
    }
    expect(await backend.handlers.previewDataset('builtin:arithmetic', { count: 3, seed: 11 })).toEqual(a);
    expect((await backend.handlers.previewDataset('builtin:arithmetic', { count: 3, seed: 12 })).map((e) => e.id)).not.toEqual(a.map((e) => e.id));
    const choice = await backend.handlers.previewDataset('builtin:brackets_classify');
    expect(choice).toHaveLength(3);
    for (const ex of choice) expect(ex.choices![ex.label!]).toBe(ex.answer);

    await expect(backend.handlers.previewDataset('builtin:nope')).rejects.toThrow(/no built-in task 'nope'; expected one of arithmetic/);
    const bad = validateApiArgs('previewDataset', ['builtin:arithmetic', { count: 500 }]);
    expect(bad).toEqual({ ok: false, error: expect.stringContaining('count ≤ 20') });
    expect(validateApiArgs('previewDataset', ['builtin:arithmetic', { count: 2, seed: 1, extra: 1 }]).ok).toBe(false);
  });

  it('imports JSONL all-or-nothing: a bad row names line and field and registers nothing', async () => {
    const { backend, dir } = await setup();
    const src = join(scratch(), 'qa.jsonl');
    const rows = [
      { question: 'What is 2+2?', answer: '4', level: 1, split: 'train' },
      { question: 'Capital of France?', answer: 'Paris', level: 2, split: 'test' },
      { question: 'Colour of the sky?', level: 1, split: 'train' },
      { question: '3*3?', answer: 9, level: 3, split: 'test' },
    ];
    writeFileSync(src, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

    const look = await backend.handlers.inspectJsonl(src);
    expect(look.fields).toEqual(['question', 'answer', 'level', 'split']);
    expect(look.suggested).toEqual({ prompt: 'question', answer: 'answer', split: 'split', metadata: ['level'] });
    const mapping = look.suggested!;
    const mapped = await backend.handlers.inspectJsonl(src, mapping);
    // The preview stops at the bad row: line 3 has no answer.
    expect(mapped.problem).toMatchObject({ file: 'qa.jsonl', line: 3, field: 'answer' });
    expect(mapped.problem!.message).toBe("qa.jsonl line 3: field 'answer' missing");

    await expect(backend.handlers.importDataset(src, mapping, 'qa')).rejects.toThrow("qa.jsonl line 3: field 'answer' missing — nothing was imported");
    expect((await backend.handlers.listDatasets()).filter((d) => d.source === 'jsonl')).toEqual([]);
    expect(readdirSync(join(dir, 'datasets'))).toEqual([]);
    await expect(backend.handlers.importDataset(src, mapping, 'arithmetic')).rejects.toThrow(/is a built-in task/);
    expect(validateApiArgs('importDataset', [src, mapping, 'Bad Name']).ok).toBe(false);
    expect(validateApiArgs('importDataset', [src, { answer: 'answer' }, 'qa']).ok).toBe(false);

    (rows[2] as Record<string, unknown>).answer = 'blue';
    writeFileSync(src, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const entry = await backend.handlers.importDataset(src, mapping, 'qa');
    expect(entry).toMatchObject({ id: 'qa', name: 'qa', source: 'jsonl', rows: 4 });
    expect(entry.info).toMatchObject({ source: src, kind: 'generative', train: 2, test: 2 });
    expect((await backend.handlers.listDatasets()).map((d) => d.id)).toContain('qa');
    const stored = readFileSync(entry.path!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(stored.map((e: { prompt: string; answer: string }) => [e.prompt, e.answer])).toEqual(rows.map((r) => [r.question, String(r.answer)]));
    const preview = await backend.handlers.previewDataset('qa', { count: 2 });
    expect(preview.map((e) => e.prompt)).toEqual(['What is 2+2?', 'Capital of France?']);
    expect(preview[1].metadata).toEqual({ level: 2, split: 'test' });

    await backend.handlers.removeDataset('qa');
    expect(existsSync(entry.path!)).toBe(false);
    expect((await backend.handlers.listDatasets()).some((d) => d.id === 'qa')).toBe(false);
    await expect(backend.handlers.removeDataset('builtin:parity')).rejects.toThrow(/cannot be removed/);
  });

  it('inspecting reports unreadable files and bad first rows with the line', async () => {
    const { backend } = await setup();
    const d = scratch();
    expect((await backend.handlers.inspectJsonl(join(d, 'missing.jsonl'))).problem?.message).toMatch(/missing\.jsonl: no such file/);
    writeFileSync(join(d, 'bad.jsonl'), '\n{"prompt": "a",\n');
    const bad = await backend.handlers.inspectJsonl(join(d, 'bad.jsonl'));
    expect(bad.problem).toMatchObject({ line: 2 });
    expect(bad.problem!.message).toMatch(/^bad\.jsonl line 2: not valid JSON/);
    writeFileSync(join(d, 'mc.jsonl'), JSON.stringify({ prompt: 'Pick', choices: ['a', 'b'], label: 1 }) + '\n');
    const mc = await backend.handlers.inspectJsonl(join(d, 'mc.jsonl'));
    expect(mc.suggested).toEqual({ prompt: 'prompt', choices: 'choices', label: 'label' });
    const mapped = await backend.handlers.inspectJsonl(join(d, 'mc.jsonl'), mc.suggested!);
    expect(mapped.examples).toEqual([expect.objectContaining({ prompt: 'Pick', choices: ['a', 'b'], label: 1, answer: 'b' })]);
  });
});
