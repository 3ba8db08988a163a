/**
 * Chunk segment files (`chunks/000001`, ...): an 8-byte header (magic 0x85BD40DD, version 1, padding) then
 * chunks, each `len <uvarint> | encoding <1b> | data | CRC32-C(encoding, data) <4b>`. A chunk is addressed
 * by a reference: segment sequence (0 for the first file) in the upper 32 bits, byte offset in the lower.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/model';
import { crc32c } from './crc32c.js';
import { Encbuf, corruption } from './encoding.js';
import { FileReader } from './file-reader.js';
import { PAGE_SIZE, type PageCache } from './page-cache.js';
import { BufferedFileWriter, fsyncDir } from './fsutil.js';

export const CHUNKS_DIRNAME = 'chunks';
export const MAGIC_CHUNKS = 0x85bd40dd;
export const CHUNKS_FORMAT_V1 = 1;
export const SEGMENT_HEADER_SIZE = 8;
/** Prometheus's default maximum segment size: 512 MiB. */
export const DEFAULT_SEGMENT_SIZE = 512 * 1024 * 1024;
const TWO_32 = 0x100000000;

export function chunkRef(segment: number, offset: number): number {
  return segment * TWO_32 + offset;
}

export function segmentFileName(seq: number): string {
  return String(seq).padStart(6, '0');
}

/** Writes chunks into numbered segment files in `dir`, starting a new file when one would exceed the size. */
export class ChunkWriter {
  readonly dir: string;
  private readonly segmentSize: number;
  private file: BufferedFileWriter | undefined;
  private seq = -1;
  private readonly head = new Encbuf(16);
  private readonly crcBuf = Buffer.allocUnsafe(4);
  /** Total bytes written over all segments. */
  size = 0;

  constructor(dir: string, segmentSize = DEFAULT_SEGMENT_SIZE) {
    this.dir = dir;
    this.segmentSize = segmentSize;
    mkdirSync(dir, { recursive: true });
  }

  private cut(): void {
    this.file?.close();
    this.seq++;
    this.file = new BufferedFileWriter(join(this.dir, segmentFileName(this.seq + 1)));
    const h = Buffer.alloc(SEGMENT_HEADER_SIZE);
    h.writeUInt32BE(MAGIC_CHUNKS, 0);
    h[4] = CHUNKS_FORMAT_V1;
    this.file.write(h);
    this.size += SEGMENT_HEADER_SIZE;
  }

  /** Appends one chunk; returns its reference. */
  write(encoding: number, data: Uint8Array): number {
    this.head.reset();
    this.head.putUvarint(data.length);
    this.head.putByte(encoding);
    const total = this.head.len + data.length + 4;
    if (this.file === undefined || (this.file.pos > SEGMENT_HEADER_SIZE && this.file.pos + total > this.segmentSize)) this.cut();
    const f = this.file!;
    const ref = chunkRef(this.seq, f.pos);
    f.write(this.head.buf, 0, this.head.len);
    f.write(data);
    let crc = crc32c(this.head.buf, this.head.len - 1, this.head.len);
    crc = crc32c(data, 0, data.length, crc);
    this.crcBuf.writeUInt32BE(crc, 0);
    f.write(this.crcBuf);
    this.size += total;
    return ref;
  }

  /** Flushes and fsyncs every segment. */
  close(): void {
    this.file?.close();
    this.file = undefined;
    fsyncDir(this.dir);
  }

  abort(): void {
    this.file?.abort();
    this.file = undefined;
  }
}

export interface RawChunk {
  readonly encoding: number;
  /** A copy of the chunk's data, owned by the caller. */
  readonly data: Uint8Array;
}

export interface ChunkReaderOptions {
  /** The page cache to read the segments through; the process-wide shared one by default. */
  readonly cache?: PageCache;
}

/**
 * Reads chunks of a block's `chunks/` directory by reference, through the page cache.
 *
 * Every chunk's CRC is checked before its bytes are handed out, once per stay of its page in the cache:
 * the offset is marked verified on the page and later reads of it skip the check; bytes read from the
 * file again (after eviction) are checked again. A chunk that spans two pages is copied and checked on
 * every read (rare: chunks are a few hundred bytes, pages 64 KiB).
 */
export class ChunkReader {
  readonly dir: string;
  private readonly files: FileReader[] = [];
  /** Total size of the segment files in bytes. */
  readonly size: number;
  /**
   * Result of `locate`: the chunk's data is `buf[dataStart .. dataStart + dataLength)`, with encoding
   * `encoding`. `buf` is a cached page (or a copy): read it, do not modify it; valid until the next call.
   */
  buf: Uint8Array = new Uint8Array(0);
  dataStart = 0;
  dataLength = 0;
  encoding = 0;

