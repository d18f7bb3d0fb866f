import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationText, utcClock, utcDateTime } from './time-text.js';

test('instants are written in UTC', () => {
  const at = Date.parse('2026-03-01T09:05:07.900Z');
  assert.equal(utcClock(at), '09:05:07');
  assert.equal(utcDateTime(at), '2026-03-01 09:05:07 UTC');
});

test('durations keep the two largest units', () => {
  assert.equal(durationText(45_900), '45s');
  assert.equal(durationText(125_000), '2m05s');
  assert.equal(durationText(3_720_000), '1h02m');
  assert.equal(durationText(273_600_000), '3d4h');
  assert.equal(durationText(-5_000), '-5s');
});
