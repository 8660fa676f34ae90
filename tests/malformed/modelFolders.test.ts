/**
 * Malformed model folders: config.json, safetensors headers and data, sharded indexes and
 * tokenizer files, each broken one way (a table of edits on a good folder). Registering the
 * folder and starting a run on it are both refused with an error naming the file at fault,
 * and neither the history, the catalog, the data folder nor the model folder changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initModelFolder } from '../../src/engine/model/folder';
import { PreflightError } from '../../src/core/preflight';
import { openTestBackend, tempDir, type TestBackend } from '../core/support/backend';
import { expectUnchanged, snapshot } from './support';

const TINY = { model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 32, tie_word_embeddings: false, max_position_embeddings: 128 };

let tb: TestBackend;
let scratch: { dir: string; cleanup(): void };
let single: string;
let sharded: string;
beforeAll(async () => {
  tb = await openTestBackend({ engineChecks: true, execute: false });
  scratch = tempDir('benchtop-malformed-models-');
  single = join(scratch.dir, 'base-single');
  sharded = join(scratch.dir, 'base-sharded');
  await initModelFolder({ config: TINY, outDir: single, seed: 1 });
  await initModelFolder({ config: TINY, outDir: sharded, seed: 1, checkpoint: { maxShardBytes: 8 * 1024 } });
});
afterAll(async () => {
  await tb.close();
  scratch.cleanup();
});

// --- editing helpers --------------------------------------------------------------------
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
const writeJson = (f: string, j: unknown) => writeFileSync(f, JSON.stringify(j));
const editJson = (name: string, edit: (j: Record<string, unknown>) => unknown) => (dir: string) => {
  const f = join(dir, name);
  const j = readJson(f);
  const r = edit(j);
  writeJson(f, r === undefined ? j : r);
};
const setConfig = (key: string, value: unknown) => editJson('config.json', (j) => void (j[key] = value));
const dropConfig = (key: string) => editJson('config.json', (j) => void delete j[key]);
const writeText = (name: string, text: string | Buffer) => (dir: string) => writeFileSync(join(dir, name), text);
const remove = (name: string) => (dir: string) => rmSync(join(dir, name), { force: true });

/** A safetensors file as (header, data), and back. */
function readSt(f: string): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>; data: Buffer } {
  const buf = readFileSync(f);
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), data: buf.subarray(8 + n) };
}
function writeSt(f: string, header: unknown, data: Buffer): void {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(f, Buffer.concat([len, h, data]));
}
const editSt = (edit: (h: Record<string, any>, data: Buffer) => Buffer | void, name = 'model.safetensors') => (dir: string) => {
  const f = join(dir, name);
  const { header, data } = readSt(f);
  const out = edit(header, data);
  writeSt(f, header, out ?? data);
};
const firstShard = (dir: string) => Object.values((readJson(join(dir, 'model.safetensors.index.json')).weight_map as Record<string, string>))[0]!;

interface Case {
  name: string;
  base: 'single' | 'sharded';
  edit(dir: string): void;
  /** What the error must say (it names the file). */
  message: RegExp;
}

