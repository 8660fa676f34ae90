/**
 * A streaming .zip writer (PKWARE APPNOTE 6.3): entries are written one after another straight
 * to a file, so a bundle with multi-GB model weights never sits in memory. Deflate comes from
 * fflate; the container is written here because fflate's writer keeps sizes and offsets in
 * 32 bits, and weight files and whole bundles pass 4 GB. Zip64 records are used only where a
 * size or offset needs them. Each entry's CRC-32, sha256 and sizes are computed while it is
 * written, and the local header is patched in place afterwards (no data descriptors).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { Deflate } from 'fflate';

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Entries whose size reaches this get zip64 local headers: deflate output of a file below it
 * cannot pass 4 GB (worst-case expansion is ~0.03 %). */
const ZIP64_ENTRY_THRESHOLD = 0xf0000000;
const FLAG_UTF8 = 0x0800;
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
/** "Made by" Unix (3) so the external attributes below mean Unix file modes. */
const MADE_BY_UNIX = 3 << 8;
const REGULAR_FILE_MODE = 0o100644;

export interface WrittenEntry {
  name: string;
  method: number;
  crc: number;
  /** Uncompressed size. */
  bytes: number;
  compressedBytes: number;
  sha256: string;
  offset: number;
  zip64: boolean;
}

export interface ZipWriterOptions {
  /** Deflate level 1–9 (default 6). */
  level?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /** Write zip64 records for every entry and the end record even when not needed (tests). */
  forceZip64?: boolean;
}

export type EntrySource = Uint8Array | string | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/** MS-DOS date and time fields (local time, 2-second resolution; years 1980–2107). */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

const encoder = new TextEncoder();
const toBytes = (c: Uint8Array | string): Uint8Array => (typeof c === 'string' ? encoder.encode(c) : c);

async function* chunksOf(src: EntrySource): AsyncIterable<Uint8Array> {
  if (typeof src === 'string' || src instanceof Uint8Array) {
    yield toBytes(src);
    return;
  }
  for await (const c of src as AsyncIterable<Uint8Array | string>) yield toBytes(c);
}

export class ZipWriter {
  private pos = 0;
  private readonly entries: WrittenEntry[] = [];
  private readonly stamp = dosDateTime(new Date());
  private closed = false;

  private constructor(private readonly fh: FileHandle, readonly path: string, private readonly opts: ZipWriterOptions) {}

  /** Create (truncate) `path` and start writing a zip into it. */
  static async create(path: string, opts: ZipWriterOptions = {}): Promise<ZipWriter> {
    return new ZipWriter(await open(path, 'w'), path, opts);
  }

  get written(): readonly WrittenEntry[] {
    return this.entries;
  }

