/**
 * Writes an index file (format v2): symbols, series (16-byte aligned, ID = offset / 16) with their chunk
 * metas, label indices, postings (the all-series list under the empty name/value first), label offset
 * table, postings offset table, TOC. Every section carries a CRC32-C. Layout and alignment follow the
 * format spec (`tsdb-format/index.md`) and what Prometheus writes, so that Prometheus reads our blocks.
 */
import { Labels, VigilError, compareUtf8 } from '@vigil/model';
import { crc32c } from './crc32c.js';
import { Encbuf } from './encoding.js';
import { BufferedFileWriter } from './fsutil.js';

export const MAGIC_INDEX = 0xbaaad700;
export const INDEX_FORMAT_V2 = 2;
export const INDEX_HEADER_LEN = 5;
export const INDEX_TOC_LEN = 6 * 8 + 4;

export interface IndexTOC {
  symbols: number;
  series: number;
  labelIndices: number;
  labelIndicesTable: number;
  postings: number;
  postingsTable: number;
}

/**
 * Streams an index to `path`. Give it every symbol up front (any order, duplicates allowed), then the
 * series in label order with their chunk metas, then `close()`.
 */
export class IndexWriter {
  private readonly f: BufferedFileWriter;
  private readonly symbolIndex = new Map<string, number>();
  private readonly symbols: string[];
  private readonly buf = new Encbuf(4096);
  private readonly body = new Encbuf(4096);
  private readonly toc: IndexTOC = { symbols: 0, series: 0, labelIndices: 0, labelIndicesTable: 0, postings: 0, postingsTable: 0 };
  /** (name symbol × symbol count + value symbol) → series IDs, ascending. */
  private readonly postings = new Map<number, number[]>();
  private readonly allSeries: number[] = [];
  private lastLabels: Labels | undefined;
  private lastRef = -1;
  private closed = false;

  constructor(path: string, symbols: Iterable<string>) {
    // Prometheus's symbol tables hold the empty string too (the name and value of the all-series postings).
    const set = new Set(symbols);
    set.add('');
    const sorted = [...set].sort(compareUtf8);
    this.symbols = sorted;
    for (let i = 0; i < sorted.length; i++) this.symbolIndex.set(sorted[i], i);
    this.f = new BufferedFileWriter(path);
    try {
      const h = this.buf;
      h.reset();
      h.putBE32(MAGIC_INDEX);
      h.putByte(INDEX_FORMAT_V2);
      this.f.write(h.get());
      this.writeSymbols();
    } catch (e) {
      this.f.abort();
      throw e;
    }
  }

  private writeSymbols(): void {
    this.toc.symbols = this.f.pos;
    const b = this.buf;
    b.reset();
    b.putBE32(0); // length, filled in below
    b.putBE32(this.symbols.length);
    for (const s of this.symbols) b.putUvarintStr(s);
    b.buf.writeUInt32BE(b.len - 4, 0);
    b.putBE32(crc32c(b.buf, 4, b.len));
    this.f.write(b.get());
    this.toc.series = this.f.pos;
  }

  private sym(s: string): number {
    const i = this.symbolIndex.get(s);
    if (i === undefined) throw new VigilError('internal', `index writer: symbol ${JSON.stringify(s)} was not declared`);
    return i;
  }

  /**
   * Adds a series. `metas` holds (mint, maxt, chunk ref) triples for `metas[from..to)`, in time order with
   * ascending refs.
   */
  addSeries(labels: Labels, metas: ArrayLike<number>, from = 0, to = metas.length): number {
    if (this.lastLabels !== undefined) {
      const c = Labels.compare(labels, this.lastLabels);
      if (c <= 0) throw new VigilError('internal', `index writer: series ${labels.toString()} added out of order (after ${this.lastLabels.toString()})`);
    }
    this.lastLabels = labels;
    const pad = (16 - (this.f.pos % 16)) % 16;
    if (pad > 0) this.f.write(ZEROS, 0, pad);
    const id = this.f.pos / 16;
    if (id > 0xffffffff) throw new VigilError('internal', 'index writer: series section exceeds the 64 GiB addressable by 32-bit series IDs');
    const d = this.body;
    d.reset();
    const flat = labels.flat;
    const n = flat.length >> 1;
    d.putUvarint(n);
    const nsym = this.symbols.length;
    for (let i = 0; i < flat.length; i += 2) {
      const ni = this.sym(flat[i]);
      const vi = this.sym(flat[i + 1]);
      d.putUvarint(ni);
      d.putUvarint(vi);
      const key = ni * nsym + vi;
      let list = this.postings.get(key);
      if (list === undefined) {
        list = [];
        this.postings.set(key, list);
      }
      list.push(id);
    }
    this.allSeries.push(id);
    const count = (to - from) / 3;
    d.putUvarint(count);
    if (count > 0) {
      let mint = metas[from];
      let maxt = metas[from + 1];
      let ref = metas[from + 2];
      if (ref <= this.lastRef) throw new VigilError('internal', `index writer: chunk references of ${labels.toString()} do not ascend`);
      d.putVarint(mint);
      d.putUvarint(maxt - mint);
      d.putUvarint(ref);
      for (let i = from + 3; i < to; i += 3) {
        const m = metas[i];
        const x = metas[i + 1];
        const r = metas[i + 2];
        if (m <= maxt || x < m || r <= ref) {
          throw new VigilError('internal', `index writer: chunks of ${labels.toString()} overlap or are out of order at [${m}, ${x}]`);
        }
        d.putUvarint(m - maxt);
        d.putUvarint(x - m);
        d.putVarint(r - ref);
        mint = m;
        maxt = x;
        ref = r;
      }
      this.lastRef = ref;
    }
    const b = this.buf;
    b.reset();
    b.putUvarint(d.len);
    this.f.write(b.get());
    this.f.write(d.get());
    b.reset();
    b.putBE32(crc32c(d.buf, 0, d.len));
    this.f.write(b.get());
    return id;
  }

