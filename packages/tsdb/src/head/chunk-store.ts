/**
 * Where the head keeps chunk bytes, without one JavaScript object per chunk.
 *
 * Open chunks (one per series, still being appended to) live in size classes: each class is a set of
 * slabs cut into equal slots, a slot is addressed by one small integer, and a chunk moves to the next
 * class when it runs out of room. Closed chunks are copied, exactly sized, into append-only slabs; a slab
 * is let go when the last chunk in it is dropped (queries that still hold it keep it alive), and is never
 * reused, so bytes a reader holds never change under it.
 */

/** Slot sizes: roughly x1.5 steps, from room for a first sample up to 240 worst-case samples. */
const CLASS_SIZES = [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144];
/** Slots per slab, a power of two per class (about 64 KiB of slots for small classes, fewer for big ones). */
const SLAB_SHIFTS = CLASS_SIZES.map((size) => Math.max(4, Math.min(11, Math.floor(Math.log2((64 * 1024) / size)))));
/** Low 24 bits of a slot address are the slot index within its class, the bits above the class. */
const INDEX_BITS = 24;
const INDEX_MASK = (1 << INDEX_BITS) - 1;

/**
 * Hands out slab memory as views into large ArrayBuffers. V8 runs a full GC each time external memory
 * grows by 64 MiB, which costs most with a big heap: reserving memory for the expected size up front
 * (as WAL replay does) takes that cost once, while the heap is still small. Untouched pages of a
 * reservation cost address space, not resident memory.
 */
class SlabSource {
  private buf: ArrayBuffer | null = null;
  private used = 0;

  take(bytes: number): Uint8Array {
    if (this.buf === null || this.used + bytes > this.buf.byteLength) {
      this.buf = new ArrayBuffer(Math.max(bytes, 1 << 20));
      this.used = 0;
    }
    const view = new Uint8Array(this.buf, this.used, bytes);
    this.used += bytes;
    return view;
  }

  /** Makes sure the next `bytes` of slabs come from one allocation made now. */
  reserve(bytes: number): void {
    const free = this.buf === null ? 0 : this.buf.byteLength - this.used;
    if (free >= bytes) return;
    this.buf = new ArrayBuffer(bytes);
    this.used = 0;
  }
}

class SizeClass {
  readonly size: number;
  readonly shift: number;
  readonly mask: number;
  readonly slabs: Uint8Array[] = [];
  private free = new Int32Array(64);
  private nFree = 0;
  private nextFresh = 0;

  private readonly source: SlabSource;

  constructor(size: number, shift: number, source: SlabSource) {
    this.source = source;
    this.size = size;
    this.shift = shift;
    this.mask = (1 << shift) - 1;
  }

  alloc(): number {
    let idx: number;
    if (this.nFree > 0) {
      idx = this.free[--this.nFree];
      const slab = this.slabs[idx >>> this.shift];
      const off = (idx & this.mask) * this.size;
      // Writers need zeroed bytes.
      if (this.size <= 64) for (let i = off, end = off + this.size; i < end; i++) slab[i] = 0;
      else slab.fill(0, off, off + this.size);
    } else {
      idx = this.nextFresh++;
      if (idx > INDEX_MASK) throw new RangeError('head chunk pool exhausted');
      if (idx >>> this.shift >= this.slabs.length) this.slabs.push(this.source.take((this.mask + 1) * this.size));
    }
    return idx;
  }

  release(idx: number): void {
    if (this.nFree === this.free.length) {
      const bigger = new Int32Array(this.free.length * 2);
      bigger.set(this.free);
      this.free = bigger;
    }
    this.free[this.nFree++] = idx;
  }

  get liveSlots(): number {
    return this.nextFresh - this.nFree;
  }
}

/** The slots open chunks are written in. */
export class OpenChunkPool {
  private readonly source = new SlabSource();
  private readonly classes = CLASS_SIZES.map((s, i) => new SizeClass(s, SLAB_SHIFTS[i], this.source));

