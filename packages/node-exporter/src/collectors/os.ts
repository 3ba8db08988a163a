/** `os`: the distribution from os-release(5), as labels, and its major.minor version as a number. */
import { statSync } from 'node:fs';
import type { MetricsBuilder } from '../builder.js';
import { NoDataError, type Collector, type CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { isNotExist, readFileText } from '../procfile.js';
import { labels } from '../builder.js';
import type { Labels } from '@vigil/model';

const FILES = ['/etc/os-release', '/usr/lib/os-release'];

/**
 * os-release assignments the way shell-style env files are read: `KEY=value`, `export ` allowed, `#`
 * comments, single quotes literal, double quotes with JSON-style escapes. Empty values are left out.
 */
export function parseOSRelease(text: string): Map<string, string> {
  const env = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line[0] === '#') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`os-release line ${n + 1}: missing =`);
    let key = line.slice(0, eq).trim();
    if (key.length > 7 && key.startsWith('export ')) key = key.slice(7);
    if (!/^[A-Za-z_][A-Za-z0-9_./]*$/.test(key)) throw new Error(`os-release line ${n + 1}: invalid key ${JSON.stringify(key)}`);
    const value = unquote(line.slice(eq + 1).trim(), n + 1);
    if (value !== '') env.set(key, value);
  }
  return env;
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', r: '\r', n: '\n', t: '\t' };

function unquote(v: string, line: number): string {
  let out = '';
  let lastSig = 0;
  let mode: 'normal' | 'double' | 'single' = 'normal';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c.charCodeAt(0) < 32) throw new Error(`os-release line ${line}: invalid character 0x${c.charCodeAt(0).toString(16)}`);
    if (mode === 'normal') {
      if (c === '"') mode = 'double';
      else if (c === "'") mode = 'single';
      else if (c === '#') return out.slice(0, lastSig);
      else {
        out += c;
        if (c !== ' ' && c !== '\t') lastSig = out.length;
      }
    } else if (mode === 'single') {
      if (c === "'") mode = 'normal';
      else {
        out += c;
        lastSig = out.length;
      }
    } else if (c === '"') {
      mode = 'normal';
    } else if (c === '\\') {
      const e = v[++i];
      if (e === undefined) throw new Error(`os-release line ${line}: incomplete escape sequence`);
      if (e === 'u') {
        const hex = v.slice(i + 1, i + 5);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new Error(`os-release line ${line}: incomplete hex sequence`);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else if (ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
      } else {
        throw new Error(`os-release line ${line}: invalid escape sequence ${JSON.stringify(e)}`);
      }
      lastSig = out.length;
    } else {
      out += c;
      lastSig = out.length;
    }
  }
  if (mode === 'double') throw new Error(`os-release line ${line}: unmatched "`);
  if (mode === 'single') throw new Error(`os-release line ${line}: unmatched '`);
  return out;
}

/** The leading `major[.minor]` of VERSION_ID as a number; 0 when there is none. */
export function osVersionNumber(versionId: string): number {
  const m = /^[0-9]+\.?[0-9]*/.exec(versionId);
  return m ? Number(m[0]) : 0;
}

class OSCollector implements Collector {
  readonly name = 'os';
  private cached?: { path: string; mtimeMs: number; info: Labels; version: number; versionLabels: Labels };
  constructor(private readonly config: NodeExporterConfig) {}

  /** Re-reads the file only when it (or its modification time) changed. */
  private load(path: string): void {
    const st = statSync(path);
    if (this.cached && this.cached.path === path && this.cached.mtimeMs === st.mtimeMs) return;
    const env = parseOSRelease(readFileText(path, true));
    const g = (k: string) => env.get(k) ?? '';
    this.cached = {
      path,
      mtimeMs: st.mtimeMs,
      info: labels(
        'build_id', g('BUILD_ID'), 'id', g('ID'), 'id_like', g('ID_LIKE'), 'image_id', g('IMAGE_ID'),
        'image_version', g('IMAGE_VERSION'), 'name', g('NAME'), 'pretty_name', g('PRETTY_NAME'),
        'variant', g('VARIANT'), 'variant_id', g('VARIANT_ID'), 'version', g('VERSION'),
        'version_codename', g('VERSION_CODENAME'), 'version_id', g('VERSION_ID'),
      ),
      version: osVersionNumber(g('VERSION_ID')),
      versionLabels: labels('id', g('ID'), 'id_like', g('ID_LIKE'), 'name', g('NAME')),
    };
  }

  update(out: MetricsBuilder): void {
    let found = false;
    for (const f of FILES) {
      // node_exporter prefixes the root path as a string: "/" + "/etc/os-release" is fine for the kernel.
      const path = this.config.rootfs + f;
      try {
        this.load(path);
        found = true;
        break;
      } catch (e) {
        if (isNotExist(e)) continue;
        throw e;
      }
    }
    if (!found || !this.cached) throw new NoDataError('no os-release file found');
    const c = this.cached;
    out.gauge(
      'node_os_info',
      "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
      1,
      c.info,
    );
    if (c.version > 0) out.gauge('node_os_version', 'Metric containing the major.minor part of the OS version.', c.version, c.versionLabels);
  }
}

export const osCollector: CollectorDefinition = {
  name: 'os',
  defaultEnabled: true,
  create: (config) => new OSCollector(config),
};
