/**
 * The `lock` file of a data directory. Prometheus holds an flock(2) on it, which Node cannot take; we
 * write our PID into it instead and refuse a directory whose `lock` names another live process, or on
 * which another process (a Prometheus) holds a lock listed in /proc/locks. A lock left by a killed
 * process names a dead PID and is taken over.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VigilError } from '@vigil/model';

export const LOCK_FILENAME = 'lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID holding a POSIX/flock lock on the file with inode `ino`, per /proc/locks (Linux), if any. */
function lockHolder(ino: number): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const pid = Number(f[4]);
    const inode = Number(f[5].split(':')[2]);
    if (inode === ino && pid !== process.pid) return pid;
  }
  return undefined;
}

/** Directories this process has locked (a second open in the same process is refused too). */
const heldHere = new Set<string>();

export class DirLock {
  readonly path: string;
  private released = false;

  private constructor(path: string) {
    this.path = path;
  }

  /** Takes the lock of `dir`; throws `unavailable` when someone else holds it. */
  static acquire(dir: string): DirLock {
    const path = join(dir, LOCK_FILENAME);
    const key = resolve(path);
    if (heldHere.has(key)) throw new VigilError('unavailable', `lock DB directory ${JSON.stringify(dir)}: already open in this process`);
    let ino: number | undefined;
    try {
      ino = statSync(path).ino;
    } catch {
      ino = undefined;
    }
    if (ino !== undefined) {
      const holder = lockHolder(ino);
      if (holder !== undefined) {
        throw new VigilError('unavailable', `lock DB directory ${JSON.stringify(dir)}: held by process ${holder} (a running Prometheus or Vigil?)`);
      }
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new VigilError('unavailable', `lock DB directory ${JSON.stringify(dir)}: held by process ${pid}`);
      }
    }
    writeFileSync(path, `${process.pid}\n`);
    heldHere.add(key);
    return new DirLock(path);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(resolve(this.path));
    rmSync(this.path, { force: true });
  }
}
