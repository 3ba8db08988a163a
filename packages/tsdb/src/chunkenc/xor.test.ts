import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STALE_NAN, isStaleNaN, formatFloat } from '@vigil/model';
import { conformanceDir } from '@vigil/testkit';
import { XorChunk, XorIterator } from './xor.js';
import { crc32c } from '../block/crc32c.js';

function decodeAll(bytes: Uint8Array): { ts: number[]; vs: Float64Array } {
  const it = new XorIterator(bytes);
  const ts: number[] = [];
  const out = new Float64Array(it.numSamples);
  while (it.next()) {
    out[ts.length] = it.v;
    ts.push(it.t);
  }
  assert.equal(it.err, undefined);
  return { ts, vs: out };
}

function sameBits(a: number, b: number): boolean {
  const x = new Float64Array([a, b]);
  const u = new Uint32Array(x.buffer);
  return u[0] === u[2] && u[1] === u[3];
}

const T0 = 1767227400000;
const S = 'stale';
const cases: Array<{ name: string; ts: number[]; vs: Array<number | typeof S> }> = [
  { name: 'one sample', ts: [T0], vs: [1] },
  { name: 'two samples', ts: [T0, T0 + 15000], vs: [1, 2] },
  { name: 'regular counter', ts: Array.from({ length: 120 }, (_, i) => T0 + i * 15000), vs: Array.from({ length: 120 }, (_, i) => i * 3) },
  { name: 'jittered timestamps (14, 17, 20 and 64-bit dods)', ts: [0, 1000, 2001, 2002, 12000, 100000, 600000, 600001, 1e12, 1e12 + 1, 1e12 - 1 + 5e9], vs: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
  { name: 'negative dods', ts: [T0, T0 + 60000, T0 + 60001, T0 + 60002, T0 + 70000, T0 + 70001], vs: [1, 1, 1, 1, 1, 1] },
  { name: 'negative timestamps', ts: [-5000, -4000, -10, 0, 7], vs: [1, 2, 3, 4, 5] },
  { name: 'gauge with fractions', ts: [1, 2, 3, 4, 5, 6], vs: [0.1, 0.2, -0.3, 1e300, -1e-300, 5e-324] },
  { name: 'specials', ts: [10, 20, 30, 40, 50, 60, 70], vs: [NaN, Infinity, -Infinity, 0, -0, S, 42] },
  { name: 'staleness markers between values', ts: [10, 20, 30, 40], vs: [1, S, S, 2] },
  { name: 'all 64 bits change', ts: [1, 2, 3], vs: [1.5, -Number.MAX_VALUE, 5e-324] },
];

test('XOR chunk round-trips samples exactly (timestamps, value bits, staleness markers)', () => {
  for (const c of cases) {
    const chunk = new XorChunk(16);
    // Plain arrays lose NaN payloads, so the markers go straight into the typed array.
    const values = new Float64Array(c.vs.length);
    c.vs.forEach((v, i) => (values[i] = v === S ? STALE_NAN : v));
    for (let i = 0; i < c.ts.length; i++) chunk.append(c.ts[i], values[i]);
    assert.equal(chunk.numSamples, c.ts.length, c.name);
    const got = decodeAll(chunk.bytes());
    assert.deepEqual(got.ts, c.ts, c.name);
    for (let i = 0; i < c.ts.length; i++) {
      assert.ok(sameBits(got.vs[i], values[i]), `${c.name}: value ${i}: got ${got.vs[i]} want ${values[i]}`);
    }
    if (c.name.startsWith('staleness')) assert.ok(isStaleNaN(got.vs[1]) && !isStaleNaN(got.vs[0]));
  }
});

test('XOR iterator seeks forward and stays put', () => {
  const chunk = new XorChunk();
  for (let i = 0; i < 50; i++) chunk.append(i * 10, i);
  const it = chunk.iterator();
  assert.equal(it.seek(95), true);
  assert.equal(it.t, 100);
  assert.equal(it.seek(50), true);
  assert.equal(it.t, 100);
  assert.equal(it.next(), true);
  assert.equal(it.t, 110);
  assert.equal(it.seek(491), false);
});

test('XOR iterator stops with an error on truncated or garbled chunks instead of throwing', () => {
  const chunk = new XorChunk();
  for (let i = 0; i < 100; i++) chunk.append(i * 1000 + (i % 7), Math.sin(i));
  const full = chunk.copyBytes();
  for (const cut of [1, 3, 10, full.length >> 1, full.length - 1]) {
    const it = new XorIterator(full.subarray(0, cut));
    let n = 0;
    while (it.next()) n++;
    assert.ok(n < 100, `cut at ${cut}`);
    assert.ok(it.err, `cut at ${cut}: error reported`);
  }
});

/** The chunks of a Prometheus chunks segment file: `len <uvarint> | encoding | data | crc32c`. */
function readChunksFile(path: string): Uint8Array[] {
  const b = new Uint8Array(readFileSync(path));
  assert.equal(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0, 0x85bd40dd, 'magic');
  const out: Uint8Array[] = [];
  let p = 8;
  while (p < b.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const x = b[p++];
      len |= (x & 0x7f) << shift;
      if (x < 0x80) break;
      shift += 7;
    }
    const enc = b[p];
    assert.equal(enc, 1, 'XOR encoding');
    const data = b.subarray(p + 1, p + 1 + len);
    const crc = ((b[p + 1 + len] << 24) | (b[p + 2 + len] << 16) | (b[p + 3 + len] << 8) | b[p + 4 + len]) >>> 0;
    assert.equal(crc32c(b, p, p + 1 + len), crc, `checksum of chunk at ${p}`);
    out.push(data);
    p += 1 + len + 4;
  }
  return out;
}

