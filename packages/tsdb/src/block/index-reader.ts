/**
 * Reads an index file (format v2) with positioned reads through the page cache. Opening checks the
 * header, TOC, symbol table and postings offset table (with their CRCs) and keeps those two tables in
 * memory as raw bytes plus offsets; series entries and postings lists are read when asked for. Postings
 * lists are CRC-checked on every read (as Prometheus does); a series entry is CRC-checked on its first
 * read while its page is cached (the page remembers it, see `FileReader`), so repeated queries do not
 * checksum the same entries again. Every problem is a `corruption` error naming the file and the offset.
 */
import { Labels, compareUtf8 } from '@vigil/model';
import { crc32c } from './crc32c.js';
import { Decbuf, corruption } from './encoding.js';
import { FileReader } from './file-reader.js';
import { PAGE_SIZE, type PageCache } from './page-cache.js';
import { INDEX_FORMAT_V2, INDEX_HEADER_LEN, INDEX_TOC_LEN, MAGIC_INDEX, type IndexTOC } from './index-writer.js';

/** Chunk metas of one series: (mint, maxt, ref) triples. */
export interface SeriesEntry {
  readonly labels: Labels;
  readonly chunks: Float64Array;
}

const EMPTY_POSTINGS = new Uint32Array(0);

/** Series entries are 16-byte aligned: one verification mark per 16 bytes. */
const SERIES_MARK_SHIFT = 4;
/** A series entry's length uvarint takes at most this many bytes (entries are far below 2^35 bytes). */
const SERIES_LEN_BYTES = 5;

export interface IndexReaderOptions {
  /** The page cache to read through; the process-wide shared one by default. */
  readonly cache?: PageCache;
}

/**
 * A growable list of chunk metas, `(mint, maxt, ref)` triples in one `Float64Array`, that the queriers
 * fill for many series at once instead of allocating an array per series, with the time range they are
 * collected for (kept here rather than passed per call: numbers passed to a call are boxed). `arr` is
 * replaced when it grows; ranges handed out before stay valid in the array they were read from.
 */
export class ChunkMetaList {
  arr: Float64Array;
  len = 0;
  /** Only chunks overlapping [mint, maxt] are collected. */
  readonly mint: number;
  readonly maxt: number;

  constructor(mint: number, maxt: number, capacity = 3 * 1024) {
    this.mint = mint;
    this.maxt = maxt;
    this.arr = new Float64Array(capacity);
  }

  /** Makes room for `n` more numbers. */
  ensure(n: number): void {
    if (this.len + n <= this.arr.length) return;
    const next = new Float64Array(Math.max(this.arr.length * 2, this.len + n));
    next.set(this.arr.subarray(0, this.len));
    this.arr = next;
  }
}

interface NameEntries {
  /** Index of the name's first entry in the postings offset table, and one past its last. */
  readonly from: number;
  readonly to: number;
}

export class IndexReader {
  readonly path: string;
  readonly toc: IndexTOC;
  private readonly f: FileReader;
  /** Symbol table bytes and the start of each symbol's uvarint length in them. */
  private readonly symBytes: Buffer;
  private readonly symOffsets: Uint32Array;
  private readonly symCache: (string | undefined)[];
  /** Postings offset table bytes; per entry: value start/end in `ptBytes`, postings list offset in the file. */
  private readonly ptBytes: Buffer;
  private readonly ptValueStart: Uint32Array;
  private readonly ptValueEnd: Uint32Array;
  private readonly ptOffset: Float64Array;
  private readonly names = new Map<string, NameEntries>();
  private readonly sortedNames: string[];

  private readonly d: Decbuf;
  private labelRefs = new Uint32Array(64);

