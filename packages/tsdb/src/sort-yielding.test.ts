import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortYielding } from './sort-yielding.js';

interface Item { key: number; seq: number }

function items(n: number, keys: number): Item[] {
  let x = 12345;
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push({ key: x % keys, seq: i });
  }
  return out;
}

const byKey = (a: Item, b: Item): number => a.key - b.key;

test('sortYielding sorts stably, as Array.prototype.sort does, at sizes around its run length', async () => {
  for (const n of [0, 1, 2, 4095, 4096, 4097, 3 * 4096 + 5, 50_000]) {
    const input = items(n, Math.max(1, n >> 3)); // many equal keys: stability shows
    const copy = input.slice();
    const got = await sortYielding(input, byKey);
    assert.deepEqual(got, copy.slice().sort(byKey), `n=${n}`);
    assert.deepEqual(input, copy, 'the input is left as it was');
  }
});

test('sortYielding lets the event loop run while it sorts', async () => {
  let ran = 0;
  const ticker = setInterval(() => ran++, 0);
  try {
    // A slice of 0 ms pauses at every check, so a timer fires while sorting.
    await sortYielding(items(100_000, 1000), byKey, 0);
  } finally {
    clearInterval(ticker);
  }
  assert.ok(ran > 0, 'a timer ran during the sort');
});
