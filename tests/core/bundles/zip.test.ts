/**
 * The bundle zip writer and reader, each checked against an independent implementation:
 * fflate's unzipSync reads what ZipWriter writes (zip64 included), ZipReader reads what fflate's
 * zipSync writes, and the reader's zip-bomb / damage checks fire on hand-patched zips.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { ZipReader } from '../../../src/core/bundles/zipReader';
import { METHOD_DEFLATE, METHOD_STORE, ZipWriter } from '../../../src/core/bundles/zipWriter';
import { tempDir } from '../support/backend';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('benchtop-zip-')));
afterEach(() => cleanup());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function readAllWithOurs(file: string): Promise<Record<string, Uint8Array>> {
  const r = await ZipReader.open(file);
  try {
    await r.checkLayout();
    const out: Record<string, Uint8Array> = {};
    for (const e of r.entries) out[e.name] = await r.readAll(e);
    return out;
  } finally {
    await r.close();
  }
}

/** Offsets of the central-directory header and the local header of `name` in a zip buffer. */
function headersOf(buf: Buffer, name: string): { central: number; local: number } {
  for (let p = buf.length - 46; p >= 0; p--) {
    if (buf.readUInt32LE(p) !== 0x02014b50) continue;
    const len = buf.readUInt16LE(p + 28);
    if (buf.toString('utf8', p + 46, p + 46 + len) === name) return { central: p, local: buf.readUInt32LE(p + 42) };
  }
  throw new Error(`no central header for ${name}`);
}

describe('ZipWriter', () => {
  for (const forceZip64 of [false, true]) {
    it(`writes stored and deflated entries that fflate reads back byte for byte${forceZip64 ? ' (zip64 records)' : ''}`, async () => {
      const big = randomBytes(300_000);
      const srcFile = join(dir, 'weights.bin');
      writeFileSync(srcFile, big);
      const text = 'step,value\n' + Array.from({ length: 5000 }, (_, i) => `${i},${Math.sin(i)}\n`).join('');
      const file = join(dir, 'out.zip');
      const w = await ZipWriter.create(file, { forceZip64 });
      const a = await w.add('dir/ünïcode.csv', (function* () {
        for (let i = 0; i < text.length; i += 7000) yield text.slice(i, i + 7000);
      })(), { method: METHOD_DEFLATE });
      const b = await w.addFile('model/weights.bin', srcFile, { method: METHOD_STORE, sizeHint: big.length });
      const c = await w.add('empty.txt', '', { method: METHOD_DEFLATE });
      const size = await w.close();
      expect(size).toBe(readFileSync(file).length);
      expect(a.sha256).toBe(sha(strToU8(text)));
      expect(b.sha256).toBe(sha(big));
      expect(a.compressedBytes).toBeLessThan(a.bytes / 2);

      const back = unzipSync(readFileSync(file));
      expect(Object.keys(back).sort()).toEqual(['dir/ünïcode.csv', 'empty.txt', 'model/weights.bin']);
      expect(Buffer.from(back['dir/ünïcode.csv']).toString('utf8')).toBe(text);
      expect(Buffer.compare(Buffer.from(back['model/weights.bin']), big)).toBe(0);
      expect(back['empty.txt'].length).toBe(0);
      expect(c.bytes).toBe(0);

      const ours = await readAllWithOurs(file);
      expect(Buffer.from(ours['dir/ünïcode.csv']).toString('utf8')).toBe(text);
      expect(sha(ours['model/weights.bin'])).toBe(sha(big));
    });
  }
});

describe('ZipReader', () => {
  it('reads zips written by fflate (stored and deflated)', async () => {
    const files = { 'a.txt': strToU8('hello '.repeat(1000)), 'b/c.bin': new Uint8Array(randomBytes(50_000)) };
    for (const level of [0, 6] as const) {
      const file = join(dir, `f${level}.zip`);
      writeFileSync(file, zipSync(files, { level }));
      const ours = await readAllWithOurs(file);
      expect(Object.keys(ours).sort()).toEqual(['a.txt', 'b/c.bin']);
      expect(sha(ours['a.txt'])).toBe(sha(files['a.txt']));
      expect(sha(ours['b/c.bin'])).toBe(sha(files['b/c.bin']));
    }
  });

  it('refuses an entry that inflates past its declared size (zip bomb)', async () => {
    const buf = Buffer.from(zipSync({ 'bomb.txt': new Uint8Array(1_000_000) }, { level: 9 }));
    const h = headersOf(buf, 'bomb.txt');
    buf.writeUInt32LE(1000, h.central + 24);
    buf.writeUInt32LE(1000, h.local + 22);
    const file = join(dir, 'bomb.zip');
    writeFileSync(file, buf);
    await expect(readAllWithOurs(file)).rejects.toThrow(/'bomb\.txt' inflates to more than its declared 1000 bytes/);
  });

  it('refuses a damaged entry (CRC-32) and entries that share data (overlap)', async () => {
    const buf = Buffer.from(zipSync({ 'a.txt': strToU8('aaaa'), 'b.txt': strToU8('bbbb') }, { level: 0 }));
    const damaged = Buffer.from(buf);
    const a = headersOf(damaged, 'a.txt');
    damaged[a.local + 30 + 5] ^= 1; // first data byte of a.txt (30-byte header + 5-byte name)
    writeFileSync(join(dir, 'crc.zip'), damaged);
    await expect(readAllWithOurs(join(dir, 'crc.zip'))).rejects.toThrow(/'a\.txt' fails its CRC-32 check/);

    const overlap = Buffer.from(buf);
    overlap.writeUInt32LE(headersOf(overlap, 'a.txt').local, headersOf(overlap, 'b.txt').central + 42);
    writeFileSync(join(dir, 'overlap.zip'), overlap);
    await expect(readAllWithOurs(join(dir, 'overlap.zip'))).rejects.toThrow(/overlap/);
  });

  it('says plainly when a file is not a zip', async () => {
    writeFileSync(join(dir, 'not.zip'), 'just text, no zip here');
    await expect(ZipReader.open(join(dir, 'not.zip'))).rejects.toThrow(/not\.zip is not a readable zip: no end-of-central-directory record/);
  });
});
