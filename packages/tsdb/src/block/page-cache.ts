/**
 * The memory that block files are read through: 64 KiB pages of every open index and chunk file, under
 * one byte budget shared by all of them (Prometheus memory-maps the files and lets the OS page cache
 * hold them; a Node process has no mmap, so it keeps the hot pages itself, bounded).
 *
 * Eviction is the clock algorithm: a hit only sets the page's "referenced" flag (no list to reorder),
 * and when the budget is full the hand sweeps the resident pages, sparing each referenced page once.
 * An evicted page stays valid for whoever still holds a view of it (the garbage collector frees it);
 * the budget bounds what the cache keeps, not such short-lived views.
 */

export const PAGE_SIZE = 1 << 16; // 64 KiB

/**
 * The default budget of a DB's (or a standalone block's) page cache: 256 MiB. That holds the index and
 * the recently queried chunks of a few million series; everything above is re-read from the file (the
 * OS page cache usually still has it).
 */
export const DEFAULT_BLOCK_CACHE_BYTES = 256 << 20;

/** What the cache needs of a file reader: drop a page, and say whether it was used since the last sweep. */
export interface PageOwner {
  /** Whether page `index` was read since the last call, clearing the flag. */
  takeReferenced(index: number): boolean;
  /** Forgets page `index`; returns the bytes it held (page and bookkeeping). */
  dropPage(index: number): number;
}

export class PageCache {
  /** The budget in bytes. */
  readonly maxBytes: number;
  private used = 0;
  /** Resident pages, in no particular order: owner and page index side by side. */
  private owners: PageOwner[] = [];
  private indexes: number[] = [];
  private hand = 0;

  constructor(maxBytes = DEFAULT_BLOCK_CACHE_BYTES) {
    this.maxBytes = Math.max(0, maxBytes);
  }

  /** Bytes held now (pages and their bookkeeping). */
  get bytes(): number {
    return this.used;
  }

  /** Number of resident pages. */
  get pages(): number {
    return this.owners.length;
  }

  /** Makes room for `bytes` more, evicting pages not referenced since the hand last passed them. */
  reserve(bytes: number): void {
    let budget = 2 * this.owners.length + 1;
    while (this.used + bytes > this.maxBytes && this.owners.length > 0 && budget-- > 0) {
      if (this.hand >= this.owners.length) this.hand = 0;
      const h = this.hand;
      const owner = this.owners[h];
      const index = this.indexes[h];
      if (owner.takeReferenced(index)) {
        this.hand++;
        continue;
      }
      this.used -= owner.dropPage(index);
      this.removeAt(h);
    }
  }

  /** Records a page just loaded by `owner` (call `reserve` first). */
  admit(owner: PageOwner, index: number, bytes: number): void {
    this.owners.push(owner);
    this.indexes.push(index);
    this.used += bytes;
  }

  /** Accounts for bookkeeping added to a resident page (e.g. its verification marks). */
  charge(bytes: number): void {
    this.used += bytes;
  }

  /** Forgets every page of `owner` (it is closing); `bytes` is what they held in total. */
  release(owner: PageOwner, bytes: number): void {
    if (bytes === 0) return;
    const owners: PageOwner[] = [];
    const indexes: number[] = [];
    for (let i = 0; i < this.owners.length; i++) {
      if (this.owners[i] === owner) continue;
      owners.push(this.owners[i]);
      indexes.push(this.indexes[i]);
    }
    this.owners = owners;
    this.indexes = indexes;
    this.used -= bytes;
    if (this.hand >= owners.length) this.hand = 0;
  }

  private removeAt(i: number): void {
    const last = this.owners.length - 1;
    this.owners[i] = this.owners[last];
    this.indexes[i] = this.indexes[last];
    this.owners.pop();
    this.indexes.pop();
  }
}

let shared: PageCache | undefined;

/** The cache used by blocks opened without one of their own (tools, tests): the default budget. */
export function sharedPageCache(): PageCache {
  shared ??= new PageCache();
  return shared;
}
