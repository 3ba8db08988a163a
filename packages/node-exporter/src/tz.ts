/**
 * The local time zone's abbreviation ("UTC", "CET", "PDT"), as Go's `time.Now().Zone()` names it for the
 * `time_zone` label. JavaScript only knows the offset; the abbreviation comes from the TZif file Go
 * would load: $TZ (a zoneinfo name or path), else /etc/localtime.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const ZONEINFO = ['/usr/share/zoneinfo', '/usr/share/lib/zoneinfo', '/usr/lib/locale/TZ'];

function zoneFile(): Buffer | undefined {
  const tz = process.env.TZ;
  const tryRead = (p: string) => {
    try {
      return readFileSync(p);
    } catch {
      return undefined;
    }
  };
  if (tz === undefined) return tryRead('/etc/localtime');
  if (tz === '' || tz === 'UTC' || tz === ':UTC') return undefined;
  const name = tz.startsWith(':') ? tz.slice(1) : tz;
  if (isAbsolute(name)) return tryRead(name);
  for (const dir of ZONEINFO) {
    const b = tryRead(join(dir, name));
    if (b) return b;
  }
  return undefined;
}

interface ZoneType {
  offset: number;
  isDst: boolean;
  abbr: string;
}

interface TZif {
  transitions: number[];
  typeIndex: number[];
  types: ZoneType[];
  footer: string;
}

/** Parses a TZif file (RFC 8536), preferring the 64-bit data of version 2+. */
export function parseTZif(b: Buffer): TZif | undefined {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const version = b[4];
  const counts = (at: number) => ({
    isut: b.readUInt32BE(at + 20),
    isstd: b.readUInt32BE(at + 24),
    leap: b.readUInt32BE(at + 28),
    time: b.readUInt32BE(at + 32),
    type: b.readUInt32BE(at + 36),
    char: b.readUInt32BE(at + 40),
  });
  let at = 0;
  let c = counts(at);
  let timeSize = 4;
  if (version >= 0x32) {
    // Skip the v1 block to the v2 header.
    at = 44 + c.time * 4 + c.time + c.type * 6 + c.char + c.leap * 8 + c.isstd + c.isut;
    if (b.length < at + 44 || b.toString('latin1', at, at + 4) !== 'TZif') return undefined;
    c = counts(at);
    timeSize = 8;
  }
  let p = at + 44;
  const transitions: number[] = [];
  for (let i = 0; i < c.time; i++, p += timeSize) {
    transitions.push(timeSize === 8 ? Number(b.readBigInt64BE(p)) : b.readInt32BE(p));
  }
  const typeIndex: number[] = [];
  for (let i = 0; i < c.time; i++) typeIndex.push(b[p++]);
  const rawTypes: Array<{ offset: number; isDst: boolean; abbrAt: number }> = [];
  for (let i = 0; i < c.type; i++, p += 6) rawTypes.push({ offset: b.readInt32BE(p), isDst: b[p + 4] === 1, abbrAt: b[p + 5] });
  const chars = b.toString('latin1', p, p + c.char);
  p += c.char + c.leap * (timeSize + 4) + c.isstd + c.isut;
  const types = rawTypes.map((t) => {
    const end = chars.indexOf('\0', t.abbrAt);
    return { offset: t.offset, isDst: t.isDst, abbr: chars.slice(t.abbrAt, end < 0 ? undefined : end) };
  });
  let footer = '';
  if (timeSize === 8 && b[p] === 0x0a) {
    const end = b.indexOf(0x0a, p + 1);
    if (end > p) footer = b.toString('latin1', p + 1, end);
  }
  return { transitions, typeIndex, types, footer };
}

/** The standard and daylight names of a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3` or `<+03>-3`. */
function footerNames(footer: string): { std: string; stdOffset: number; dst?: string } | undefined {
  let i = 0;
  const name = (): string | undefined => {
    if (footer[i] === '<') {
      const end = footer.indexOf('>', i);
      if (end < 0) return undefined;
      const n = footer.slice(i + 1, end);
      i = end + 1;
      return n;
    }
    const s = i;
    while (i < footer.length && /[A-Za-z]/.test(footer[i])) i++;
    return i > s ? footer.slice(s, i) : undefined;
  };
  const std = name();
  if (std === undefined) return undefined;
  const m = /^([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?/.exec(footer.slice(i));
  if (!m) return undefined;
  i += m[0].length;
  // POSIX offsets are west of Greenwich: "CET-1" is UTC+1.
  const west = (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * (m[1] === '-' ? -1 : 1);
  const dst = name();
  return { std, stdOffset: -west, dst };
}

/** The abbreviation in effect at `nowMs` for a zone whose current UTC offset is `offsetSeconds`. */
export function zoneAbbreviation(tz: TZif | undefined, nowMs: number, offsetSeconds: number): string {
  if (tz === undefined) return offsetSeconds === 0 ? 'UTC' : formatOffset(offsetSeconds);
  const now = Math.floor(nowMs / 1000);
  const last = tz.transitions.length - 1;
  // Before the first transition, local time type 0 applies (RFC 8536), usually local mean time.
  if (last >= 0 && now < tz.transitions[0] && tz.types.length > 0) return tz.types[0].abbr;
  if (last >= 0 && now >= tz.transitions[0] && now < tz.transitions[last]) {
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (tz.transitions[mid] <= now) lo = mid;
      else hi = mid - 1;
    }
    return tz.types[tz.typeIndex[lo]]?.abbr ?? formatOffset(offsetSeconds);
  }
  const f = tz.footer ? footerNames(tz.footer) : undefined;
  if (f) return offsetSeconds === f.stdOffset || f.dst === undefined ? f.std : f.dst;
  if (last >= 0 && now >= tz.transitions[last]) return tz.types[tz.typeIndex[last]]?.abbr ?? formatOffset(offsetSeconds);
  const match = tz.types.find((t) => t.offset === offsetSeconds);
  return match?.abbr ?? formatOffset(offsetSeconds);
}

function formatOffset(s: number): string {
  const sign = s < 0 ? '-' : '+';
  const a = Math.abs(s);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  return sign + String(h).padStart(2, '0') + (m ? String(m).padStart(2, '0') : '');
}

let loaded: { tz: TZif | undefined } | undefined;

/** The local zone's name and offset (seconds east of UTC) at `nowMs`. */
export function localZone(nowMs: number): { name: string; offset: number } {
  if (loaded === undefined) {
    const b = zoneFile();
    loaded = { tz: b ? parseTZif(b) : undefined };
  }
  // "+ 0" turns the -0 of UTC into 0.
  const offset = -new Date(nowMs).getTimezoneOffset() * 60 + 0;
  return { name: zoneAbbreviation(loaded.tz, nowMs, offset), offset };
}
