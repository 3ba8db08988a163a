/**
 * Output helpers for the `vigil tsdb` commands, matching what promtool prints: Go's tabwriter layout,
 * Go's `time.Duration` and `time.Time` strings, and `units.Base2Bytes` sizes.
 */

/** Go's `time.Duration(ms * 1e6).String()`: `2h0m0s`, `29m45.001s`, `500ms`, `0s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1000) {
    out = `${rest}ms`;
  } else {
    const h = Math.floor(rest / 3600000);
    rest -= h * 3600000;
    const m = Math.floor(rest / 60000);
    rest -= m * 60000;
    const s = Math.floor(rest / 1000);
    const frac = rest - s * 1000;
    let sec = String(s);
    if (frac > 0) sec += '.' + String(frac).padStart(3, '0').replace(/0+$/, '');
    out = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
  }
  return neg ? '-' + out : out;
}

/** Go's `time.Unix(ms/1000, 0).UTC().String()`: `2026-01-01 00:30:00 +0000 UTC`. */
export function goUtcTime(ms: number): string {
  const d = new Date(Math.trunc(ms / 1000) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

const SI = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** `units.Base2Bytes(n).String()`: `15KiB842B`, `1MiB`, `0B`. */
export function base2Bytes(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < SI.length; i++) {
    const r = n % 1024;
    if (r !== 0 || (i === 0 && n === 0)) parts.unshift(`${r}${SI[i]}${i === 0 ? 'B' : 'iB'}`);
    n = Math.floor(n / 1024);
    if (n === 0) break;
  }
  return parts.join('');
}

/**
 * Lays out rows as Go's `tabwriter.NewWriter(w, minwidth, 0, padding, ' ', 0)` does when every cell but
 * the last ends in a tab: each column as wide as its widest cell plus padding, at least `minwidth`.
 */
export function tabulate(rows: readonly (readonly string[])[], minwidth = 13, padding = 2): string {
  const widths: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, Math.max(minwidth, [...r[i]].length + padding));
  }
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < r.length; i++) line += i < r.length - 1 ? r[i].padEnd(widths[i] - ([...r[i]].length - r[i].length)) : r[i];
    out += line + '\n';
  }
  return out;
}

/** Writes text to a stream, waiting when its buffer is full. */
export class StreamOut {
  private buf = '';
  constructor(private readonly stream: NodeJS.WritableStream) {}

  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buf === '') return;
    const chunk = this.buf;
    this.buf = '';
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once('drain', () => r()));
  }
}
