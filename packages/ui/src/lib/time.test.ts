import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampStepSeconds, defaultStepSeconds, formatAgo, formatDuration, formatTimeInput, parseDuration, parseTimeInput, stepRange } from './time.js';

test('parseDuration reads Prometheus durations', () => {
  const cases: [string, number | null][] = [
    ['1h', 3600e3],
    ['2d', 2 * 86400e3],
    ['1h30m', 5400e3],
    ['90s', 90e3],
    ['250ms', 250],
    ['1w', 7 * 86400e3],
    ['1y', 365 * 86400e3],
    ['15', 15e3],
    ['0.5', 500],
    [' 5m ', 300e3],
    ['1d2h3m4s5ms', 86400e3 + 2 * 3600e3 + 3 * 60e3 + 4e3 + 5],
    ['', null],
    ['h', null],
    ['1x', null],
    ['30m1h', null], // units out of order
    ['1h1h', null], // a unit twice
    ['-1h', null],
    ['1.5h', null],
  ];
  for (const [input, want] of cases) assert.equal(parseDuration(input), want, `parseDuration(${JSON.stringify(input)})`);
});

test('formatDuration writes the largest units first and round-trips', () => {
  const cases: [number, string][] = [[3600e3, '1h'], [5400e3, '1h30m'], [2 * 86400e3, '2d'], [1500, '1s500ms'], [0, '0s'], [7 * 86400e3 + 1000, '1w1s']];
  for (const [ms, want] of cases) {
    assert.equal(formatDuration(ms), want);
    if (ms > 0) assert.equal(parseDuration(want), ms);
  }
});

test('parseTimeInput reads end times', () => {
  const cases: [string, number | null][] = [
    ['2024-05-01 12:00:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01 12:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:30Z', Date.UTC(2024, 4, 1, 12, 0, 30)],
    ['2024-05-01T12:00:30.250Z', Date.UTC(2024, 4, 1, 12, 0, 30, 250)],
    ['2024-05-01T14:00:00+02:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T07:30:00-0430', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['1714564800', 1714564800000],
    ['1714564800.5', 1714564800500],
    ['2024-02-31 00:00', null],
    ['2024-13-01', null],
    ['2024-05-01 25:00', null],
    ['yesterday', null],
    ['', null],
  ];
  for (const [input, want] of cases) assert.equal(parseTimeInput(input), want, `parseTimeInput(${JSON.stringify(input)})`);
});

test('formatTimeInput writes UTC and parses back', () => {
  const t = Date.UTC(2023, 0, 2, 3, 4, 5);
  assert.equal(formatTimeInput(t), '2023-01-02 03:04:05');
  assert.equal(parseTimeInput(formatTimeInput(t)), t);
});

test('default and clamped resolution', () => {
  assert.equal(defaultStepSeconds(3600e3), 14); // as Prometheus's UI: range/250
  assert.equal(defaultStepSeconds(60e3), 1);
  assert.equal(defaultStepSeconds(7 * 86400e3), 2419);
  assert.equal(clampStepSeconds(86400e3, 1), 8); // 86400/11000 → at most 11,000 points
  assert.equal(clampStepSeconds(86400e3, 60), 60);
});

test('range steps move through the presets', () => {
  assert.equal(stepRange(3600e3, 1), 2 * 3600e3);
  assert.equal(stepRange(3600e3, -1), 30 * 60e3);
  assert.equal(stepRange(45 * 60e3, 1), 3600e3);
  assert.equal(stepRange(1000, -1), 1000);
});

test('formatAgo', () => {
  const now = 1_000_000_000;
  assert.equal(formatAgo(now - 3200, now), '3.2s ago');
  assert.equal(formatAgo(now - 302_000, now), '5m 2s ago');
  assert.equal(formatAgo(now - 500, now), '500ms ago');
  assert.equal(formatAgo(now + 2000, now), 'in 2.0s');
});
