import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, settle, systemClock } from './clock.js';

describe('FakeClock', () => {
  test('starts at the given time and advances', () => {
    const clock = new FakeClock(new Date('2026-03-01T10:00:00Z'));
    assert.equal(clock.now().toISOString(), '2026-03-01T10:00:00.000Z');
    clock.advance(1500);
    assert.equal(clock.now().toISOString(), '2026-03-01T10:00:01.500Z');
  });

  test('fires due timers in order of due time, then creation', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push('c'));
    clock.setTimer(100, () => fired.push('a'));
    clock.setTimer(100, () => fired.push('b'));
    clock.setTimer(1000, () => fired.push('late'));
    assert.equal(clock.pendingTimers, 4);
    clock.advance(300);
    assert.deepEqual(fired, ['a', 'b', 'c']);
    assert.equal(clock.pendingTimers, 1);
    assert.equal(clock.nextTimerDelay(), 700);
  });

  test('a timer sees the time it was due at; timers set while firing fire if due', () => {
    const clock = new FakeClock(new Date(0));
    const seen: number[] = [];
    clock.setTimer(10, () => {
      seen.push(clock.now().getTime());
      clock.setTimer(10, () => seen.push(clock.now().getTime()));
    });
    clock.advance(25);
    assert.deepEqual(seen, [10, 20]);
    assert.equal(clock.now().getTime(), 25);
  });

  test('cancelled timers do not fire', () => {
    const clock = new FakeClock();
    let fired = false;
    const t = clock.setTimer(5, () => (fired = true));
    t.cancel();
    t.cancel();
    clock.advance(10);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
  });

  test('sleep resolves when time passes, and at once on abort', async () => {
    const clock = new FakeClock();
    let woke = false;
    const sleeping = clock.sleep(1000).then(() => (woke = true));
    clock.advance(999);
    await settle();
    assert.equal(woke, false);
    clock.advance(1);
    await sleeping;
    assert.equal(woke, true);

    const ac = new AbortController();
    const aborted = clock.sleep(60_000, ac.signal);
    ac.abort();
    await aborted;
    assert.equal(clock.pendingTimers, 0);
    await clock.sleep(10, ac.signal);
  });

  test('advanceAsync lets sleeping loops reschedule inside the window', async () => {
    const clock = new FakeClock(new Date(0));
    const ticks: number[] = [];
    const ac = new AbortController();
    const loop = (async () => {
      while (!ac.signal.aborted) {
        await clock.sleep(100, ac.signal);
        if (!ac.signal.aborted) ticks.push(clock.now().getTime());
      }
    })();
    await clock.advanceAsync(350);
    assert.deepEqual(ticks, [100, 200, 300]);
    ac.abort();
    await loop;
  });
});

describe('systemClock', () => {
  test('is frozen and tells the time', async () => {
    assert.ok(Object.isFrozen(systemClock));
    assert.ok(Math.abs(systemClock.now().getTime() - Date.now()) < 1000);
    const ac = new AbortController();
    const sleeping = systemClock.sleep(3_600_000, ac.signal);
    ac.abort();
    await sleeping;
    let fired = false;
    const t = systemClock.setTimer(3_600_000, () => (fired = true));
    t.cancel();
    assert.equal(fired, false);
  });
});