  /** Opens every segment and checks its header; a bad header is a corruption error naming the file. */
  constructor(dir: string, options: ChunkReaderOptions = {}) {
    this.dir = dir;
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /^\d+$/.test(n));
    } catch (e) {
      throw new VigilError('corruption', `cannot list chunk segments in ${JSON.stringify(dir)}: ${(e as Error).message}`, { cause: e });
    }
    names.sort((a, b) => Number(a) - Number(b));
    let size = 0;
    try {
      for (const n of names) {
        const path = join(dir, n);
        if (!statSync(path).isFile()) continue;
        const f = new FileReader(path, { cache: options.cache, markShift: 0 });
        this.files.push(f);
        size += f.size;
        if (f.size < SEGMENT_HEADER_SIZE) throw corruption(path, 0, `segment file too short for its header (${f.size} bytes)`);
        const h = f.read(0, SEGMENT_HEADER_SIZE, 'segment header');
        const magic = h.readUInt32BE(0);
        if (magic !== MAGIC_CHUNKS) throw corruption(path, 0, `invalid magic number 0x${magic.toString(16)} (want 0x85bd40dd)`);
        if (h[4] !== CHUNKS_FORMAT_V1) throw corruption(path, 4, `unknown chunks format version ${h[4]}`);
      }
    } catch (e) {
      this.close();
      throw e;
    }
    this.size = size;
  }

  get segments(): number {
    return this.files.length;
  }

  /**
   * Finds the chunk at `ref` and checks it (see the class comment); afterwards `buf`, `dataStart`,
   * `dataLength` and `encoding` describe it. Allocates nothing when the chunk lies in one cached page.
   * A bad reference, length or checksum is a corruption error with file and offset.
   */
  locate(ref: number): void {
    const seq = Math.floor(ref / TWO_32);
    const off = ref - seq * TWO_32;
    const f = this.files[seq];
    if (f === undefined) {
      throw new VigilError('corruption', `chunk reference ${ref} points to segment ${seq}, but ${JSON.stringify(this.dir)} has ${this.files.length} segment files`);
    }
    if (off < SEGMENT_HEADER_SIZE || off >= f.size) {
      throw corruption(f.path, off, `chunk reference ${ref} points outside the segment (size ${f.size})`);
    }
    // The length's uvarint: at most 5 bytes for any chunk a 32-bit offset can address.
    f.locate(off, Math.min(MAX_LEN_BYTES, f.size - off), 'chunk length');
    let b: Uint8Array = f.located;
    const start = f.locatedOffset;
    let page = f.locatedPage;
    let p = start;
    const lenEnd = p + Math.min(MAX_LEN_BYTES, f.size - off);
    let len = 0;
    let mul = 1;
    for (;;) {
      if (p >= lenEnd) throw corruption(f.path, off, 'chunk length is not a valid uvarint');
      const c = b[p++];
      len += (c & 0x7f) * mul;
      if (c < 0x80) break;
      mul *= 128;
    }
    const encAt = off + (p - start);
    if (encAt + 1 + len + 4 > f.size) {
      throw corruption(f.path, off, `chunk of ${len} bytes runs past the end of the segment (size ${f.size})`);
    }
    // Encoding byte, data and CRC: usually in the same page as the length, else found (or copied) anew.
    if (page < 0 || p + 1 + len + 4 > b.length) {
      f.locate(encAt, len + 5, 'chunk');
      b = f.located;
      p = f.locatedOffset;
      // Marks live with the page that holds the chunk's start, so only a chunk wholly inside that page
      // can be marked: its bytes cannot be re-read without the mark going too.
      page = f.locatedPage >= 0 && Math.floor(off / PAGE_SIZE) === f.locatedPage ? f.locatedPage : -1;
    }
    if (page < 0 || !f.isVerified(off)) {
      const want = ((b[p + len + 1] << 24) | (b[p + len + 2] << 16) | (b[p + len + 3] << 8) | b[p + len + 4]) >>> 0;
      const got = crc32c(b, p, p + len + 1);
      if (want !== got) {
        throw corruption(f.path, off, `chunk checksum mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
      }
      if (page >= 0) f.markVerified(off);
    }
    this.buf = b;
    this.encoding = b[p];
    this.dataStart = p + 1;
    this.dataLength = len;
  }

  /** The chunk at `ref`, as a copy; a bad reference, length or checksum is a corruption error with file and offset. */
  chunk(ref: number): RawChunk {
    this.locate(ref);
    const data = new Uint8Array(this.dataLength);
    data.set(this.buf.subarray(this.dataStart, this.dataStart + this.dataLength));
    return { encoding: this.encoding, data };
  }

  close(): void {
    for (const f of this.files) f.close();
    this.files.length = 0;
  }
}

/** Bytes of a chunk length uvarint for lengths below 2^35 (far beyond a segment). */
const MAX_LEN_BYTES = 5;
