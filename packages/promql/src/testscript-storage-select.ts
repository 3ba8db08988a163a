/**
 * The storage the conformance runner loads into: the TSDB head, written through its Appender and read
 * through its Querier, as the server does.
 */
import { Head } from '@vigil/tsdb';
import type { Storage } from './testscript-run.js';

export function newConformanceStorage(): Storage {
  // A 24h chunk range as the reference harness's storage: later loads may go back up to 12h.
  return new Head({ chunkRange: 24 * 3600 * 1000 });
}

export function storageKind(): string {
  return 'tsdb Head';
}
