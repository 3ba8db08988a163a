import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '@vigil/model';
import { Target } from './target.js';

function target(i: number): Target {
  const labels = Labels.fromObject({
    __address__: `10.0.${i >> 8}.${i & 255}:9100`, __scheme__: 'http', __metrics_path__: '/metrics',
    __scrape_interval__: '10s', __scrape_timeout__: '10s', job: 'node', instance: `10.0.${i >> 8}.${i & 255}:9100`,
  });
  return new Target('node', labels, labels, {});
}

test('targets are spread over the interval, each at a phase of its own that does not depend on when it starts', () => {
  const interval = 10_000;
  const targets = Array.from({ length: 200 }, (_, i) => target(i));
  const phases = targets.map((t) => {
    const seen = new Set<number>();
    for (const now of [1_700_000_000_000, 1_700_000_003_217, 1_700_000_009_999, 1_700_000_123_456]) {
      const wait = t.offset(interval, now);
      assert.ok(wait > 0 && wait <= interval, `first scrape within one interval: ${wait}`);
      seen.add((now + wait) % interval);
    }
    assert.equal(seen.size, 1, 'the same phase whatever the start time');
    return [...seen][0]!;
  });
  // 200 targets over ten one-second slots: every slot is used, none holds more than a quarter.
  const slots = new Array<number>(10).fill(0);
  for (const p of phases) slots[Math.floor(p / 1000)]!++;
  assert.ok(slots.every((n) => n > 0 && n <= 50), `targets per second of the interval: ${slots.join(' ')}`);
  // A different offset seed (another server) moves the phases.
  const moved = targets.filter((t, i) => (1_700_000_000_000 + t.offset(interval, 1_700_000_000_000, 0x5eed)) % interval !== phases[i]).length;
  assert.ok(moved > 150, `${moved} of 200 targets moved with another seed`);
});
