import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, settle } from '../apimachinery/clock.js';
import { ReadinessPoller } from './readiness-poller.js';

describe('ReadinessPoller', () => {
  test('polls fast with back-off and reports the first ready check at once', async () => {
    const clock = new FakeClock();
    const checks: number[] = [];
    let ready = false;
    let readyAt: number | undefined;
    const start = clock.now().getTime();
    const poller = new ReadinessPoller({
      clock,
      check: async () => {
        checks.push(clock.now().getTime() - start);
        return ready;
      },
      onReady: () => (readyAt = clock.now().getTime() - start),
    });
    const stop = new AbortController();
    const running = poller.run(stop.signal);
    await clock.advanceAsync(3000);
    // 0, 200, 500 (+300), 950 (+450), 1625 (+675), then once a second.
    assert.deepEqual(checks, [0, 200, 500, 950, 1625, 2625]);
    ready = true;
    await clock.advanceAsync(1000);
    assert.equal(readyAt, 3625);
    await running;
    assert.equal(checks.length, 7);
  });

  test('wake checks at once and polls fast again; errors count as not ready', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let calls = 0;
    let ready = false;
    let reported = false;
    const poller = new ReadinessPoller({
      clock,
      check: async () => {
        calls++;
        if (calls === 1) throw new Error('runtime down');
        return ready;
      },
      onReady: () => (reported = true),
      onError: (err) => errors.push(err),
    });
    const stop = new AbortController();
    const running = poller.run(stop.signal);
    await clock.advanceAsync(5000);
    assert.equal(errors.length, 1);
    ready = true;
    poller.wake();
    await settle(5);
    assert.equal(reported, true);
    await running;
  });

  test('stops when its signal aborts', async () => {
    const clock = new FakeClock();
    const poller = new ReadinessPoller({ clock, check: async () => false, onReady: () => assert.fail('never ready') });
    const stop = new AbortController();
    const running = poller.run(stop.signal);
    await clock.advanceAsync(500);
    stop.abort();
    await running;
  });
});
