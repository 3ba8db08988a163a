/**
 * Path globbing as Go's `filepath.Glob`: `*`, `?` and `[...]` within one path element, matches sorted.
 * Used for `rule_files`, `scrape_config_files` and `file_sd_configs` (Node 20 has no `fs.glob`).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, sep, isAbsolute } from 'node:path';

export function hasGlobMeta(s: string): boolean {
  return /[*?[]/.test(s);
}

function elementRegex(pattern: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined; // Go: ErrBadPattern
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      else cls = cls.replace(/\\/g, '\\\\');
      re += '[' + cls + ']';
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += '\\' + pattern[++i];
    } else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp('^' + re + '$', 's');
  } catch {
    return undefined;
  }
}

/** Files (and folders) matching `pattern`, sorted; a pattern without metacharacters matches itself if it exists. Throws on a bad pattern. */
export function glob(pattern: string): string[] {
  if (!hasGlobMeta(pattern)) {
    try {
      statSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const parts = pattern.split(sep);
  let bases: string[] = [isAbsolute(pattern) ? sep : ''];
  if (isAbsolute(pattern)) parts.shift();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next: string[] = [];
    for (const base of bases) {
      if (!hasGlobMeta(part)) {
        next.push(base === '' ? part : join(base, part));
        continue;
      }
      const re = elementRegex(part);
      if (!re) throw new Error(`syntax error in pattern ${JSON.stringify(pattern)}`);
      let names: string[];
      try {
        names = readdirSync(base === '' ? '.' : base);
      } catch {
        continue;
      }
      for (const n of names.sort()) if (re.test(n)) next.push(base === '' ? n : join(base, n));
    }
    bases = next;
  }
  return bases.filter((p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  }).sort();
}
