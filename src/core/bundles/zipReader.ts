/**
 * A defensive .zip reader for bundles (PKWARE APPNOTE 6.3). It reads the central directory
 * (zip64 included) with positioned reads, so nothing is inflated before every name and size
 * has been checked, and it streams one entry at a time through fflate's Inflate while counting
 * the output: an entry that inflates past its declared size (a zip bomb), has a bad CRC-32,
 * overlaps another entry, is encrypted, or uses a method other than store/deflate is refused.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { Inflate } from 'fflate';
import { METHOD_DEFLATE, METHOD_STORE } from './zipWriter';

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Largest central directory read into memory (≈ 1 M entries of typical names). */
const MAX_CENTRAL_DIRECTORY = 64 << 20;
const READ_CHUNK = 1 << 16;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedBytes: number;
  /** Uncompressed size as declared by the central directory. */
  bytes: number;
  localOffset: number;
  /** Unix file type bits when the entry was made on Unix, else 0. */
  unixType: number;
  isDirectory: boolean;
}

export class ZipFormatError extends Error {}

const fail = (msg: string): never => {
  throw new ZipFormatError(msg);
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ZipReader {
  private dataStart = new Map<ZipEntry, number>();

  private constructor(private readonly fh: FileHandle, readonly file: string, readonly size: number, readonly entries: ZipEntry[]) {}

  /** Open `file` and read its central directory (no entry data yet). */
  static async open(file: string, opts: { maxEntries?: number } = {}): Promise<ZipReader> {
    const fh = await open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const entries = await readCentralDirectory(fh, size, opts.maxEntries ?? 100_000);
      return new ZipReader(fh, file, size, entries);
    } catch (err) {
      await fh.close();
      if (err instanceof ZipFormatError) throw new ZipFormatError(`${file} is not a readable zip: ${err.message}`);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  private async read(pos: number, len: number): Promise<Buffer> {
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, pos + got);
      if (bytesRead === 0) fail(`unexpected end of file at byte ${pos + got}`);
      got += bytesRead;
    }
    return buf;
  }

  /** Check every entry's local header against the central directory, and that no two
   * entries' data overlap (overlapping entries are a classic zip-bomb construction). */
  async checkLayout(): Promise<void> {
    const sorted = [...this.entries].sort((a, b) => a.localOffset - b.localOffset);
    let prevEnd = 0;
    let prevName = '';
    for (const e of sorted) {
      if (e.localOffset < prevEnd) fail(`entries '${prevName}' and '${e.name}' overlap`);
      const h = await this.read(e.localOffset, 30);
      if (h.readUInt32LE(0) !== 0x04034b50) fail(`no local header for '${e.name}' at byte ${e.localOffset}`);
      const nameLen = h.readUInt16LE(26);
      const extraLen = h.readUInt16LE(28);
      const name = await this.read(e.localOffset + 30, nameLen);
      if (decodeName(name, h.readUInt16LE(6)) !== e.name) fail(`local header name differs from the directory for '${e.name}'`);
      const start = e.localOffset + 30 + nameLen + extraLen;
      const end = start + e.compressedBytes;
      if (end > this.size) fail(`data of '${e.name}' runs past the end of the file`);
      this.dataStart.set(e, start);
      prevEnd = end;
      prevName = e.name;
    }
  }

  /** Stream one entry's uncompressed bytes to `sink`, refusing more than its declared size or
   * a CRC mismatch. checkLayout() must have run. */
  async extract(e: ZipEntry, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
    const start = this.dataStart.get(e);
    if (start === undefined) throw new Error(`zip layout of '${e.name}' was not checked`);
    let out = 0;
    let crc = 0;
    const ready: Uint8Array[] = [];
    const take = (chunk: Uint8Array) => {
      out += chunk.length;
      if (out > e.bytes) fail(`'${e.name}' inflates to more than its declared ${e.bytes} bytes`);
      crc = crc32(chunk, crc);
      ready.push(chunk);
    };
    const inflate = e.method === METHOD_DEFLATE ? new Inflate((chunk) => take(chunk)) : null;
    for (let pos = 0; pos < e.compressedBytes || (pos === 0 && inflate); ) {
      const n = Math.min(READ_CHUNK, e.compressedBytes - pos);
      const chunk = n > 0 ? await this.read(start + pos, n) : new Uint8Array(0);
      pos += n;
      const last = pos >= e.compressedBytes;
      try {
        if (inflate) inflate.push(chunk, last);
        else take(chunk);
      } catch (err) {
        if (err instanceof ZipFormatError) throw err;
        fail(`'${e.name}' does not inflate: ${(err as Error).message}`);
      }
      for (const c of ready.splice(0)) if (c.length) await sink(c);
      if (last) break;
    }
    if (out !== e.bytes) fail(`'${e.name}' holds ${out} bytes, not the declared ${e.bytes}`);
    if (crc >>> 0 !== e.crc) fail(`'${e.name}' fails its CRC-32 check (the zip is damaged)`);
  }

  /** A whole (small) entry in memory. */
  async readAll(e: ZipEntry): Promise<Uint8Array> {
    const buf = new Uint8Array(e.bytes);
    let at = 0;
    await this.extract(e, (c) => {
      buf.set(c, at);
      at += c.length;
    });
    return buf;
  }
}

