import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, settle } from '../apimachinery/clock.js';
import {
  defaultControllerRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  runWorkers,
  TokenBucketRateLimiter,
  WorkQueue,
  type SyncResult,
} from './work-queue.js';

describe('WorkQueue', () => {
  test('deduplicates waiting keys and keeps FIFO order', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
  });

  test('a key added while processing is re-queued on done, never handed out twice', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    const key = await q.get();
    assert.equal(key, 'a');
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not queued while being processed');
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await settle();
    assert.equal(second, undefined);
    q.done('a');
    await settle();
    assert.equal(second, 'a');
  });

  test('get waits for add; shutDown drains then answers undefined', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    q.add('y');
    const idle = new WorkQueue({ clock: new FakeClock() });
    const idleGet = idle.get();
    idle.shutDown();
    assert.equal(await idleGet, undefined);
    q.shutDown();
    q.add('z');
    assert.equal(await q.get(), 'y');
    assert.equal(await q.get(), undefined);
    assert.ok(q.shuttingDown());
  });

  test('get answers undefined when its signal aborts', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    const waiting = q.get(ac.signal);
    ac.abort();
    assert.equal(await waiting, undefined);
    q.add('a');
    assert.equal(await q.get(), 'a', 'the aborted waiter did not take the key');
  });

  test('addAfter adds when the delay passes, keeping the earliest time', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 5000);
    q.addAfter('b', 0);
    assert.equal(q.len(), 1);
    clock.advance(999);
    assert.equal(q.len(), 1);
    clock.advance(1);
    assert.equal(q.len(), 2);
    clock.advance(10_000);
    assert.equal(q.len(), 2, 'the later addAfter was merged into the earlier one');
    q.addAfter('c', 100);
    q.shutDown();
    assert.equal(clock.pendingTimers, 0);
  });

  test('addRateLimited backs off exponentially per key; forget resets', () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addRateLimited('a');
    assert.equal(q.numRequeues('a'), 1);
    assert.equal(clock.nextTimerDelay(), 5);
    clock.advance(5);
    assert.equal(q.len(), 1);
    q.addRateLimited('b');
    q.addRateLimited('b');
    assert.equal(q.numRequeues('b'), 2);
    q.forget('b');
    assert.equal(q.numRequeues('b'), 0);
  });
});

describe('rate limiters', () => {
  test('exponential: 5 ms doubling, capped at 1000 s', () => {
    const r = new ExponentialFailureRateLimiter<string>();
    const delays = Array.from({ length: 5 }, () => r.when('k'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80]);
    for (let i = 0; i < 100; i++) r.when('k');
    assert.equal(r.when('k'), 1_000_000);
    assert.equal(r.when('other'), 5);
    r.forget('k');
    assert.equal(r.when('k'), 5);
  });

  test('token bucket: burst free, then 1/qps apart, refilled with time', () => {
    const clock = new FakeClock();
    const r = new TokenBucketRateLimiter<string>(10, 3, clock);
    assert.deepEqual([r.when('a'), r.when('b'), r.when('c')], [0, 0, 0]);
    assert.equal(Math.round(r.when('d')), 100);
    assert.equal(Math.round(r.when('e')), 200);
    clock.advance(10_000);
    assert.equal(r.when('f'), 0);
  });

  test('max of: the larger delay wins; the default combines 5 ms backoff and 10 qps / burst 100', () => {
    const clock = new FakeClock();
    const max = new MaxOfRateLimiter<string>(new ExponentialFailureRateLimiter(1, 100), new ExponentialFailureRateLimiter(3, 100));
    assert.equal(max.when('k'), 3);
    assert.equal(max.numRequeues('k'), 1);
    const def = defaultControllerRateLimiter<string>(clock);
    for (let i = 0; i < 100; i++) assert.equal(def.when(`k${i}`), 5);
    assert.equal(Math.round(def.when('k100')), 100, 'bucket exhausted: 1/10 s');
  });
});

describe('runWorkers', () => {
  test('forgets on success, requeues after requeueAfter, rate-limits errors, always done', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const ac = new AbortController();
    const calls: string[] = [];
    const errors: [unknown, string][] = [];
    let failB = 2;
    const sync = async (key: string): Promise<SyncResult | void> => {
      calls.push(key);
      if (key === 'b' && failB-- > 0) throw new Error(`b failed`);
      if (key === 'c' && calls.filter((k) => k === 'c').length === 1) return { requeueAfter: 30_000 };
    };
    const running = runWorkers(q, 2, sync, ac.signal, (err, key) => errors.push([err, key]));
    q.add('a');
    q.add('b');
    q.add('c');
    await settle();
    assert.deepEqual(calls.sort(), ['a', 'b', 'c']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.[1], 'b');
    assert.equal(q.numRequeues('b'), 1);
    await clock.advanceAsync(5);
    assert.equal(calls.filter((k) => k === 'b').length, 2);
    await clock.advanceAsync(10);
    assert.equal(calls.filter((k) => k === 'b').length, 3);
    assert.equal(q.numRequeues('b'), 0, 'forgotten after success');
    await clock.advanceAsync(29_000);
    assert.equal(calls.filter((k) => k === 'c').length, 1);
    await clock.advanceAsync(1_000);
    assert.equal(calls.filter((k) => k === 'c').length, 2);
    ac.abort();
    await running;
    assert.ok(q.shuttingDown());
  });

  test('one key is never synced by two workers at once', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const release: (() => void)[] = [];
    const sync = async (): Promise<void> => {
      active++;
      runs++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((r) => release.push(r));
      active--;
    };
    const running = runWorkers(q, 4, sync, ac.signal, (err) => assert.fail(String(err)));
    q.add('k');
    await settle();
    q.add('k');
    q.add('k');
    await settle();
    assert.equal(runs, 1);
    release.shift()?.();
    await settle();
    assert.equal(runs, 2, 're-run once after done');
    release.shift()?.();
    await settle();
    assert.equal(maxActive, 1);
    assert.equal(runs, 2);
    ac.abort();
    await running;
  });
});

test('WorkQueue with priorityOf hands out higher priorities first, equal ones in order', async () => {
  const priorities: Record<string, number> = { low: 0, high: 100, mid: 10, high2: 100 };
  const q = new WorkQueue<string>({ priorityOf: (k) => priorities[k] ?? 0 });
  for (const k of ['low', 'high', 'mid', 'high2']) q.add(k);
  const order: string[] = [];
  for (let i = 0; i < 4; i++) order.push((await q.get())!);
  assert.deepEqual(order, ['high', 'high2', 'mid', 'low']);
});
