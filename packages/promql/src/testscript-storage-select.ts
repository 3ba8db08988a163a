/**
 * The storage the conformance runner loads into: the TSDB head, written through its Appender and read
 * through its Querier, as the server does. `VIGIL_CONFORMANCE_STORAGE=memory` selects the small test
 * storage instead (for working on the engine while the head lacks a feature).
 */
import { Head } from '@vigil/tsdb';
import { MemStorage } from './testscript-memstore.js';
import type { Storage } from './testscript-run.js';

const useMemory = process.env.VIGIL_CONFORMANCE_STORAGE === 'memory';

export function newConformanceStorage(): Storage {
  if (useMemory) return new MemStorage();
  // A 24h chunk range as the reference harness's storage: later loads may go back up to 12h.
  return new Head({ chunkRange: 24 * 3600 * 1000 });
}

export function storageKind(): string {
  return useMemory ? 'test memory storage' : 'tsdb Head';
}