const CONFIG_CASES: Case[] = [
  { name: 'config.json missing', base: 'single', edit: remove('config.json'), message: /config\.json/ },
  { name: 'config.json not JSON', base: 'single', edit: writeText('config.json', '{"model_type": "llama",'), message: /config\.json: not valid JSON/ },
  { name: 'config.json a JSON list', base: 'single', edit: writeText('config.json', '[1, 2]'), message: /config\.json/ },
  { name: 'config.json empty', base: 'single', edit: writeText('config.json', ''), message: /config\.json/ },
  { name: 'unsupported model_type', base: 'single', edit: setConfig('model_type', 'gpt2'), message: /config\.json.*model_type/ },
  ...(['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'vocab_size'] as const).flatMap((k): Case[] => [
    { name: `${k} missing`, base: 'single', edit: dropConfig(k), message: new RegExp(`config\\.json.*${k}`) },
    { name: `${k} a string`, base: 'single', edit: setConfig(k, '16'), message: new RegExp(`config\\.json.*${k}`) },
    { name: `${k} negative`, base: 'single', edit: setConfig(k, -4), message: new RegExp(`config\\.json.*${k}`) },
    { name: `${k} fractional`, base: 'single', edit: setConfig(k, 2.5), message: new RegExp(`config\\.json.*${k}`) },
  ]),
  { name: 'heads do not divide hidden_size', base: 'single', edit: setConfig('num_attention_heads', 3), message: /config\.json.*num_attention_heads/ },
  { name: 'kv heads do not divide heads', base: 'single', edit: setConfig('num_key_value_heads', 3), message: /config\.json.*num_key_value_heads/ },
  { name: 'max_position_embeddings zero', base: 'single', edit: setConfig('max_position_embeddings', 0), message: /config\.json.*max_position_embeddings/ },
  { name: 'unsupported rope_scaling type', base: 'single', edit: setConfig('rope_scaling', { rope_type: 'yarn', factor: 4 }), message: /config\.json.*rope/ },
  { name: 'tie_word_embeddings not a boolean', base: 'single', edit: setConfig('tie_word_embeddings', 'yes'), message: /config\.json.*tie_word_embeddings/ },
  { name: 'more layers than the weights hold', base: 'single', edit: setConfig('num_hidden_layers', 3), message: /model\.safetensors: missing tensor 'model\.layers\.2\./ },
];

const WEIGHT_CASES: Case[] = [
  { name: 'no weights at all', base: 'single', edit: remove('model.safetensors'), message: /no weights: expected model\.safetensors or model\.safetensors\.index\.json/ },
  { name: 'empty safetensors file', base: 'single', edit: writeText('model.safetensors', ''), message: /model\.safetensors/ },
  { name: 'header length past the end of the file', base: 'single', edit: (d) => { const b = Buffer.alloc(16); b.writeBigUInt64LE(1n << 40n); writeFileSync(join(d, 'model.safetensors'), b); }, message: /model\.safetensors/ },
  { name: 'header not JSON', base: 'single', edit: writeText('model.safetensors', Buffer.from([4, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b])), message: /model\.safetensors: safetensors header is not valid JSON/ },
  { name: 'header a JSON list', base: 'single', edit: (d) => writeSt(join(d, 'model.safetensors'), [1, 2], Buffer.alloc(0)), message: /model\.safetensors/ },
  { name: 'a tensor missing', base: 'single', edit: editSt((h) => void delete h['model.norm.weight']), message: /model\.safetensors.*model\.norm\.weight/ },
  { name: 'a tensor with the wrong shape', base: 'single', edit: editSt((h) => void (h['model.norm.weight'].shape = [8, 2])), message: /model\.safetensors.*model\.norm\.weight/ },
  { name: 'an integer dtype', base: 'single', edit: editSt((h) => void (h['model.norm.weight'].dtype = 'I32')), message: /model\.safetensors.*model\.norm\.weight.*dtype I32/ },
  { name: 'an unknown dtype', base: 'single', edit: editSt((h) => void (h['model.norm.weight'].dtype = 'F8_E4M3')), message: /model\.safetensors.*F8_E4M3/ },
  { name: 'data offsets past the data', base: 'single', edit: editSt((h, data) => void (h['model.norm.weight'].data_offsets = [data.length - 4, data.length + 60])), message: /model\.safetensors.*model\.norm\.weight/ },
  { name: 'data offsets that disagree with the shape', base: 'single', edit: editSt((h) => { const [a] = h['model.norm.weight'].data_offsets; h['model.norm.weight'].data_offsets = [a, a + 8]; }), message: /model\.safetensors.*model\.norm\.weight/ },
  { name: 'data truncated', base: 'single', edit: editSt((_h, data) => data.subarray(0, data.length - 100)), message: /model\.safetensors/ },
  { name: 'a tensor the config does not explain', base: 'single', edit: editSt((h, data) => { h['model.layers.9.mlp.up_proj.weight'] = { dtype: 'F32', shape: [1], data_offsets: [data.length, data.length + 4] }; return Buffer.concat([data, Buffer.alloc(4)]); }), message: /model\.safetensors: unexpected tensor 'model\.layers\.9\.mlp\.up_proj\.weight'/ },
];

const SHARD_CASES: Case[] = [
  { name: 'index not JSON', base: 'sharded', edit: writeText('model.safetensors.index.json', '{"weight_map": '), message: /model\.safetensors\.index\.json: not valid JSON/ },
  { name: 'index without weight_map', base: 'sharded', edit: writeText('model.safetensors.index.json', '{"metadata": {}}'), message: /model\.safetensors\.index\.json: missing key 'weight_map'/ },
  { name: 'index with an empty weight_map', base: 'sharded', edit: writeText('model.safetensors.index.json', '{"weight_map": {}}'), message: /model\.safetensors\.index\.json: weight_map is empty/ },
  { name: 'index naming a shard by a path', base: 'sharded', edit: editJson('model.safetensors.index.json', (j) => void ((j.weight_map as Record<string, string>)['model.norm.weight'] = '../outside.safetensors')), message: /model\.safetensors\.index\.json: weight_map\['model\.norm\.weight'\].*not a path/ },
  { name: 'index naming a shard that does not exist', base: 'sharded', edit: editJson('model.safetensors.index.json', (j) => void ((j.weight_map as Record<string, string>)['model.norm.weight'] = 'model-99-of-99.safetensors')), message: /model\.safetensors\.index\.json: lists shard 'model-99-of-99\.safetensors'/ },
  { name: 'index listing a tensor its shard lacks', base: 'sharded', edit: (d) => { const s = firstShard(d); editJson('model.safetensors.index.json', (j) => void ((j.weight_map as Record<string, string>)['model.norm.weight'] = s))(d); }, message: /tensor 'model\.norm\.weight' is listed in model\.safetensors\.index\.json but not stored in this shard/ },
  { name: 'a shard with a header that is not JSON', base: 'sharded', edit: (d) => writeFileSync(join(d, firstShard(d)), Buffer.from([4, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b])), message: /model-.*\.safetensors: safetensors header is not valid JSON/ },
  { name: 'a shard missing a tensor it is indexed for', base: 'sharded', edit: (d) => { const s = firstShard(d); editSt((h) => { for (const k of Object.keys(h)) if (k !== '__metadata__') { delete h[k]; break; } }, s)(d); }, message: /listed in model\.safetensors\.index\.json but not stored in this shard/ },
];

const TOKENIZER_CASES: Case[] = [
  { name: 'tokenizer.json missing', base: 'single', edit: remove('tokenizer.json'), message: /tokenizer\.json/ },
  { name: 'tokenizer.json not JSON', base: 'single', edit: writeText('tokenizer.json', '{"model":'), message: /tokenizer\.json: not valid JSON/ },
  { name: 'tokenizer.json a JSON list', base: 'single', edit: writeText('tokenizer.json', '[]'), message: /tokenizer\.json: expected a JSON object/ },
  { name: 'tokenizer.json without a model', base: 'single', edit: editJson('tokenizer.json', (j) => void delete j.model), message: /tokenizer\.json: missing key 'model'/ },
  { name: 'tokenizer.json added_tokens not a list', base: 'single', edit: editJson('tokenizer.json', (j) => void (j.added_tokens = { a: 1 })), message: /tokenizer\.json: key 'added_tokens': expected a list/ },
  { name: 'tokenizer larger than vocab_size', base: 'single', edit: setConfig('vocab_size', 8), message: /tensor 'model\.embed_tokens\.weight' has shape \[\d+, 16\], expected \[8, 16\] from config\.json/ },
  { name: 'tokenizer_config.json not JSON', base: 'single', edit: writeText('tokenizer_config.json', '{"bos_token": '), message: /tokenizer_config\.json: not valid JSON/ },
  { name: 'tokenizer_config.json chat_template of the wrong type', base: 'single', edit: editJson('tokenizer_config.json', (j) => void (j.chat_template = 42)), message: /tokenizer_config\.json: key 'chat_template'/ },
];

const CASES = [...CONFIG_CASES, ...WEIGHT_CASES, ...SHARD_CASES, ...TOKENIZER_CASES];

describe('malformed model folders', () => {
  it(`has a broad table (${CASES.length} cases)`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  CASES.forEach((c, i) => {
    it(`${c.name}: refused when registered and when a run names it; nothing changes`, async () => {
      const dir = join(scratch.dir, `case-${i}`);
      cpSync(c.base === 'single' ? single : sharded, dir, { recursive: true });
      c.edit(dir);
      const { store, handlers } = tb.backend;
      const before = snapshot(store, [tb.dir, dir]);

      const added = await handlers.addModel(dir).then(() => null, (e: Error) => e);
      expect(added, `${c.name}: addModel accepted it`).toBeInstanceOf(Error);
      expect(added!.message).toMatch(c.message);

      const run = await handlers.createRun({ kind: 'eval', model: dir, tasks: [{ task: 'arithmetic' }] }).then(() => null, (e: Error) => e);
      expect(run, `${c.name}: createRun accepted it`).toBeInstanceOf(PreflightError);
      const issue = (run as PreflightError).issues.find((x) => x.path === 'model');
      expect(issue?.message).toMatch(c.message);

      expectUnchanged(store, before, c.name);
    });
  });
});