  constructor(path: string, options: IndexReaderOptions = {}) {
    this.path = path;
    this.d = new Decbuf(Buffer.alloc(0), path);
    this.f = new FileReader(path, { cache: options.cache, markShift: SERIES_MARK_SHIFT });
    try {
      const f = this.f;
      if (f.size < INDEX_HEADER_LEN + INDEX_TOC_LEN) throw corruption(path, 0, `index file too short (${f.size} bytes)`);
      const h = f.read(0, INDEX_HEADER_LEN, 'index header');
      const magic = h.readUInt32BE(0);
      if (magic !== MAGIC_INDEX) throw corruption(path, 0, `invalid magic number 0x${magic.toString(16)} (want 0xbaaad700)`);
      if (h[4] !== INDEX_FORMAT_V2) throw corruption(path, 4, `unsupported index format version ${h[4]} (want 2)`);
      this.toc = this.readTOC();
      ({ bytes: this.symBytes, offsets: this.symOffsets } = this.readSymbols());
      this.symCache = new Array<string | undefined>(this.symOffsets.length);
      const pt = this.readPostingsTable();
      this.ptBytes = pt.bytes;
      this.ptValueStart = pt.valueStart;
      this.ptValueEnd = pt.valueEnd;
      this.ptOffset = pt.offset;
      this.sortedNames = [...this.names.keys()].filter((n) => n !== '');
    } catch (e) {
      this.f.close();
      throw e;
    }
  }

  get size(): number {
    return this.f.size;
  }

  close(): void {
    this.f.close();
  }

  private readTOC(): IndexTOC {
    const f = this.f;
    const at = f.size - INDEX_TOC_LEN;
    const b = f.read(at, INDEX_TOC_LEN, 'TOC');
    const want = b.readUInt32BE(48);
    const got = crc32c(b, 0, 48);
    if (want !== got) throw corruption(this.path, at, `TOC checksum mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    const d = new Decbuf(b, this.path, at);
    const toc: IndexTOC = {
      symbols: d.be64(),
      series: d.be64(),
      labelIndices: d.be64(),
      labelIndicesTable: d.be64(),
      postings: d.be64(),
      postingsTable: d.be64(),
    };
    for (const [k, v] of Object.entries(toc)) {
      if (v > at) throw corruption(this.path, at, `TOC entry ${k} points past the TOC (${v} > ${at})`);
    }
    return toc;
  }

  /** Reads a `len <4b> | body | CRC <4b>` section at `off`, checks its CRC, returns the body. */
  private readSection(off: number, what: string): Buffer {
    const len = this.f.read(off, 4, `${what} length`).readUInt32BE(0);
    if (off + 4 + len + 4 > this.f.size) {
      throw corruption(this.path, off, `${what} of ${len} bytes runs past the end of the file (size ${this.f.size})`);
    }
    const all = this.f.read(off + 4, len + 4, what);
    const want = all.readUInt32BE(len);
    const got = crc32c(all, 0, len);
    if (want !== got) throw corruption(this.path, off, `${what} checksum mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    // Copy out of the page cache: these tables live as long as the reader.
    return Buffer.from(all.subarray(0, len));
  }

  private readSymbols(): { bytes: Buffer; offsets: Uint32Array } {
    const base = this.toc.symbols;
    if (base === 0) return { bytes: Buffer.alloc(0), offsets: new Uint32Array(0) };
    const bytes = this.readSection(base, 'symbol table');
    const d = new Decbuf(bytes, this.path, base + 4);
    const n = d.be32();
    if (n > bytes.length) throw corruption(this.path, base + 4, `symbol count ${n} exceeds the table size`);
    const offsets = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      offsets[i] = d.pos;
      const len = d.uvarint();
      d.skip(len);
    }
    return { bytes, offsets };
  }