  /** Sets aside address space for about `bytes` of open chunks (see `SlabSource`). */
  reserve(bytes: number): void {
    this.source.reserve(Math.min(bytes, 4 * 1024 * 1024 * 1024 - 1));
  }

  /** A zeroed slot of at least `minBytes`; returns its address. */
  alloc(minBytes: number): number {
    let c = 0;
    while (CLASS_SIZES[c] < minBytes) {
      c++;
      if (c === CLASS_SIZES.length) throw new RangeError(`head chunk of ${minBytes} bytes is larger than any slot`);
    }
    return (c << INDEX_BITS) | this.classes[c].alloc();
  }

  release(addr: number): void {
    this.classes[addr >>> INDEX_BITS].release(addr & INDEX_MASK);
  }

  capacity(addr: number): number {
    return CLASS_SIZES[addr >>> INDEX_BITS];
  }

  buffer(addr: number): Uint8Array {
    const c = this.classes[addr >>> INDEX_BITS];
    return c.slabs[(addr & INDEX_MASK) >>> c.shift];
  }

  offset(addr: number): number {
    const c = this.classes[addr >>> INDEX_BITS];
    return (addr & c.mask) * c.size;
  }

  /** Moves the first `usedBytes` of slot `addr` to a slot with room for `minBytes`; returns the new address. */
  grow(addr: number, usedBytes: number, minBytes: number): number {
    const to = this.alloc(minBytes);
    const src = this.buffer(addr);
    const from = this.offset(addr);
    const dst = this.buffer(to);
    const at = this.offset(to);
    if (usedBytes < 64) {
      for (let i = 0; i < usedBytes; i++) dst[at + i] = src[from + i];
    } else {
      dst.set(src.subarray(from, from + usedBytes), at);
    }
    this.release(addr);
    return to;
  }

  /** Bytes held by slabs (what the pool costs in memory). */
  get allocatedBytes(): number {
    let n = 0;
    for (const c of this.classes) n += c.slabs.length * (c.mask + 1) * c.size;
    return n;
  }
}

const CLOSED_SLAB_BYTES = 256 * 1024;

interface ClosedSlab {
  readonly buf: Uint8Array;
  live: number;
}

/** Closed chunks: exactly sized copies in append-only slabs, addressed by (slab id, offset). */
export class ClosedChunkStore {
  private readonly slabs = new Map<number, ClosedSlab>();
  private current: ClosedSlab | undefined;
  private currentId = -1;
  private used = 0;

  /** Copies `bytes[from..to)` in; returns the slab id (the offset is `lastOffset`). */
  add(src: Uint8Array, from: number, to: number): number {
    const len = to - from;
    if (this.current === undefined || this.used + len > this.current.buf.length) {
      if (this.current !== undefined && this.current.live === 0) this.slabs.delete(this.currentId);
      this.currentId++;
      this.current = { buf: new Uint8Array(Math.max(CLOSED_SLAB_BYTES, len)), live: 0 };
      this.slabs.set(this.currentId, this.current);
      this.used = 0;
    }
    this.current.buf.set(src.subarray(from, to), this.used);
    this.lastOffset = this.used;
    this.used += len;
    this.current.live += len;
    return this.currentId;
  }

  /** Offset of the chunk the last `add` stored. */
  lastOffset = 0;

  buffer(slab: number): Uint8Array {
    const s = this.slabs.get(slab);
    if (s === undefined) throw new RangeError(`head chunk slab ${slab} was released`);
    return s.buf;
  }

  release(slab: number, len: number): void {
    const s = this.slabs.get(slab);
    if (s === undefined) return;
    s.live -= len;
    if (s.live <= 0 && s !== this.current) this.slabs.delete(slab);
  }

  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.slabs.values()) n += s.buf.length;
    return n;
  }
}
