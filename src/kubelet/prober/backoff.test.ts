import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apimachinery/clock.js';
import { CrashLoopBackOff, crashLoopBackOffKey, formatBackOffEventMessage, formatBackOffMessage, formatGoDuration } from './backoff.js';

const key = crashLoopBackOffKey('uid-1', 'app');

test('the delay doubles after each restart, capped at the maximum', () => {
  const clock = new FakeClock();
  const backOff = new CrashLoopBackOff({ clock });
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    // Each run: the container dies right away, the kubelet waits out the delay, then restarts it.
    const finishedAt = clock.now();
    delays.push(backOff.next(key, finishedAt));
    clock.advance(backOff.delay(key));
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

test('inBackOff counts from the finish time and reports what is left', () => {
  const clock = new FakeClock();
  const backOff = new CrashLoopBackOff({ clock });
  const finishedAt = clock.now();
  assert.deepEqual(backOff.inBackOff(key, finishedAt), { waiting: false, remainingMs: 0, delayMs: 0 }, 'first crash: restart at once');
  backOff.next(key, finishedAt);
  clock.advance(3_000);
  const second = clock.now();
  // The restarted container crashed again 3s later.
  assert.deepEqual(backOff.inBackOff(key, second), { waiting: true, remainingMs: 10_000, delayMs: 10_000 });
  clock.advance(4_000);
  assert.deepEqual(backOff.inBackOff(key, second), { waiting: true, remainingMs: 6_000, delayMs: 10_000 });
  clock.advance(6_000);
  assert.equal(backOff.inBackOff(key, second).waiting, false);
  assert.equal(backOff.next(key, second), 20_000);
});

test('a container that ran longer than resetAfterMs starts over at the initial delay', () => {
  const clock = new FakeClock();
  const backOff = new CrashLoopBackOff({ clock });
  for (let i = 0; i < 4; i++) {
    backOff.next(key, clock.now());
    clock.advance(backOff.delay(key));
  }
  assert.equal(backOff.delay(key), 80_000);
  clock.advance(600_001); // ran 10 minutes without failing
  const finishedAt = clock.now();
  assert.equal(backOff.inBackOff(key, finishedAt).waiting, false);
  assert.equal(backOff.next(key, finishedAt), 10_000);
});

test('reset and gc forget keys', () => {
  const clock = new FakeClock();
  const backOff = new CrashLoopBackOff({ clock, initialMs: 1_000, maxMs: 8_000 });
  const other = crashLoopBackOffKey('uid-2', 'app');
  backOff.next(key, clock.now());
  backOff.next(other, clock.now());
  backOff.reset(key);
  assert.equal(backOff.delay(key), 0);
  backOff.next(key, clock.now());
  backOff.gc([key]);
  assert.equal(backOff.size, 1);
  clock.advance(16_001); // 2 x maxMs without an update
  backOff.gc();
  assert.equal(backOff.size, 0);
});

test('messages read like the kubelet', () => {
  const pod = { name: 'web', namespace: 'default', uid: 'uid-1' };
  assert.equal(formatBackOffMessage(20_000, 'app', pod), 'back-off 20s restarting failed container=app pod=web_default(uid-1)');
  assert.equal(formatBackOffEventMessage('app', pod), 'Back-off restarting failed container app in pod web_default(uid-1)');
  assert.deepEqual(
    [10_000, 80_000, 160_000, 300_000, 3_600_000, 500, 1_500].map(formatGoDuration),
    ['10s', '1m20s', '2m40s', '5m0s', '1h0m0s', '500ms', '1.5s'],
  );
});