  /** Writes the remaining sections and the TOC, fsyncs and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.finish();
      this.f.close();
    } catch (e) {
      this.f.abort();
      throw e;
    }
  }

  /** Stops after a failure elsewhere: closes the file without finishing it. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.f.abort();
  }

  private finish(): void {
    const nsym = this.symbols.length;
    const keys = [...this.postings.keys()].sort((a, b) => a - b);
    // Label indices: per name, its values' symbol refs.
    this.toc.labelIndices = this.f.pos;
    const labelIndexOffsets: Array<[string, number]> = [];
    for (let i = 0; i < keys.length; ) {
      const name = Math.floor(keys[i] / nsym);
      let j = i;
      while (j < keys.length && Math.floor(keys[j] / nsym) === name) j++;
      this.padTo4();
      labelIndexOffsets.push([this.symbols[name], this.f.pos]);
      const b = this.buf;
      b.reset();
      b.putBE32(0);
      b.putBE32(1);
      b.putBE32(j - i);
      for (let k = i; k < j; k++) b.putBE32(keys[k] - name * nsym);
      b.buf.writeUInt32BE(b.len - 4, 0);
      b.putBE32(crc32c(b.buf, 4, b.len));
      this.f.write(b.get());
      i = j;
    }
    // Postings: the all-series list first, then one list per label pair in (name, value) order.
    this.toc.postings = this.f.pos;
    const postingOffsets: number[] = [];
    this.writePostingsList(this.allSeries, postingOffsets);
    for (const k of keys) this.writePostingsList(this.postings.get(k)!, postingOffsets);
    // Label offset table.
    this.toc.labelIndicesTable = this.f.pos;
    {
      const b = this.buf;
      b.reset();
      b.putBE32(0);
      b.putBE32(labelIndexOffsets.length);
      for (const [name, off] of labelIndexOffsets) {
        b.putUvarint(1);
        b.putUvarintStr(name);
        b.putUvarint(off);
      }
      b.buf.writeUInt32BE(b.len - 4, 0);
      b.putBE32(crc32c(b.buf, 4, b.len));
      this.f.write(b.get());
    }
    // Postings offset table.
    this.toc.postingsTable = this.f.pos;
    {
      const b = this.buf;
      b.reset();
      b.putBE32(0);
      b.putBE32(keys.length + 1);
      b.putUvarint(2);
      b.putUvarintStr('');
      b.putUvarintStr('');
      b.putUvarint(postingOffsets[0]);
      for (let i = 0; i < keys.length; i++) {
        const name = Math.floor(keys[i] / nsym);
        b.putUvarint(2);
        b.putUvarintStr(this.symbols[name]);
        b.putUvarintStr(this.symbols[keys[i] - name * nsym]);
        b.putUvarint(postingOffsets[i + 1]);
      }
      b.buf.writeUInt32BE(b.len - 4, 0);
      b.putBE32(crc32c(b.buf, 4, b.len));
      this.f.write(b.get());
    }
    // TOC.
    const b = this.buf;
    b.reset();
    b.putBE64(this.toc.symbols);
    b.putBE64(this.toc.series);
    b.putBE64(this.toc.labelIndices);
    b.putBE64(this.toc.labelIndicesTable);
    b.putBE64(this.toc.postings);
    b.putBE64(this.toc.postingsTable);
    b.putBE32(crc32c(b.buf, 0, b.len));
    this.f.write(b.get());
  }

  private padTo4(): void {
    const pad = (4 - (this.f.pos % 4)) % 4;
    if (pad > 0) this.f.write(ZEROS, 0, pad);
  }

  private writePostingsList(ids: readonly number[], offsets: number[]): void {
    this.padTo4();
    offsets.push(this.f.pos);
    const b = this.buf;
    b.reset();
    b.putBE32(4 + 4 * ids.length);
    b.putBE32(ids.length);
    for (const id of ids) b.putBE32(id);
    b.putBE32(crc32c(b.buf, 4, b.len));
    this.f.write(b.get());
  }
}

const ZEROS = new Uint8Array(16);