  private readPostingsTable(): { bytes: Buffer; valueStart: Uint32Array; valueEnd: Uint32Array; offset: Float64Array } {
    const base = this.toc.postingsTable;
    if (base === 0) {
      return { bytes: Buffer.alloc(0), valueStart: new Uint32Array(0), valueEnd: new Uint32Array(0), offset: new Float64Array(0) };
    }
    const bytes = this.readSection(base, 'postings offset table');
    const d = new Decbuf(bytes, this.path, base + 4);
    const n = d.be32();
    if (n > bytes.length) throw corruption(this.path, base + 4, `postings offset table count ${n} exceeds its size`);
    const valueStart = new Uint32Array(n);
    const valueEnd = new Uint32Array(n);
    const offset = new Float64Array(n);
    let curName: string | undefined;
    let curFrom = 0;
    let prevNameStart = -1;
    let prevNameEnd = -1;
    for (let i = 0; i < n; i++) {
      const entryAt = d.offset;
      const keys = d.uvarint();
      if (keys !== 2) throw corruption(this.path, entryAt, `postings offset table entry has ${keys} keys (want 2)`);
      const nlen = d.uvarint();
      const ns = d.pos;
      d.skip(nlen);
      const vlen = d.uvarint();
      valueStart[i] = d.pos;
      d.skip(vlen);
      valueEnd[i] = d.pos;
      offset[i] = d.uvarint();
      if (offset[i] >= this.f.size) throw corruption(this.path, entryAt, `postings offset ${offset[i]} points past the end of the file`);
      // Names come in runs; decode each name once.
      if (prevNameStart < 0 || nlen !== prevNameEnd - prevNameStart || bytes.compare(bytes, ns, ns + nlen, prevNameStart, prevNameEnd) !== 0) {
        if (curName !== undefined) this.names.set(curName, { from: curFrom, to: i });
        curName = bytes.toString('utf8', ns, ns + nlen);
        if (this.names.has(curName)) throw corruption(this.path, entryAt, `postings offset table is not sorted: name ${JSON.stringify(curName)} appears twice`);
        curFrom = i;
        prevNameStart = ns;
        prevNameEnd = ns + nlen;
      }
    }
    if (curName !== undefined) this.names.set(curName, { from: curFrom, to: n });
    return { bytes, valueStart, valueEnd, offset };
  }

  /** Number of symbols. */
  get symbolCount(): number {
    return this.symOffsets.length;
  }

  /** The symbol with reference `i`. */
  symbol(i: number): string {
    const c = this.symCache[i];
    if (c !== undefined) return c;
    if (i >= this.symOffsets.length) throw corruption(this.path, this.toc.symbols, `symbol reference ${i} out of range (${this.symOffsets.length} symbols)`);
    const d = new Decbuf(this.symBytes, this.path, this.toc.symbols + 4, this.symOffsets[i]);
    const s = d.uvarintStr();
    this.symCache[i] = s;
    return s;
  }

  /** Every symbol, in order. */
  *symbols(): IterableIterator<string> {
    for (let i = 0; i < this.symOffsets.length; i++) yield this.symbol(i);
  }

  /** Label names of the block, sorted. */
  labelNames(): string[] {
    return this.sortedNames.slice();
  }

  /** Values of label `name`, sorted (empty when the name is unknown). */
  labelValues(name: string): string[] {
    const e = this.names.get(name);
    if (e === undefined) return [];
    const out: string[] = new Array(e.to - e.from);
    for (let i = e.from; i < e.to; i++) out[i - e.from] = this.ptBytes.toString('utf8', this.ptValueStart[i], this.ptValueEnd[i]);
    return out;
  }

  /** Number of distinct values of `name`. */
  labelValueCount(name: string): number {
    const e = this.names.get(name);
    return e === undefined ? 0 : e.to - e.from;
  }

