/**
 * `filesystem`: size, free and available space and inodes of every mounted filesystem, from statfs(2)
 * (Node's `fs.statfs`, no native code).
 *
 * statfs on a dead network mount blocks in the kernel, and Node runs it on a libuv threadpool thread that
 * stays blocked until the kernel gives up. So: at most one statfs per mount point is ever in flight. The
 * first scrape that meets the hang waits until `--collector.timeout` cuts it off (success 0), or until
 * `--collector.filesystem.mount-timeout` when that is set and shorter; the mount is then "stuck"
 * (node_exporter's word): later scrapes report it with `device_error` 1 at once, without asking again,
 * and measure every other mount, until its statfs returns.
 */
import { statfs, type StatsFs } from 'node:fs';
import { join } from 'node:path';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition, Deadline } from '../collector.js';
import type { NodeExporterConfig, StatfsFunction } from '../config.js';
import { forEachLine, isNotExist, readFileText, splitFields } from '../procfile.js';

export interface MountEntry {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly options: string;
}

/** /proc/1/mounts: device, mount point (with `\040` and `\011` decoded, as fstab(5)), type, options. */
export function parseMounts(text: string, stripPrefix: (p: string) => string = (p) => p): MountEntry[] {
  const out: MountEntry[] = [];
  const f: string[] = [];
  forEachLine(text, (s, e) => {
    const n = splitFields(text, s, e, f);
    if (n === 0) return;
    if (n < 4) throw new Error(`malformed mount point information: ${JSON.stringify(text.slice(s, e))}`);
    const mountPoint = f[1].replaceAll('\\040', ' ').replaceAll('\\011', '\t');
    out.push({ device: f[0], mountPoint: stripPrefix(mountPoint), fsType: f[2], options: f[3] });
  });
  return out;
}

const defaultStatfs: StatfsFunction = (path) =>
  new Promise<StatsFs>((resolve, reject) => statfs(path, (err, st) => (err ? reject(err) : resolve(st))));

const HELP = {
  size: 'Filesystem size in bytes.',
  free: 'Filesystem free space in bytes.',
  avail: 'Filesystem space available to non-root users in bytes.',
  files: 'Filesystem total file nodes.',
  filesFree: 'Filesystem total free file nodes.',
  readonly: 'Filesystem read-only status.',
  deviceError: 'Whether an error occurred while getting statistics for the given device.',
};

type Outcome = { ok: true; st: StatsFs } | { ok: false };

class FilesystemCollector implements Collector {
  readonly name = 'filesystem';
  private readonly statfs: StatfsFunction;
  /** statfs calls still running, by mount point (shared by concurrent and later scrapes). */
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  /** Mount points a scrape gave up waiting for, until their statfs returns. */
  private readonly stuck = new Set<string>();

  constructor(private readonly config: NodeExporterConfig) {
    this.statfs = config.filesystem.statfs ?? defaultStatfs;
  }

  private stripRootfs = (p: string): string => {
    const root = this.config.rootfs;
    if (root === '/') return p;
    const stripped = p.startsWith(root) ? p.slice(root.length) : p;
    return stripped === '' ? '/' : stripped;
  };

  private readMounts(): MountEntry[] {
    let text: string;
    try {
      text = readFileText(join(this.config.procfs, '1/mounts'));
    } catch (e) {
      // /proc/1 is hidden with hidepid: fall back to our own view of the mounts.
      if (!isNotExist(e)) throw e;
      text = readFileText(join(this.config.procfs, 'mounts'));
    }
    return parseMounts(text, this.stripRootfs);
  }

  /** The statfs of `mountPoint`: the one already running, or a new one. */
  private measure(mountPoint: string): Promise<Outcome> {
    const running = this.inFlight.get(mountPoint);
    if (running !== undefined) return running;
    const p: Promise<Outcome> = this.statfs(goJoin(this.config.rootfs, mountPoint)).then(
      (st): Outcome => ({ ok: true, st }),
      (): Outcome => ({ ok: false }),
    );
    this.inFlight.set(mountPoint, p);
    void p.then(() => {
      this.inFlight.delete(mountPoint);
      this.stuck.delete(mountPoint);
    });
    return p;
  }

  async update(out: MetricsBuilder, deadline: Deadline): Promise<void> {
    const fsc = this.config.filesystem;
    const seen = new Set<string>();
    const entries: MountEntry[] = [];
    const results: Array<Outcome | undefined> = [];
    const waits: Array<Promise<void>> = [];
    for (const m of this.readMounts()) {
      if (fsc.mountPointsExclude.test(m.mountPoint) || fsc.fsTypesExclude.test(m.fsType)) continue;
      // A filesystem mounted twice at the same place is reported once.
      const key = m.device + '\0' + m.mountPoint + '\0' + m.fsType;
      if (seen.has(key)) continue;
      seen.add(key);
      const i = entries.length;
      entries.push(m);
      results.push(undefined);
      // A mount given up on before is not asked again until its statfs returns.
      if (this.stuck.has(m.mountPoint)) continue;
      waits.push(this.measure(m.mountPoint).then((r) => void (results[i] = r)));
    }
    if (waits.length > 0) await this.waitForAll(waits, deadline);
    for (let i = 0; i < entries.length; i++) {
      const m = entries[i];
      const r = results[i];
      if (r === undefined) this.stuck.add(m.mountPoint);
      const l = labels('device', m.device, 'fstype', m.fsType, 'mountpoint', m.mountPoint);
      if (r === undefined || !r.ok) {
        out.gauge('node_filesystem_device_error', HELP.deviceError, 1, l);
        continue;
      }
      const st = r.st;
      out.gauge('node_filesystem_device_error', HELP.deviceError, 0, l);
      out.gauge('node_filesystem_size_bytes', HELP.size, st.blocks * st.bsize, l);
      out.gauge('node_filesystem_free_bytes', HELP.free, st.bfree * st.bsize, l);
      out.gauge('node_filesystem_avail_bytes', HELP.avail, st.bavail * st.bsize, l);
      out.gauge('node_filesystem_files', HELP.files, st.files, l);
      out.gauge('node_filesystem_files_free', HELP.filesFree, st.ffree, l);
      out.gauge('node_filesystem_readonly', HELP.readonly, hasOption(m.options, 'ro') ? 1 : 0, l);
    }
  }

  /**
   * Until every statfs answered, the scrape cut the collector off, or (when set) the mount timeout
   * passed; whatever has not answered by then is marked stuck by the caller.
   */
  private waitForAll(waits: Array<Promise<void>>, deadline: Deadline): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let cancel = () => {};
      const done = () => {
        clearTimeout(timer);
        cancel();
        resolve();
      };
      if (deadline.expired) return done();
      cancel = deadline.onExpire(done);
      const limit = this.config.filesystem.mountTimeoutMs;
      if (limit !== undefined) timer = setTimeout(done, limit);
      void Promise.all(waits).then(done);
    });
  }
}

function goJoin(a: string, b: string): string {
  const p = join(a, b);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function hasOption(options: string, want: string): boolean {
  let start = 0;
  while (start <= options.length) {
    let end = options.indexOf(',', start);
    if (end < 0) end = options.length;
    if (end - start === want.length && options.startsWith(want, start)) return true;
    start = end + 1;
  }
  return false;
}

export const filesystemCollector: CollectorDefinition = {
  name: 'filesystem',
  defaultEnabled: true,
  create: (config) => new FilesystemCollector(config),
};
