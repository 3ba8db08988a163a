/** Facts about the machine the exporter runs on that Node does not expose directly. */
import { readFileOnce } from './procfile.js';

let cachedPageSize = 0;

/** The kernel page size in bytes (sockstat reports memory in pages), read once from /proc/self/smaps. */
export function pageSize(): number {
  if (cachedPageSize === 0) {
    cachedPageSize = 4096;
    try {
      const head = readFileOnce('/proc/self/smaps', 4096);
      const i = head.indexOf('KernelPageSize:');
      if (i >= 0) {
        const kb = parseInt(head.slice(i + 15).trim(), 10);
        if (kb > 0) cachedPageSize = kb * 1024;
      }
    } catch {
      // Keep 4096, the page size of every common Linux platform but some arm64 and ppc64 kernels.
    }
  }
  return cachedPageSize;
}
