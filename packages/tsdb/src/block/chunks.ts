/**
 * Chunk segment files (`chunks/000001`, ...): an 8-byte header (magic 0x85BD40DD, version 1, padding) then
 * chunks, each `len <uvarint> | encoding <1b> | data | CRC32-C(encoding, data) <4b>`. A chunk is addressed
 * by a reference: segment sequence (0 for the first file) in the upper 32 bits, byte offset in the lower.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/model';
import { crc32c } from './crc32c.js';
import { Decbuf, Encbuf, corruption } from './encoding.js';
import { FileReader } from './file-reader.js';
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

/** Reads chunks of a block's `chunks/` directory by reference, with positioned reads. */
export class ChunkReader {
  readonly dir: string;
  private readonly files: FileReader[] = [];
  /** Total size of the segment files in bytes. */
  readonly size: number;

  /** Opens every segment and checks its header; a bad header is a corruption error naming the file. */
  constructor(dir: string) {
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
        const f = new FileReader(path, 1 << 20);
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

  /** The chunk at `ref`; a bad reference, length or checksum is a corruption error with file and offset. */
  chunk(ref: number): RawChunk {
    const seq = Math.floor(ref / TWO_32);
    const off = ref - seq * TWO_32;
    const f = this.files[seq];
    if (f === undefined) {
      throw new VigilError('corruption', `chunk reference ${ref} points to segment ${seq}, but ${JSON.stringify(this.dir)} has ${this.files.length} segment files`);
    }
    if (off < SEGMENT_HEADER_SIZE || off >= f.size) {
      throw corruption(f.path, off, `chunk reference ${ref} points outside the segment (size ${f.size})`);
    }
    const head = f.readUpTo(off, 11);
    const d = new Decbuf(head, f.path, off);
    const len = d.uvarint();
    const encoding = d.byte();
    const dataStart = off + d.pos;
    if (dataStart + len + 4 > f.size) {
      throw corruption(f.path, off, `chunk of ${len} bytes runs past the end of the segment (size ${f.size})`);
    }
    const all = f.read(dataStart - 1, len + 5, 'chunk');
    const want = all.readUInt32BE(len + 1);
    const got = crc32c(all, 0, len + 1);
    if (want !== got) {
      throw corruption(f.path, off, `chunk checksum mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    }
    const data = new Uint8Array(len);
    data.set(all.subarray(1, len + 1));
    return { encoding, data };
  }

  close(): void {
    for (const f of this.files) f.close();
    this.files.length = 0;
  }
}
