import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, timestampSince } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1800, '1s'],
    [-1500, '0s'],
    [-2 * s, '<invalid>'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [2 * m + 3 * s, '2m3s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 10 * m, '3h10m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 5 * m, '8h'],
    [47 * h, '47h'],
    [48 * h, '2d'],
    [5 * d + 3 * h, '5d3h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [3 * 365 * d + 45 * d, '3y45d'],
    [8 * 365 * d, '8y'],
    [10 * 365 * d + 100 * d, '10y'],
  ];
  for (const [ms, want] of cases) {
    test(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('timestampSince', () => {
  test('age of a timestamp and unknown', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    assert.equal(timestampSince('2024-05-01T11:55:00Z', now), '5m');
    assert.equal(timestampSince(undefined, now), '<unknown>');
    assert.equal(timestampSince('not a time', now), '<unknown>');
  });
});
