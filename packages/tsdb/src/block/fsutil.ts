/** Durable file operations: write-then-fsync, directory fsync, atomic replace. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Flushes a directory's entries (renames, new files) to disk. */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems do not support fsync on directories; the data files themselves were synced.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Writes `data` to `path` through `path.tmp`, fsynced, then renamed over `path`: readers see old or new, never half. */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = path + '.tmp';
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Appends to a file through a buffer, tracking the position; `close()` fsyncs. */
export class BufferedFileWriter {
  readonly path: string;
  private fd: number;
  private buf: Buffer;
  private used = 0;
  /** Bytes written so far (flushed or not). */
  pos = 0;

  constructor(path: string, bufferSize = 1 << 20) {
    this.path = path;
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(bufferSize);
  }

  write(data: Uint8Array, start = 0, end = data.length): void {
    const n = end - start;
    if (n > this.buf.length - this.used) {
      this.flush();
      if (n > this.buf.length) {
        let off = start;
        while (off < end) off += writeSync(this.fd, data, off, end - off);
        this.pos += n;
        return;
      }
    }
    this.buf.set(data.subarray(start, end), this.used);
    this.used += n;
    this.pos += n;
  }

  flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }

  /** Overwrites bytes already written at `at` (flushing first). */
  writeAt(data: Uint8Array, at: number): void {
    this.flush();
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off, at + off);
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes without syncing (after a failure). */
  abort(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