  private findValue(e: NameEntries, value: Buffer): number {
    let lo = e.from;
    let hi = e.to - 1;
    const b = this.ptBytes;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = b.compare(value, 0, value.length, this.ptValueStart[mid], this.ptValueEnd[mid]);
      // c compares table[mid] with value.
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Series IDs with label `name="value"`, ascending (empty when absent). */
  postings(name: string, value: string): Uint32Array {
    const e = this.names.get(name);
    if (e === undefined) return EMPTY_POSTINGS;
    const i = this.findValue(e, Buffer.from(value, 'utf8'));
    return i < 0 ? EMPTY_POSTINGS : this.readPostings(this.ptOffset[i]);
  }

  /** Every series ID of the block. */
  allPostings(): Uint32Array {
    return this.postings('', '');
  }

  /** Postings lists of the values of `name` that satisfy `keep`. */
  postingsMatching(name: string, keep: (value: string) => boolean): Uint32Array[] {
    const e = this.names.get(name);
    if (e === undefined) return [];
    const out: Uint32Array[] = [];
    for (let i = e.from; i < e.to; i++) {
      const v = this.ptBytes.toString('utf8', this.ptValueStart[i], this.ptValueEnd[i]);
      if (keep(v)) out.push(this.readPostings(this.ptOffset[i]));
    }
    return out;
  }

  /** Reads the postings list at file offset `off`. */
  readPostings(off: number): Uint32Array {
    const f = this.f;
    const len = f.read(off, 4, 'postings list length').readUInt32BE(0);
    if (len < 4 || off + 8 + len > f.size) throw corruption(this.path, off, `postings list of ${len} bytes does not fit in the file (size ${f.size})`);
    f.locate(off + 4, len + 4, 'postings list');
    const b = f.located;
    const p = f.locatedOffset;
    const want = b.readUInt32BE(p + len);
    const got = crc32c(b, p, p + len);
    if (want !== got) throw corruption(this.path, off, `postings list checksum mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    const n = b.readUInt32BE(p);
    if (4 + 4 * n !== len) throw corruption(this.path, off, `postings list announces ${n} entries in ${len} bytes`);
    const out = new Uint32Array(n);
    let prev = -1;
    for (let i = 0, q = p + 4; i < n; i++, q += 4) {
      const id = ((b[q] << 24) | (b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3]) >>> 0;
      if (id <= prev) throw corruption(this.path, off + 8 + 4 * i, `postings list is not strictly ascending (${id} after ${prev})`);
      out[i] = id;
      prev = id;
    }
    return out;
  }

  /**
   * Finds series `id`'s entry and checks its CRC (once per stay of its page in the cache); afterwards
   * the reader's cursor `d` spans the entry's body.
   */
  private locateSeries(id: number): void {
    const off = id * 16;
    const f = this.f;
    if (off < this.toc.series || off >= f.size - INDEX_TOC_LEN) {
      throw corruption(this.path, off, `series reference ${id} points outside the index's series section`);
    }
    const lenBytes = Math.min(SERIES_LEN_BYTES, f.size - off);
    f.locate(off, lenBytes, 'series entry length');
    const d = this.d;
    d.reset(f.located, off - f.locatedOffset, f.locatedOffset, f.locatedOffset + lenBytes);
    const len = d.uvarint();
    const start = d.offset;
    if (start + len + 4 > f.size) throw corruption(this.path, off, `series entry of ${len} bytes runs past the end of the file`);
    f.locate(start, len + 4, 'series entry');
    const b = f.located;
    const p = f.locatedOffset;
    const page = f.locatedPage;
    // A mark lives with the page of the entry's start: only entries wholly in that page are marked.
    const markable = page >= 0 && Math.floor(off / PAGE_SIZE) === page;
    if (!markable || !f.isVerified(off)) {
      const want = b.readUInt32BE(p + len);
      const got = crc32c(b, p, p + len);
      if (want !== got) throw corruption(this.path, off, `series entry checksum mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
      if (markable) f.markVerified(off);
    }
    d.reset(b, start - p, p, p + len);
  }

  /** Decodes the labels of the entry under the cursor (which must be at its start). */
  private decodeLabels(): Labels {
    const d = this.d;
    const at = d.offset;
    const n = d.uvarint();
    if (n > d.remaining) throw corruption(this.path, at, `series entry announces ${n} labels in ${d.remaining} bytes`);
    const flat: string[] = new Array(2 * n);
    for (let i = 0; i < 2 * n; i += 2) {
      flat[i] = this.symbol(d.uvarint());
      flat[i + 1] = this.symbol(d.uvarint());
      if (i > 0 && compareUtf8(flat[i], flat[i - 2]) <= 0) throw corruption(this.path, at, `series entry labels are not sorted (${flat[i]} after ${flat[i - 2]})`);
    }
    return Labels.fromSortedFlat(flat);
  }

  /** Reads the chunk count under the cursor and checks it against the bytes left. */
  private chunkCount(): number {
    const d = this.d;
    const at = d.offset;
    const k = d.uvarint();
    if (k > d.remaining) throw corruption(this.path, at, `series entry announces ${k} chunks in ${d.remaining} bytes`);
    return k;
  }

  /** The series with ID `id` (its offset / 16): labels and chunk metas. */
  series(id: number): SeriesEntry {
    this.locateSeries(id);
    const labels = this.decodeLabels();
    const d = this.d;
    const k = this.chunkCount();
    const chunks = new Float64Array(3 * k);
    if (k > 0) {
      let mint = d.varint();
      let maxt = mint + d.uvarint();
      let ref = d.uvarint();
      chunks[0] = mint;
      chunks[1] = maxt;
      chunks[2] = ref;
      for (let i = 1; i < k; i++) {
        mint = maxt + d.uvarint();
        maxt = mint + d.uvarint();
        ref += d.varint();
        chunks[3 * i] = mint;
        chunks[3 * i + 1] = maxt;
        chunks[3 * i + 2] = ref;
      }
    }
    return { labels, chunks };
  }

  /**
   * Series `id` for a query over `out`'s range: appends the `(mint, maxt, ref)` of its chunks that
   * overlap the range to `out` and returns its labels; returns undefined (and appends nothing) when no
   * chunk overlaps. Labels are decoded only for series that have data in range.
   */
  seriesInRange(id: number, out: ChunkMetaList): Labels | undefined {
    const mint = out.mint;
    const maxt = out.maxt;
    this.locateSeries(id);
    const d = this.d;
    // The label refs first (kept, not looked up yet), then the chunks.
    const at = d.offset;
    const n = d.uvarint();
    if (n > d.remaining) throw corruption(this.path, at, `series entry announces ${n} labels in ${d.remaining} bytes`);
    if (2 * n > this.labelRefs.length) this.labelRefs = new Uint32Array(Math.max(2 * n, 2 * this.labelRefs.length));
    const refs = this.labelRefs;
    for (let i = 0; i < 2 * n; i++) refs[i] = d.uvarint();
    const k = this.chunkCount();
    const start = out.len;
    if (k > 0) {
      out.ensure(3 * k);
      const arr = out.arr;
      let len = start;
      let cmint = d.varint();
      let cmaxt = cmint + d.uvarint();
      let ref = d.uvarint();
      for (let i = 0; ; ) {
        if (cmaxt >= mint && cmint <= maxt) {
          arr[len] = cmint;
          arr[len + 1] = cmaxt;
          arr[len + 2] = ref;
          len += 3;
        }
        if (++i >= k || cmint > maxt) break;
        cmint = cmaxt + d.uvarint();
        cmaxt = cmint + d.uvarint();
        ref += d.varint();
      }
      out.len = len;
    }
    if (out.len === start) return undefined;
    const flat: string[] = new Array(2 * n);
    for (let i = 0; i < 2 * n; i += 2) {
      flat[i] = this.symbol(refs[i]);
      flat[i + 1] = this.symbol(refs[i + 1]);
      if (i > 0 && compareUtf8(flat[i], flat[i - 2]) <= 0) {
        throw corruption(this.path, at, `series entry labels are not sorted (${flat[i]} after ${flat[i - 2]})`);
      }
    }
    return Labels.fromSortedFlat(flat);
  }

}
