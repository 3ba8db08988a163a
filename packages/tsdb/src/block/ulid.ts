/**
 * ULIDs name blocks: 48 bits of milliseconds then 80 random bits, in Crockford base32 (26 characters),
 * so block directories sort by creation time.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new ULID for time `now` (ms since the epoch). */
export function newUlid(now: number, random: Uint8Array = randomBytes(10)): string {
  let out = '';
  let t = Math.floor(now);
  // 10 characters of time, most significant first (5 bits each, 50 bits of which the top 2 are zero).
  const timeChars: string[] = [];
  for (let i = 0; i < 10; i++) {
    timeChars.push(ALPHABET[t % 32]);
    t = Math.floor(t / 32);
  }
  out = timeChars.reverse().join('');
  // 16 characters of randomness: 80 bits, read 5 bits at a time.
  let acc = 0;
  let bits = 0;
  let idx = 0;
  for (let i = 0; i < 16; i++) {
    if (bits < 5) {
      acc = ((acc << 8) | random[idx++]) & 0xffff;
      bits += 8;
    }
    out += ALPHABET[(acc >>> (bits - 5)) & 31];
    bits -= 5;
  }
  return out;
}

/** Whether `s` is a ULID as Prometheus parses them strictly (block directory names). */
export function isUlid(s: string): boolean {
  if (s.length !== 26) return false;
  s = s.toUpperCase();
  // The first character carries only 3 bits: 0–7.
  const c0 = s.charCodeAt(0);
  if (c0 < 48 || c0 > 55) return false;
  for (let i = 0; i < 26; i++) if (ALPHABET.indexOf(s[i]) < 0) return false;
  return true;
}

/** The millisecond timestamp of a ULID. */
export function ulidTime(s: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(s[i]);
  return t;
}
