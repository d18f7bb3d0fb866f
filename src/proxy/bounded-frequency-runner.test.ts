import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, settle } from '../apimachinery/clock.js';
import { BoundedFrequencyRunner } from './bounded-frequency-runner.js';

function counting(clock: FakeClock, fail = () => false) {
  const runs: number[] = [];
  const errors: unknown[] = [];
  const start = clock.now().getTime();
  const runner = new BoundedFrequencyRunner({
    clock,
    minIntervalMs: 1000,
    maxIntervalMs: 30_000,
    fn: async () => {
      runs.push(clock.now().getTime() - start);
      if (fail()) throw new Error('sync failed');
    },
    onError: (e) => errors.push(e),
  });
  return { runner, runs, errors };
}

test('runs at start, coalesces a burst within the minimum interval, runs periodically', async () => {
  const clock = new FakeClock();
  const { runner, runs } = counting(clock);
  const stop = new AbortController();
  const done = runner.loop(stop.signal);
  await clock.advanceAsync(0);
  assert.deepEqual(runs, [0]);
  await clock.advanceAsync(200);
  for (let i = 0; i < 5; i++) runner.request();
  await clock.advanceAsync(799);
  assert.deepEqual(runs, [0], 'not before the minimum interval');
  await clock.advanceAsync(1);
  assert.deepEqual(runs, [0, 1000], 'five requests, one run');
  await clock.advanceAsync(5000);
  runner.request();
  await clock.advanceAsync(0);
  assert.deepEqual(runs, [0, 1000, 6000], 'a request after the interval runs at once');
  await clock.advanceAsync(30_000);
  assert.deepEqual(runs, [0, 1000, 6000, 36_000], 'periodic run after the maximum interval');
  stop.abort();
  await done;
  assert.equal(clock.pendingTimers, 0);
});

test('a failed run is reported and retried after the minimum interval', async () => {
  const clock = new FakeClock();
  let failures = 1;
  const { runner, runs, errors } = counting(clock, () => failures-- > 0);
  const stop = new AbortController();
  const done = runner.loop(stop.signal);
  await clock.advanceAsync(1000);
  assert.deepEqual(runs, [0, 1000]);
  assert.equal(errors.length, 1);
  stop.abort();
  await done;
});

test('a request during a run makes one more run after it', async () => {
  const clock = new FakeClock();
  let release: () => void = () => undefined;
  const runs: number[] = [];
  const runner = new BoundedFrequencyRunner({
    clock,
    minIntervalMs: 1000,
    fn: () => {
      runs.push(clock.now().getTime());
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  const stop = new AbortController();
  const done = runner.loop(stop.signal);
  await clock.advanceAsync(0);
  runner.request();
  runner.request();
  release();
  await settle();
  await clock.advanceAsync(1000);
  assert.equal(runs.length, 2);
  release();
  stop.abort();
  await done;
});