  private async write(buf: Uint8Array): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, off, buf.length - off, this.pos);
      off += bytesWritten;
      this.pos += bytesWritten;
    }
  }

  /** Add one entry. `sizeHint` (the expected uncompressed size, e.g. from stat) decides whether
   * the local header needs zip64 fields; without it the entry must stay under 4 GB. */
  async add(name: string, src: EntrySource, opts: { method: number; sizeHint?: number }): Promise<WrittenEntry> {
    if (this.closed) throw new Error('zip writer is closed');
    const nameBytes = encoder.encode(name);
    if (nameBytes.length > U16_MAX) throw new Error(`zip entry name too long: ${name.slice(0, 80)}…`);
    const zip64 = !!this.opts.forceZip64 || (opts.sizeHint ?? 0) >= ZIP64_ENTRY_THRESHOLD;
    const offset = this.pos;
    const extraLen = zip64 ? 20 : 0;
    const header = new Uint8Array(30 + nameBytes.length + extraLen);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, 0x04034b50, true);
    hv.setUint16(4, zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, true);
    hv.setUint16(6, FLAG_UTF8, true);
    hv.setUint16(8, opts.method, true);
    hv.setUint16(10, this.stamp.time, true);
    hv.setUint16(12, this.stamp.date, true);
    // CRC and sizes (14..25) are patched after the data is written.
    hv.setUint16(26, nameBytes.length, true);
    hv.setUint16(28, extraLen, true);
    header.set(nameBytes, 30);
    if (zip64) {
      hv.setUint16(30 + nameBytes.length, 0x0001, true);
      hv.setUint16(32 + nameBytes.length, 16, true);
    }
    await this.write(header);

    let crc = 0;
    let bytes = 0;
    let compressedBytes = 0;
    const hash = createHash('sha256');
    const pending: Uint8Array[] = [];
    const deflate = opts.method === METHOD_DEFLATE ? new Deflate({ level: this.opts.level ?? 6 }, (chunk) => void pending.push(chunk)) : null;
    if (opts.method !== METHOD_DEFLATE && opts.method !== METHOD_STORE) throw new Error(`unsupported zip method ${opts.method}`);
    const flush = async () => {
      for (const c of pending.splice(0)) {
        compressedBytes += c.length;
        await this.write(c);
      }
    };
    for await (const chunk of chunksOf(src)) {
      if (chunk.length === 0) continue;
      crc = crc32(chunk, crc);
      hash.update(chunk);
      bytes += chunk.length;
      if (deflate) {
        deflate.push(chunk, false);
        await flush();
      } else {
        compressedBytes += chunk.length;
        await this.write(chunk);
      }
    }
    if (deflate) {
      deflate.push(new Uint8Array(0), true);
      await flush();
    }
    if (!zip64 && (bytes >= U32_MAX || compressedBytes >= U32_MAX)) {
      throw new Error(`zip entry '${name}' grew past 4 GB while it was written (expected about ${opts.sizeHint ?? 'less'} bytes)`);
    }

    const patch = new DataView(new ArrayBuffer(12));
    patch.setUint32(0, crc >>> 0, true);
    patch.setUint32(4, zip64 ? U32_MAX : compressedBytes, true);
    patch.setUint32(8, zip64 ? U32_MAX : bytes, true);
    await this.fh.write(new Uint8Array(patch.buffer), 0, 12, offset + 14);
    if (zip64) {
      const z = new DataView(new ArrayBuffer(16));
      z.setBigUint64(0, BigInt(bytes), true);
      z.setBigUint64(8, BigInt(compressedBytes), true);
      await this.fh.write(new Uint8Array(z.buffer), 0, 16, offset + 30 + nameBytes.length + 4);
    }
    const entry: WrittenEntry = { name, method: opts.method, crc: crc >>> 0, bytes, compressedBytes, sha256: hash.digest('hex'), offset, zip64 };
    this.entries.push(entry);
    return entry;
  }

  /** Stream a file from disk into an entry. */
  addFile(name: string, file: string, opts: { method: number; sizeHint: number }): Promise<WrittenEntry> {
    return this.add(name, createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>, opts);
  }

  /** Write the central directory and the end records; returns the zip's total size. */
  async close(): Promise<number> {
    if (this.closed) return this.pos;
    this.closed = true;
    try {
      const cdStart = this.pos;
      for (const e of this.entries) await this.write(this.centralHeader(e));
      const cdSize = this.pos - cdStart;
      const needZip64 = !!this.opts.forceZip64 || this.entries.length >= U16_MAX || cdStart >= U32_MAX || cdSize >= U32_MAX;
      if (needZip64) {
        const z64Pos = this.pos;
        const rec = new DataView(new ArrayBuffer(56 + 20));
        rec.setUint32(0, 0x06064b50, true);
        rec.setBigUint64(4, 44n, true); // size of the rest of this record
        rec.setUint16(12, MADE_BY_UNIX | VERSION_ZIP64, true);
        rec.setUint16(14, VERSION_ZIP64, true);
        // disk numbers (16, 20) stay 0
        rec.setBigUint64(24, BigInt(this.entries.length), true);
        rec.setBigUint64(32, BigInt(this.entries.length), true);
        rec.setBigUint64(40, BigInt(cdSize), true);
        rec.setBigUint64(48, BigInt(cdStart), true);
        // zip64 end of central directory locator
        rec.setUint32(56, 0x07064b50, true);
        rec.setBigUint64(64, BigInt(z64Pos), true);
        rec.setUint32(72, 1, true); // total number of disks
        await this.write(new Uint8Array(rec.buffer));
      }
      const end = new DataView(new ArrayBuffer(22));
      end.setUint32(0, 0x06054b50, true);
      const n = needZip64 ? U16_MAX : this.entries.length;
      end.setUint16(8, n, true);
      end.setUint16(10, n, true);
      end.setUint32(12, needZip64 ? U32_MAX : cdSize, true);
      end.setUint32(16, needZip64 ? U32_MAX : cdStart, true);
      await this.write(new Uint8Array(end.buffer));
      return this.pos;
    } finally {
      await this.fh.close();
    }
  }

  /** Close the file without finishing the zip (the caller deletes it). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  private centralHeader(e: WrittenEntry): Uint8Array {
    const nameBytes = encoder.encode(e.name);
    // A zip64 local header gets zip64 central fields too, so both headers agree.
    const bigSize = e.zip64 || e.bytes >= U32_MAX || e.compressedBytes >= U32_MAX;
    const bigOffset = !!this.opts.forceZip64 || e.offset >= U32_MAX;
    const extraLen = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
    const buf = new Uint8Array(46 + nameBytes.length + extraLen);
    const v = new DataView(buf.buffer);
    const version = extraLen ? VERSION_ZIP64 : VERSION_DEFAULT;
    v.setUint32(0, 0x02014b50, true);
    v.setUint16(4, MADE_BY_UNIX | version, true);
    v.setUint16(6, version, true);
    v.setUint16(8, FLAG_UTF8, true);
    v.setUint16(10, e.method, true);
    v.setUint16(12, this.stamp.time, true);
    v.setUint16(14, this.stamp.date, true);
    v.setUint32(16, e.crc, true);
    v.setUint32(20, bigSize ? U32_MAX : e.compressedBytes, true);
    v.setUint32(24, bigSize ? U32_MAX : e.bytes, true);
    v.setUint16(28, nameBytes.length, true);
    v.setUint16(30, extraLen, true);
    // comment length, disk number, internal attributes stay 0
    v.setUint32(38, (REGULAR_FILE_MODE << 16) >>> 0, true);
    v.setUint32(42, bigOffset ? U32_MAX : e.offset, true);
    buf.set(nameBytes, 46);
    if (extraLen) {
      let p = 46 + nameBytes.length;
      v.setUint16(p, 0x0001, true);
      v.setUint16(p + 2, extraLen - 4, true);
      p += 4;
      // Field order is fixed by the spec: uncompressed, compressed, offset.
      if (bigSize) {
        v.setBigUint64(p, BigInt(e.bytes), true);
        v.setBigUint64(p + 8, BigInt(e.compressedBytes), true);
        p += 16;
      }
      if (bigOffset) v.setBigUint64(p, BigInt(e.offset), true);
    }
    return buf;
  }
}
