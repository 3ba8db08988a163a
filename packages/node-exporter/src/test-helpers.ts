/** Shared by this package's tests: the fixture tree, a fake statfs, and reading expositions back. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatsFs } from 'node:fs';
import { parseFamilies, type MetricFamily } from '@vigil/exposition';
import { repoRoot } from '@vigil/testkit';
import type { NodeExporterInit } from './exporter.js';

export const TESTDATA = join(repoRoot(), 'packages/node-exporter/testdata');

/** 2023-11-14T22:13:20.1235Z: the fixtures' fixed clock. */
export const FIXTURE_NOW_MS = 1700000000123.5;

/** statfs answers for the fixture's mount points; anything else (the NFS mount) fails with EIO. */
export function fixtureStatfs(root: string) {
  const sizes: Record<string, [number, number, number, number, number, number]> = {
    // bsize, blocks, bfree, bavail, files, ffree
    '/': [4096, 66052044, 59940829, 20485963, 16777216, 16363162],
    '/srv/data': [4096, 262144, 131072, 131072, 65536, 65000],
    '/run': [4096, 256, 250, 250, 3000000, 2999000],
    '/run/user/1000': [4096, 1000, 1000, 1000, 500000, 499990],
    '/media/My Disk': [512, 2000000, 1000000, 1000000, 0, 0],
  };
  return async (path: string): Promise<StatsFs> => {
    const rel = path.startsWith(root) ? path.slice(root.length) || '/' : path;
    const s = sizes[rel];
    if (!s) throw Object.assign(new Error(`EIO: i/o error, statfs '${path}'`), { code: 'EIO' });
    const [bsize, blocks, bfree, bavail, files, ffree] = s;
    return { type: 0xef53, bsize, blocks, bfree, bavail, files, ffree } as StatsFs;
  };
}

/** Options that point every collector at the fixture tree (or a copy of it), with a fixed clock. */
export function fixtureOptions(base = TESTDATA, extra: NodeExporterInit = {}): NodeExporterInit {
  return {
    procfs: join(base, 'proc'),
    sysfs: join(base, 'sys'),
    rootfs: join(base, 'rootfs'),
    udevData: join(base, 'udev'),
    statfs: fixtureStatfs(join(base, 'rootfs')),
    now: () => FIXTURE_NOW_MS,
    disableExporterMetrics: true,
    version: '0.1.0',
    ...extra,
  };
}

/** A writable copy of the fixture tree (symlinks kept) and its removal. */
export function copyFixtures(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'vigil-ne-fixture-'));
  cpSync(TESTDATA, path, { recursive: true, verbatimSymlinks: true });
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every series of an exposition (text format) as `name{labels}` → value; empty label values dropped. */
export function seriesValues(families: readonly MetricFamily[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of families) {
    for (const s of f.samples) out.set(seriesKey(s.name, s.labels.flat), s.value);
  }
  return out;
}

export function seriesKey(name: string, flat: readonly string[]): string {
  let k = name + '{';
  for (let i = 0; i < flat.length; i += 2) k += (i ? ',' : '') + flat[i] + '=' + JSON.stringify(flat[i + 1]);
  return k + '}';
}

export function parseText(text: string): MetricFamily[] {
  return parseFamilies(text, 'text');
}

/** The value of one series in a parsed exposition, or undefined. */
export function valueOf(families: readonly MetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).flat();
  return seriesValues(families).get(seriesKey(name, want));
}