function decodeName(bytes: Uint8Array, flags: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    // Without the UTF-8 flag the name is CP437; Benchtop always writes UTF-8, so this is foreign.
    return fail(`an entry name is not UTF-8${flags & 0x0800 ? '' : ' (legacy code page)'}`);
  }
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  const { bytesRead } = await fh.read(buf, 0, len, pos);
  if (bytesRead !== len) fail('truncated file');
  return buf;
}

async function readCentralDirectory(fh: FileHandle, size: number, maxEntries: number): Promise<ZipEntry[]> {
  if (size < 22) fail('too short');
  // The end record is 22 bytes plus a comment of up to 64 KiB, at the very end.
  const tailLen = Math.min(size, 22 + U16_MAX);
  const tail = await readAt(fh, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50 && i + 22 + tail.readUInt16LE(i + 20) === tailLen) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record');
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) fail('multi-part zips are not supported');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const eocdPos = size - tailLen + eocd;
    if (eocdPos < 20) fail('zip64 locator missing');
    const loc = await readAt(fh, eocdPos - 20, 20);
    if (loc.readUInt32LE(0) !== 0x07064b50) fail('zip64 locator missing');
    const recPos = Number(loc.readBigUInt64LE(8));
    if (recPos + 56 > size) fail('zip64 end record out of range');
    const rec = await readAt(fh, recPos, 56);
    if (rec.readUInt32LE(0) !== 0x06064b50) fail('zip64 end record missing');
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  if (count > maxEntries) fail(`${count} entries (at most ${maxEntries} accepted)`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) fail(`central directory of ${cdSize} bytes is too large`);
  if (cdOffset + cdSize > size) fail('central directory out of range');
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) fail(`central directory entry ${i + 1} is damaged`);
    const madeBy = cd.readUInt16LE(p + 4);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedBytes = cd.readUInt32LE(p + 20);
    let bytes = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const external = cd.readUInt32LE(p + 38);
    let localOffset = cd.readUInt32LE(p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) fail(`central directory entry ${i + 1} is damaged`);
    const name = decodeName(cd.subarray(p + 46, p + 46 + nameLen), flags);
    // Zip64 extended information: present fields follow the order usize, csize, offset.
    if (bytes === U32_MAX || compressedBytes === U32_MAX || localOffset === U32_MAX) {
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      let found = false;
      while (x + 4 <= xEnd) {
        const tag = cd.readUInt16LE(x);
        const len = cd.readUInt16LE(x + 2);
        if (tag === 0x0001) {
          let q = x + 4;
          const need = (bytes === U32_MAX ? 8 : 0) + (compressedBytes === U32_MAX ? 8 : 0) + (localOffset === U32_MAX ? 8 : 0);
          if (len < need) fail(`zip64 field of '${name}' is too short`);
          if (bytes === U32_MAX) (bytes = Number(cd.readBigUInt64LE(q))), (q += 8);
          if (compressedBytes === U32_MAX) (compressedBytes = Number(cd.readBigUInt64LE(q))), (q += 8);
          if (localOffset === U32_MAX) localOffset = Number(cd.readBigUInt64LE(q));
          found = true;
          break;
        }
        x += 4 + len;
      }
      if (!found) fail(`'${name}' lacks its zip64 sizes`);
    }
    if (flags & 0x0001) fail(`'${name}' is encrypted`);
    if (method !== METHOD_STORE && method !== METHOD_DEFLATE) fail(`'${name}' uses compression method ${method} (only store and deflate are read)`);
    if (method === METHOD_STORE && compressedBytes !== bytes) fail(`stored entry '${name}' has differing sizes`);
    const unixType = madeBy >> 8 === 3 ? (external >>> 16) & S_IFMT : 0;
    entries.push({
      name,
      method,
      flags,
      crc,
      compressedBytes,
      bytes,
      localOffset,
      unixType,
      isDirectory: name.endsWith('/') || unixType === S_IFDIR,
    });
    p = end;
  }
  return entries;
}

export const isSymlinkEntry = (e: ZipEntry): boolean => e.unixType === S_IFLNK;