/** `promtool tsdb dump` lines grouped by series: labels → [t, value text][] in time order. */
function readDump(path: string): Map<string, Array<[number, string]>> {
  const series = new Map<string, Array<[number, string]>>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const close = line.lastIndexOf('}');
    const [value, ts] = line.slice(close + 2).split(' ');
    const key = line.slice(0, close + 1);
    let s = series.get(key);
    if (!s) series.set(key, (s = []));
    s.push([Number(ts), value]);
  }
  for (const s of series.values()) s.sort((a, b) => a[0] - b[0]);
  return series;
}

test('decodes the XOR chunks promtool wrote and re-encodes them bit for bit', () => {
  const blockDir = conformanceDir('tsdb-format', 'fixtures', 'blocks');
  const [ulid] = readdirSync(blockDir);
  const chunks = readChunksFile(join(blockDir, ulid, 'chunks', '000001'));
  const dump = readDump(conformanceDir('tsdb-format', 'fixtures', 'small.dump.txt'));
  assert.equal(chunks.length, 28);
  assert.equal(dump.size, 28);
  // Each chunk decodes to exactly the samples of one dumped series; each series re-encodes to its chunk.
  const unmatched = new Map(dump);
  let samples = 0;
  for (const data of chunks) {
    const it = new XorIterator(data);
    const got: Array<[number, string]> = [];
    while (it.next()) got.push([it.t, formatFloat(it.v)]);
    assert.equal(it.err, undefined);
    samples += got.length;
    const key = [...unmatched.keys()].find((k) => JSON.stringify(unmatched.get(k)) === JSON.stringify(got));
    assert.ok(key, `chunk with ${got.length} samples starting at ${got[0]?.[0]} matches a dumped series`);
    unmatched.delete(key);
    const again = new XorChunk();
    const it2 = new XorIterator(data);
    while (it2.next()) again.append(it2.t, it2.v);
    assert.deepEqual(again.bytes(), data, `re-encoding of ${key}`);
  }
  assert.equal(samples, 3360);
  assert.equal(unmatched.size, 0);
});

/** Samples collected with their value bits intact (a Float64Array, not a plain array). */
class Collected {
  ts: number[] = [];
  vs = new Float64Array(1024);
  more = true;
  push(t: number, v: number): void {
    this.vs[this.ts.length] = v;
    this.ts.push(t);
  }
  pushHistogram(): void {
    assert.fail('an XOR chunk holds no histograms');
  }
}

/** What `next` yields for [mint, maxt], as `pushSamples` must push it. */
function viaNext(it: XorIterator, mint: number, maxt: number): Collected {
  const c = new Collected();
  while (it.next()) {
    if (it.t > maxt) {
      c.more = false;
      return c;
    }
    if (it.t >= mint) c.push(it.t, it.v);
  }
  return c;
}

test('pushSamples yields what next yields: every case, window and place in the buffer, truncated chunks too', () => {
  const chunks: Uint8Array[] = [];
  for (const c of cases) {
    const chunk = new XorChunk(16);
    for (let i = 0; i < c.ts.length; i++) {
      const v = c.vs[i];
      chunk.append(c.ts[i], v === S ? STALE_NAN : v);
    }
    chunks.push(chunk.copyBytes());
  }
  // A long one with every dod width and value window change, to run the unchecked loop at length.
  const long = new XorChunk();
  let t = T0;
  for (let i = 0; i < 500; i++) {
    t += [15000, 15000, 15001, 14000, 80000, 600000, 15000, 9e9][i % 8];
    long.append(t, i % 11 === 0 ? STALE_NAN : Math.sin(i) * 10 ** (i % 9));
  }
  chunks.push(long.copyBytes());
  const it = new XorIterator();
  let checked = 0;
  let stale = 0;
  for (const data of chunks) {
    const all = viaNext(new XorIterator(data), -Infinity, Infinity).ts;
    const windows: Array<[number, number]> = [[-Infinity, Infinity]];
    if (all.length > 2) windows.push([all[1], all[all.length - 2]], [all[1] + 1, all[2]], [all[all.length - 1] + 1, Infinity]);
    // Whole, and cut short (both must stop with the same error at the same sample).
    for (const len of [data.length, data.length - 1, data.length >> 1]) {
      if (len < 2) continue;
      for (const pad of [0, 3, 64]) {
        // The chunk at the start, middle or end of a larger buffer (the last bytes go through the checked path).
        const buf = new Uint8Array(pad + len + pad).fill(0xa5);
        buf.set(data.subarray(0, len), pad);
        for (const [mint, maxt] of windows) {
          it.reset(buf, pad, len);
          const want = viaNext(it, mint, maxt);
          const wantErr = it.err?.message;
          it.reset(buf, pad, len);
          const got = new Collected();
          got.more = it.pushSamples(mint, maxt, got);
          const name = `chunk of ${data.length} bytes cut to ${len}, pad ${pad}, [${mint}, ${maxt}]`;
          assert.deepEqual(got.ts, want.ts, name);
          for (let i = 0; i < got.ts.length; i++) {
            assert.ok(sameBits(got.vs[i], want.vs[i]), `${name}: value ${i}`);
            if (isStaleNaN(got.vs[i])) stale++;
          }
          assert.equal(got.more, want.more, name);
          assert.equal(it.err?.message, wantErr, name);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 100 && stale > 50, `${checked} cases, ${stale} staleness markers`);
});
