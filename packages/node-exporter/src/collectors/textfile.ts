/**
 * `textfile`: metrics from `*.prom` files in `--collector.textfile.directory` (a glob may name several
 * directories), written by cron jobs and scripts, in the text format 0.0.4. A file that does not parse, or
 * carries timestamps, is skipped whole and flagged with `node_textfile_scrape_error` 1; each file read
 * gets `node_textfile_mtime_seconds`.
 *
 * Files are read asynchronously: they may live on network storage, and a hung read is then cut off by
 * the collector timeout instead of stalling the exporter.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricFamily } from '@vigil/exposition';
import { labels, type MetricsBuilder } from '../builder.js';
import type { Collector, CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { parseTextfile } from '../textfile-parse.js';

const MTIME_HELP = 'Unixtime mtime of textfiles successfully read.';
const SCRAPE_ERROR_HELP = '1 if there was an error opening or reading a file, 0 otherwise';

function hasGlobChars(s: string): boolean {
  return /[*?[]/.test(s);
}

/** A glob segment (`*`, `?`, `[...]`) as an anchored RegExp. */
function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) throw new Error(`syntax error in pattern ${JSON.stringify(seg)}`);
      let body = seg.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1).replace(/[\\\]]/g, '\\$&');
      else body = body.replace(/[\\\]]/g, '\\$&');
      re += '[' + body + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

/** Expands a path glob as Go's `filepath.Glob` does (sorted matches); a path without glob characters is itself. */
export async function expandGlob(pattern: string): Promise<string[]> {
  if (!hasGlobChars(pattern)) return [pattern];
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s) => s !== '');
  let bases = [absolute ? '/' : '.'];
  for (const seg of segments) {
    const next: string[] = [];
    if (!hasGlobChars(seg)) {
      for (const b of bases) next.push(join(b, seg));
    } else {
      const re = segmentRegex(seg);
      for (const b of bases) {
        let names: string[];
        try {
          names = await readdir(b);
        } catch {
          continue;
        }
        for (const n of names.sort()) if (re.test(n)) next.push(join(b, n));
      }
    }
    bases = next;
  }
  return absolute ? bases : bases.map((b) => (b.startsWith('./') ? b.slice(2) : b));
}

class TextfileCollector implements Collector {
  readonly name = 'textfile';
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void | Promise<void> {
    // No directory set: nothing to read, and not an error (answered without touching the filesystem).
    if (this.config.textfileDirectory === '') {
      out.gauge('node_textfile_scrape_error', SCRAPE_ERROR_HELP, 0);
      return;
    }
    return this.readFiles(out, this.config.textfileDirectory);
  }

  private async readFiles(out: MetricsBuilder, dirPattern: string): Promise<void> {
    let errored = false;
    const parsed: MetricFamily[] = [];
    const filesByFamily = new Map<string, string[]>();
    const mtimes = new Map<string, number>();

    let dirs: string[];
    try {
      dirs = await expandGlob(dirPattern);
    } catch {
      dirs = [];
    }
    // Not a glob, or it matched nothing: the path is a directory name.
    if (dirs.length === 0) dirs = [dirPattern];

    for (const dir of dirs) {
      let names: string[] = [];
      try {
        names = (await readdir(dir)).sort();
      } catch {
        errored = true;
      }
      for (const name of names) {
        if (!name.endsWith('.prom')) continue;
        const path = join(dir, name);
        try {
          const text = await readFile(path, 'utf8');
          const families = parseTextfile(text, path);
          for (const f of families) {
            for (const s of f.samples) {
              if (s.timestamp !== undefined) throw new Error(`textfile ${JSON.stringify(path)} contains unsupported client-side timestamps, skipping entire file`);
            }
          }
          // Stat only once the file has been parsed and checked, so that a broken file does not look fresh.
          const st = await stat(path);
          for (const f of families) {
            const list = filesByFamily.get(f.name);
            if (list) list.push(path);
            else filesByFamily.set(f.name, [path]);
            parsed.push(f);
          }
          mtimes.set(path, Math.floor(st.mtimeMs / 1000));
        } catch {
          errored = true;
        }
      }
    }

    for (const f of parsed) {
      out.addFamily(f.help === undefined ? { ...f, help: `Metric read from ${filesByFamily.get(f.name)!.join(', ')}` } : f);
    }
    for (const path of [...mtimes.keys()].sort()) {
      out.gauge('node_textfile_mtime_seconds', MTIME_HELP, mtimes.get(path)!, labels('file', path));
    }
    out.gauge('node_textfile_scrape_error', SCRAPE_ERROR_HELP, errored ? 1 : 0);
  }
}

export const textfileCollector: CollectorDefinition = {
  name: 'textfile',
  defaultEnabled: true,
  create: (config) => new TextfileCollector(config),
};
